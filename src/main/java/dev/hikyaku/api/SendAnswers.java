package dev.hikyaku.api;

import dev.hikyaku.intake.SubmissionAgent.Disposition;
import dev.hikyaku.intake.SubmissionAgent.Outcome;
import dev.hikyaku.intake.SubmissionAgent.RecipientResult;
import dev.hikyaku.protocol.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The HTTP answer to a {@link MessageSend} submission's outcome: the 202 body a queued message
 * gets (and its idempotency record keeps), or the problem an SMTP refusal stands for.
 */
final class SendAnswers {

  /** {@link MessageSend}'s: these are its answers. */
  private static final Logger log = LoggerFactory.getLogger(MessageSend.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The rate windows are a minute long ({@code policy.RateRule}). */
  static final String RATE_RETRY_AFTER = "60";
  static final String UNAVAILABLE_RETRY_AFTER = "5";
  /** Space comes back as the queue delivers and the WAL is checkpointed: not at once. */
  static final String QUEUE_FULL_RETRY_AFTER = "60";
  static final String IN_FLIGHT_RETRY_AFTER = "1";
  static final String RETRY_AFTER = "Retry-After";

  private SendAnswers() {}

  /**
   * The HTTP answer to an outcome: SMTP's reply says why, the problem type says what kind of
   * refusal it is (API.md §2 status map).
   *
   * <table>
   *   <tr><th>outcome</th><th>answer</th></tr>
   *   <tr><td>queued</td><td>202, {@code Location}</td></tr>
   *   <tr><td>sender not owned, outside the key's senders; From: likewise (5.7.1)</td><td>403 sender-not-allowed</td></tr>
   *   <tr><td>account suspended</td><td>403 account-suspended</td></tr>
   *   <tr><td>rate or quota (4.7.1; 4.5.3 for every recipient)</td><td>429 rate-limited, {@code Retry-After}</td></tr>
   *   <tr><td>every recipient refused</td><td>422 recipients-refused, a pointer each</td></tr>
   *   <tr><td>content refused (no From:, line too long, ...)</td><td>422 message-refused</td></tr>
   *   <tr><td>queue disk below its headroom</td><td>503 queue-full, {@code Retry-After}</td></tr>
   *   <tr><td>not made durable, or the policy could not decide</td><td>503 unavailable, {@code Retry-After}</td></tr>
   * </table>
   */
  static Answer answer(Outcome outcome, Map<String, String> pointers) {
    return switch (outcome) {
      case Outcome.Queued queued ->
          new Answer.Json(202, queuedJson(queued), Map.of("Location", location(queued.id().value())));
      case Outcome.SenderRefused refused -> switch (refused.cause()) {
        case NOT_ALLOWED -> new Answer.Failure(Problems.senderNotAllowed(refused.reply().toString()));
        case SUSPENDED -> new Answer.Failure(Problems.accountSuspended(refused.reply().toString()));
        case RATE_LIMITED ->
            new Answer.Failure(Problems.rateLimited(refused.reply().toString()), Map.of(RETRY_AFTER, RATE_RETRY_AFTER));
        case UNAVAILABLE -> new Answer.Failure(Problems.unavailable(), Map.of(RETRY_AFTER, UNAVAILABLE_RETRY_AFTER));
      };
      case Outcome.RecipientsRefused refused -> recipientsRefused(refused.recipients(), pointers);
      case Outcome.ContentRefused refused -> isNotAllowed(refused.reply())
          ? new Answer.Failure(Problems.senderNotAllowed(refused.reply().toString()))
          : new Answer.Failure(Problems.messageRefused(refused.reply().toString()));
      case Outcome.NotQueued notQueued -> {
        if (!notQueued.isStorageFull()) {
          log.warn("API: a message was not queued: {}", notQueued.reason());
        }
        yield notQueued.isStorageFull()
            ? new Answer.Failure(Problems.queueFull(), Map.of(RETRY_AFTER, QUEUE_FULL_RETRY_AFTER))
            : new Answer.Failure(Problems.unavailable(), Map.of(RETRY_AFTER, UNAVAILABLE_RETRY_AFTER));
      }
    };
  }

  /** Intake's From: refusals are 5.7.1 (RFC 6409 §4.2, as at MAIL): the sender is not allowed. */
  private static boolean isNotAllowed(Reply reply) {
    return reply.status() != null && reply.status().subject() == 7 && reply.status().detail() == 1;
  }

  private static Answer recipientsRefused(List<RecipientResult> recipients, Map<String, String> pointers) {
    boolean isRateLimited = recipients.stream().allMatch(r -> r.disposition() == Disposition.RATE_LIMITED);
    boolean isTemporary = recipients.stream()
        .allMatch(r -> r.disposition() == Disposition.RATE_LIMITED || r.disposition() == Disposition.DEFERRED);
    if (isRateLimited) {
      return new Answer.Failure(
          Problems.rateLimited(recipients.getFirst().reply().map(Reply::toString).orElse("recipient rate reached")),
          Map.of(RETRY_AFTER, RATE_RETRY_AFTER));
    }
    if (isTemporary) {
      return new Answer.Failure(Problems.unavailable(), Map.of(RETRY_AFTER, UNAVAILABLE_RETRY_AFTER));
    }
    List<Problem.FieldError> errors = new ArrayList<>();
    for (RecipientResult recipient : recipients) {
      String address = recipient.recipient().address();
      String pointer = pointers.getOrDefault(address, "");
      String reason = recipient.reply().map(Reply::toString).orElse("refused");
      errors.add(new Problem.FieldError(pointer, pointer.isEmpty() ? address + ": " + reason : reason));
    }
    return new Answer.Failure(Problems.recipientsRefused(errors));
  }

  /** The 202 body; also what an idempotency record keeps, so a replay answers the same octets. */
  static String queuedJson(Outcome.Queued queued) {
    ObjectNode body = JSON.createObjectNode();
    body.put("id", queued.id().value());
    body.put("status", "queued");
    // Under headers, as GET /v1/messages/{id} shows it: a top-level message_id is, everywhere
    // else in the API (events, suppressions), the queue id.
    MessageJson.put(body.putObject("headers"), "message_id", queued.messageId());
    ArrayNode recipients = body.putArray("recipients");
    for (RecipientResult result : queued.recipients()) {
      ObjectNode recipient = recipients.addObject();
      recipient.put("email", result.recipient().address());
      recipient.put("status", switch (result.disposition()) {
        case QUEUED -> "queued";
        case SUPPRESSED -> "suppressed";
        // Refused for now or for good: either way this message does not go to it.
        case REJECTED, RATE_LIMITED, DEFERRED -> "rejected";
      });
      result.reply().ifPresent(reply -> recipient.put("reason", reply.toString()));
    }
    return JSON.writeValueAsString(body);
  }

  static String location(String id) {
    return MessageSend.MESSAGES + "/" + id;
  }
}
