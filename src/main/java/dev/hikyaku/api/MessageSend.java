package dev.hikyaku.api;

import dev.hikyaku.intake.HeaderEnvelope;
import dev.hikyaku.intake.MessageSource;
import dev.hikyaku.intake.SubmissionAgent;
import dev.hikyaku.intake.SubmissionAgent.Outcome;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.MailParams;
import dev.hikyaku.protocol.Reply;
import dev.hikyaku.protocol.ReversePath;
import dev.hikyaku.store.ApiKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The send routes (scope {@code send}), each through {@link Submissions} and so through the policy
 * and intake an SMTP submission meets:
 *
 * <ul>
 *   <li>{@code POST /v1/messages}: one message as JSON ({@link SendRequest}), built with mime4j
 *       ({@link MimeComposer});
 *   <li>{@code POST /v1/messages/raw}: one message as it is ({@code message/rfc822}), its envelope
 *       from the query ({@code from}, repeated {@code to}) or else from its own header, as {@code
 *       sendmail -t} reads it;
 *   <li>{@code POST /v1/messages/batch}: up to {@link #MAX_BATCH} JSON messages, each answered in
 *       its place, one refused without stopping the others.
 * </ul>
 *
 * A queued message is answered {@code 202 Accepted} with {@code Location: /v1/messages/{id}} and
 * {@code {"id", "status": "queued", "headers": {"message_id"}, "recipients": [{"email", "status", "reason"?}]}};
 * each refusal is the problem its SMTP reply stands for (see {@link SendAnswers#answer}). Every route takes an
 * {@code Idempotency-Key} ({@link Idempotency}).
 */
final class MessageSend {

  private static final Logger log = LoggerFactory.getLogger(MessageSend.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  static final String MESSAGES = "/v1/messages";
  static final String RAW = "/v1/messages/raw";
  static final String BATCH = "/v1/messages/batch";
  /** API.md §2: at most 100 messages in one batch. */
  static final int MAX_BATCH = 100;
  /**
   * JSON bodies may exceed the message size limit by what base64 adds to attachments (4 octets for
   * 3, RFC 4648 §4) and this much more for the rest of the JSON (addresses, escapes, members). The
   * message built from it must still fit {@code limits.max-message-size}, or the request is 413.
   */
  static final long JSON_SLACK = 1024 * 1024;

  private final Submissions submissions;
  private final Idempotency idempotency = new Idempotency();

  MessageSend(Submissions submissions) {
    this.submissions = submissions;
  }

  List<Route> routes() {
    return List.of(
        new Route("POST", MESSAGES, ApiKey.Scope.SEND, this::send),
        new Route("POST", RAW, ApiKey.Scope.SEND, this::raw),
        new Route("POST", BATCH, ApiKey.Scope.SEND, this::batch));
  }

  /** The largest JSON body read: base64 of the largest message and the slack. */
  private long jsonLimit() {
    long max = submissions.limits().maxMessageSize();
    return max > (Long.MAX_VALUE - JSON_SLACK) / 4 * 3 ? Long.MAX_VALUE : max / 3 * 4 + 4 + JSON_SLACK;
  }

  // ---- POST /v1/messages ----------------------------------------------------------------------

  /** A JSON request as read: its Idempotency-Key, its octets (for the fingerprint) and its value. */
  private record JsonRequest(Idempotency.Key key, byte[] body, JsonNode json) {}

  /**
   * Reads a JSON request, refusing in this order: another media type 415, a malformed
   * Idempotency-Key 400, a query parameter 422, a body over {@link #jsonLimit} 413, not JSON 400.
   */
  private JsonRequest readJson(ApiRequest request) throws Refusal {
    request.requireJson();
    Idempotency.Key key = Idempotency.parse(request.header(Idempotency.HEADER));
    QueryParameters.requireKnown(request, List.of());
    byte[] body = request.body(jsonLimit());
    return new JsonRequest(key, body, ApiRequest.parseJson(body));
  }

  private Answer send(ApiRequest request) throws Refusal {
    JsonRequest read = readJson(request);
    return once(request, read.key(), read.body(), scoped -> {
      Optional<Answer> earlier = earlier(scoped);
      if (earlier.isPresent()) {
        return earlier.get();
      }
      return switch (SendRequest.read(read.json(), "", submissions.limits().maxRecipients())) {
        case SendRequest.Reading.Invalid invalid -> new Answer.Failure(Problems.invalid(invalid.errors()));
        case SendRequest.Reading.Valid valid -> sendJson(request, valid.request(), scoped);
      };
    });
  }

  private Answer sendJson(ApiRequest request, SendRequest send, Optional<Scoped> scoped) {
    byte[] content = MimeComposer.compose(send);
    long max = submissions.limits().maxMessageSize();
    if (content.length > max) {
      return new Answer.Failure(Problems.messageTooLarge(content.length, max));
    }
    Map<String, String> pointers = new HashMap<>();
    for (var list : List.of(Map.entry("to", send.to()), Map.entry("cc", send.cc()), Map.entry("bcc", send.bcc()))) {
      for (int i = 0; i < list.getValue().size(); i++) {
        pointers.putIfAbsent(list.getValue().get(i).path().address(), "/" + list.getKey() + "/" + i);
      }
    }
    return submit(request, send.envelope(), content, send.tags(), send.metadata(), scoped, pointers);
  }

  // ---- POST /v1/messages/raw ------------------------------------------------------------------

  private Answer raw(ApiRequest request) throws Refusal {
    request.requireMediaType("message/rfc822");
    Idempotency.Key key = Idempotency.parse(request.header(Idempotency.HEADER));
    QueryParameters.requireKnown(request, List.of("from", "to"));
    long max = submissions.limits().maxMessageSize();
    byte[] body = request.body(max);
    byte[] content = RawEnvelope.canonicalLineEnds(body);
    if (content.length > max) {
      throw new Refusal(Problems.tooLarge(max));
    }
    // The envelope may come from the header: no field is parsed before all are known to be within
    // HeaderScan's limit, as in SMTP. A 30 MB To: of 1.4 million addresses was parsed whole first
    // (11 s on 2 cores; mime4j's address tree grows faster than the field) only to be refused.
    Optional<Reply> overlong = HeaderEnvelope.overlongField(content);
    if (overlong.isPresent()) {
      throw new Refusal(Problems.messageRefused(overlong.get().toString()));
    }
    ReversePath from = RawEnvelope.sender(request, content);
    List<Envelope.Recipient> recipients =
        RawEnvelope.recipients(request, content, submissions.limits().maxRecipients());
    // RFC 5322 §3.6.3: whoever the envelope names, a Bcc: field does not go out (sendmail -t's way).
    byte[] queued = HeaderEnvelope.withoutBcc(content);
    Envelope envelope = new Envelope(from, MailParams.NONE, recipients);
    return once(request, key, body, scoped -> {
      Optional<Answer> earlier = earlier(scoped);
      if (earlier.isPresent()) {
        return earlier.get();
      }
      // No JSON to point into: a refused recipient is named in the detail.
      return submit(request, envelope, queued, List.of(), Map.of(), scoped, Map.of());
    });
  }

  // ---- POST /v1/messages/batch ----------------------------------------------------------------

  private Answer batch(ApiRequest request) throws Refusal {
    JsonRequest read = readJson(request);
    JsonNode json = read.json();
    List<Problem.FieldError> shape = new ArrayList<>();
    JsonNode messages = json.isObject() ? json.get("messages") : null;
    if (!json.isObject()) {
      shape.add(new Problem.FieldError("", "must be a JSON object: {\"messages\": [...]}"));
    } else {
      for (String name : json.propertyNames()) {
        if (!name.equals("messages")) {
          shape.add(new Problem.FieldError("/" + JsonMembers.escape(name), "unknown member; a batch has only messages"));
        }
      }
      if (messages == null || !messages.isArray() || messages.isEmpty()) {
        shape.add(new Problem.FieldError("/messages", "is required: an array of 1 to " + MAX_BATCH + " messages"));
      } else if (messages.size() > MAX_BATCH) {
        shape.add(new Problem.FieldError("/messages", messages.size() + " messages; at most " + MAX_BATCH));
      }
    }
    if (!shape.isEmpty()) {
      throw new Refusal(Problems.invalid(shape));
    }
    return once(request, read.key(), read.body(), scoped -> {
      // A repeated batch: the items queued the first time are answered from their records; the
      // others (refused the first time, so recorded nothing) are tried again. Idempotent-Replayed
      // says that at least one result is a replay; each replayed result is the first one's octets.
      List<Optional<Submissions.Recorded>> recorded = new ArrayList<>();
      for (int i = 0; i < messages.size(); i++) {
        Optional<Submissions.Recorded> item = Optional.empty();
        if (scoped.isPresent()) {
          item = recorded(scoped.get().item(i).scope());
          if (item.isPresent() && !item.get().fingerprint().equals(scoped.get().fingerprint())) {
            return new Answer.Failure(Problems.idempotencyKeyReused());
          }
        }
        recorded.add(item);
      }
      ObjectNode answer = JSON.createObjectNode();
      ArrayNode results = answer.putArray("results");
      boolean isReplayed = false;
      for (int i = 0; i < messages.size(); i++) {
        if (recorded.get(i).isPresent()) {
          results.add(JSON.readTree(recorded.get(i).get().body()));
          isReplayed = true;
          continue;
        }
        int index = i;
        Optional<Scoped> item = scoped.map(s -> s.item(index));
        Answer result = switch (SendRequest.read(messages.get(i), "/messages/" + i, submissions.limits().maxRecipients())) {
          case SendRequest.Reading.Invalid invalid -> new Answer.Failure(Problems.invalid(invalid.errors()));
          case SendRequest.Reading.Valid valid -> sendJson(request, valid.request(), item);
        };
        results.add(switch (result) {
          case Answer.Json done -> JSON.readTree(done.body());
          case Answer.Failure failure -> Problems.toNode(failure.problem());
          case Answer.Document document -> throw new IllegalStateException("a send answers JSON or a problem");
          case Answer.NoContent none -> throw new IllegalStateException("a send answers JSON or a problem");
        });
      }
      Map<String, String> headers = isReplayed ? Map.of("Idempotent-Replayed", "true") : Map.of();
      return new Answer.Json(200, JSON.writeValueAsString(answer), headers);
    });
  }

  // ---- one message, its answer --------------------------------------------------------------

  /**
   * Submits one message and answers for it.
   *
   * @param pointers where each recipient is in the request body, by address, for a refusal
   */
  private Answer submit(
      ApiRequest request, Envelope envelope, byte[] content, List<String> tags, Map<String, String> metadata,
      Optional<Scoped> scoped, Map<String, String> pointers) {
    MessageSource.Api source = new MessageSource.Api(request.caller().principal(), request.client(), request.isSecure());
    Optional<SubmissionAgent.Idempotency> record = scoped.map(s ->
        new SubmissionAgent.Idempotency(s.scope(), s.fingerprint(), 202, SendAnswers::queuedJson));
    Outcome outcome = submissions.submit(new SubmissionAgent.Submission(source, envelope, content, tags, metadata, record));
    return SendAnswers.answer(outcome, pointers);
  }

  // ---- idempotency ---------------------------------------------------------------------------

  /**
   * A request's idempotency scope and body fingerprint.
   *
   * @param scope {@link Idempotency#scope}; a batch item's adds {@code "#" index}
   */
  private record Scoped(String scope, String fingerprint) {
    Scoped item(int index) {
      return new Scoped(scope + "#" + index, fingerprint);
    }
  }

  /** The work of a request, given its scope when it has an Idempotency-Key. */
  @FunctionalInterface
  private interface Work {
    Answer run(Optional<Scoped> scoped) throws Refusal;
  }

  /**
   * Runs {@code work} once per key at a time: without a key at once; with one, unless a request
   * with the same scope is in flight (409).
   */
  private Answer once(ApiRequest request, Idempotency.Key key, byte[] body, Work work) throws Refusal {
    return switch (key) {
      case Idempotency.Key.None none -> work.run(Optional.empty());
      case Idempotency.Key.Given given -> {
        String scope = Idempotency.scope(request.caller().keyName(), "POST", request.path(), given.value());
        if (!idempotency.begin(scope)) {
          yield new Answer.Failure(Problems.idempotencyKeyInFlight(),
              Map.of(SendAnswers.RETRY_AFTER, SendAnswers.IN_FLIGHT_RETRY_AFTER));
        }
        try {
          yield work.run(Optional.of(new Scoped(scope, Idempotency.fingerprint(body))));
        } finally {
          idempotency.end(scope);
        }
      }
    };
  }

  private Optional<Submissions.Recorded> recorded(String scope) throws Refusal {
    try {
      return submissions.recorded(scope);
    } catch (Unavailable e) {
      log.warn("API: cannot read an idempotency record: {}", e.getMessage());
      throw new Refusal(
          Problems.unavailable(), Map.of(SendAnswers.RETRY_AFTER, SendAnswers.UNAVAILABLE_RETRY_AFTER));
    }
  }

  /** The answer kept for a repeated request, when there is one (see {@link #replay}). */
  private Optional<Answer> earlier(Optional<Scoped> scoped) throws Refusal {
    if (scoped.isEmpty()) {
      return Optional.empty();
    }
    return recorded(scoped.get().scope()).map(recorded -> replay(recorded, scoped.get()));
  }

  /** The first answer again (§2.6), or 422 when the key came with another body (§2.7). */
  private static Answer replay(Submissions.Recorded recorded, Scoped scoped) {
    if (!recorded.fingerprint().equals(scoped.fingerprint())) {
      return new Answer.Failure(Problems.idempotencyKeyReused());
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Location", SendAnswers.location(recorded.queueId()));
    headers.put("Idempotent-Replayed", "true");
    return new Answer.Json(recorded.status(), recorded.body(), headers);
  }
}
