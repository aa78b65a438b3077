package dev.hikyaku.api;

import dev.hikyaku.store.ApiKey;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The queue, for the server's operators ({@link Route.Audience#OPERATOR}, scope {@code admin}), as
 * {@code hikyaku queue} gives it on the command line:
 *
 * <ul>
 *   <li>{@code GET /v1/queue}: messages waiting, oldest first, filtered by {@code state}, {@code
 *       sender} and {@code recipient} (whole addresses, any case), at most {@code limit};
 *   <li>{@code GET /v1/queue/{id}}: one message with where it came from and each recipient's state,
 *       attempts and last reply;
 *   <li>{@code POST /v1/queue/{id}/hold}, {@code .../release}, {@code .../bounce} (the open
 *       recipients fail with a DSN to the sender), {@code .../retry} (the deferred ones are due now),
 *       and {@code DELETE /v1/queue/{id}} (gone, no DSN): the message as it is after;
 *   <li>{@code POST /v1/queue/flush}: every deferred recipient, or those at {@code domain}, due now;
 *       202 with how many.
 * </ul>
 */
final class QueueRoutes {

  private static final Logger log = LoggerFactory.getLogger(QueueRoutes.class);

  private static final String STATE = "state";
  private static final String SENDER = "sender";
  private static final String RECIPIENT = "recipient";
  private static final String DOMAIN = "domain";
  private static final List<String> STATES = List.of("queued", "held", "returning");
  private static final String MESSAGE = "/v1/queue/{id}";

  private final QueueControl queue;

  QueueRoutes(QueueControl queue) {
    this.queue = queue;
  }

  List<Route> routes() {
    return List.of(
        operator("GET", "/v1/queue", this::list),
        operator("POST", "/v1/queue/flush", this::flush),
        operator("GET", MESSAGE, this::show),
        operator("DELETE", MESSAGE, request -> act(request, QueueControl.Action.DELETE)),
        operator("POST", MESSAGE + "/hold", request -> act(request, QueueControl.Action.HOLD)),
        operator("POST", MESSAGE + "/release", request -> act(request, QueueControl.Action.RELEASE)),
        operator("POST", MESSAGE + "/bounce", request -> act(request, QueueControl.Action.BOUNCE)),
        operator("POST", MESSAGE + "/retry", request -> act(request, QueueControl.Action.RETRY)));
  }

  static Route operator(String method, String template, Route.Handler handler) {
    return new Route(method, template, ApiKey.Scope.ADMIN, Route.Audience.OPERATOR, handler);
  }

  private Answer list(ApiRequest request) throws Refusal {
    QueryParameters query = QueryParameters.of(request, List.of(STATE, SENDER, RECIPIENT, QueryParameters.LIMIT));
    Optional<String> state = query.text(STATE).map(s -> s.toLowerCase(Locale.ROOT));
    if (state.isPresent() && !STATES.contains(state.get())) {
      throw query.notOneOf(STATE, state.get(), STATES);
    }
    int limit = query.limit();
    List<QueueControl.Entry> entries;
    try {
      entries = queue.list(new QueueControl.Filter(state, query.text(SENDER), query.text(RECIPIENT)), limit);
    } catch (Unavailable e) {
      log.warn("API: cannot list the queue: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
    ArrayNode data = Page.data();
    entries.forEach(entry -> data.add(json(entry)));
    return Page.whole(data);
  }

  private Answer show(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    Optional<QueueControl.Detail> found;
    try {
      found = queue.find(request.parameter("id"));
    } catch (Unavailable e) {
      log.warn("API: cannot read a queued message: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
    return found.<Answer>map(detail -> new Answer.Json(200, ApiRequest.JSON.writeValueAsString(json(detail))))
        .orElseGet(() -> new Answer.Failure(Problems.notFound(request.path())));
  }

  private Answer act(ApiRequest request, QueueControl.Action action) throws Refusal {
    QueryParameters.of(request, List.of());
    String id = request.parameter("id");
    try {
      QueueControl.Outcome outcome = queue.apply(id, action, by(request));
      return switch (outcome) {
        case QueueControl.Outcome.Done done -> action == QueueControl.Action.DELETE
            ? new Answer.NoContent()
            : queue.find(id).<Answer>map(detail -> new Answer.Json(200, ApiRequest.JSON.writeValueAsString(json(detail))))
                .orElseGet(Answer.NoContent::new);
        case QueueControl.Outcome.NotFound ignored -> new Answer.Failure(Problems.notFound(request.path()));
        case QueueControl.Outcome.Conflict conflict -> new Answer.Failure(Problems.conflict(conflict.detail()));
      };
    } catch (Unavailable e) {
      log.warn("API: cannot {} a queued message: {}", action.name().toLowerCase(Locale.ROOT), e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
  }

  private Answer flush(ApiRequest request) throws Refusal {
    QueryParameters query = QueryParameters.of(request, List.of(DOMAIN));
    Optional<String> domain = query.text(DOMAIN).map(d -> d.toLowerCase(Locale.ROOT));
    if (domain.isPresent() && !domain.get().matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")) {
      throw new Refusal(QueryParameters.invalid(DOMAIN, "not a domain name: '" + domain.get() + "'"));
    }
    long due;
    try {
      due = queue.flush(domain, by(request));
    } catch (Unavailable e) {
      log.warn("API: cannot flush the queue: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
    ObjectNode body = ApiRequest.JSON.createObjectNode();
    body.put("recipients", due);
    domain.ifPresent(d -> body.put(DOMAIN, d));
    return new Answer.Json(202, ApiRequest.JSON.writeValueAsString(body));
  }

  /** Who made a change, for the audit log: the key, or the console's admin, and the account. */
  static String by(ApiRequest request) {
    return request.caller().keyName() + " of " + request.caller().account();
  }

  private static ObjectNode json(QueueControl.Entry entry) {
    ObjectNode node = ApiRequest.JSON.createObjectNode();
    node.put("id", entry.id());
    node.put("received_at", entry.receivedAt().toString());
    node.put("sender", entry.reversePath());
    node.put("recipient_count", entry.recipients());
    node.put("size", entry.size());
    node.put("state", entry.state());
    MessageJson.put(node, "hold_reason", entry.holdReason());
    return node;
  }

  private static ObjectNode json(QueueControl.Detail detail) {
    ObjectNode node = json(detail.entry());
    node.put("listener", detail.listener());
    node.put("client", detail.client());
    node.put("helo", detail.helo());
    MessageJson.put(node, "tls", detail.tls());
    MessageJson.put(node, "principal", detail.principal());
    MessageJson.put(node, "api_key", detail.apiKey());
    ArrayNode recipients = node.putArray("recipients");
    for (QueueControl.Recipient r : detail.recipients()) {
      ObjectNode recipient = recipients.addObject();
      recipient.put("address", r.forwardPath());
      recipient.put("state", r.state());
      recipient.put("attempts", r.attempts());
      MessageJson.put(recipient, "last_reply", r.lastReply());
      MessageJson.put(recipient, "last_attempt_at", r.lastAttemptAt().map(Instant::toString));
      MessageJson.put(recipient, "next_attempt_at", r.nextAttemptAt().map(Instant::toString));
    }
    return node;
  }
}
