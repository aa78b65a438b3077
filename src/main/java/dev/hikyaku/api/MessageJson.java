package dev.hikyaku.api;

import dev.hikyaku.api.MessageReader.AttemptView;
import dev.hikyaku.api.MessageReader.MessageView;
import dev.hikyaku.api.MessageReader.RecipientView;
import java.time.Instant;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON of {@code GET /v1/messages/{id}}, and of each message {@code GET /v1/messages} lists (the
 * same object without the recipients' {@code attempts}): snake_case names, times as RFC 3339 UTC
 * text, an absent value as {@code null} (every field is always there, so clients need not test for
 * it).
 */
final class MessageJson {

  /** {@code application/json}: RFC 8259 §11 defines no charset parameter; it is UTF-8. */
  static final String CONTENT_TYPE = "application/json";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private MessageJson() {}

  static String of(MessageView message) {
    return JSON.writeValueAsString(node(message, true));
  }

  /** A message as a list shows it: each recipient with its latest outcome, without its attempts. */
  static ObjectNode summary(MessageView message) {
    return node(message, false);
  }

  private static ObjectNode node(MessageView message, boolean isWithAttempts) {
    ObjectNode body = JSON.createObjectNode();
    body.put("id", message.id());
    body.put("received_at", message.receivedAt().toString());
    body.put("sender", message.sender());
    body.put("listener", message.listener());
    ObjectNode headers = body.putObject("headers");
    put(headers, "message_id", message.messageId());
    // RFC 2047 encoded words decoded: a JSON client reads the text, not its mail transport form.
    put(headers, "subject", message.subject().map(MessageJson::decoded));
    put(headers, "from", message.from().map(MessageJson::decoded));
    ArrayNode tags = body.putArray("tags");
    message.tags().forEach(tags::add);
    ObjectNode metadata = body.putObject("metadata");
    message.metadata().forEach(metadata::put);
    if (message.contentCheck().isPresent()) {
      ObjectNode check = body.putObject("content_check");
      check.put("action", message.contentCheck().get().action());
      check.put("score", message.contentCheck().get().score());
      check.put("required_score", message.contentCheck().get().requiredScore());
    } else {
      body.putNull("content_check");
    }
    ArrayNode recipients = body.putArray("recipients");
    for (RecipientView recipient : message.recipients()) {
      ObjectNode node = recipients.addObject();
      node.put("recipient", recipient.recipient());
      put(node, "latest_outcome", recipient.latestOutcome());
      put(node, "latest_attempt_at", recipient.latestAttemptAt().map(Instant::toString));
      if (!isWithAttempts) {
        continue;
      }
      ArrayNode attempts = node.putArray("attempts");
      for (AttemptView attempt : recipient.attempts()) {
        ObjectNode a = attempts.addObject();
        a.put("attempt", attempt.attempt());
        a.put("at", attempt.at().toString());
        a.put("outcome", attempt.outcome());
        a.put("status", attempt.status());
        a.put("diagnostic", attempt.diagnostic());
        put(a, "remote_mta", attempt.remoteMta());
        put(a, "tls", attempt.tls());
        a.put("delay_ms", attempt.delayMs());
        put(a, "next_attempt_at", attempt.nextAttemptAt().map(Instant::toString));
        a.put("source", attempt.source());
      }
    }
    return body;
  }

  /** {@code value} with its RFC 2047 encoded words decoded and folding undone (RFC 5322 §2.2.3). */
  static String decoded(String value) {
    String unfolded = value.replaceAll("\r?\n(?=[ \t])", "");
    return org.apache.james.mime4j.codec.DecoderUtil.decodeEncodedWords(
        unfolded, org.apache.james.mime4j.codec.DecodeMonitor.SILENT);
  }

  static void put(ObjectNode node, String name, Optional<String> value) {
    if (value.isPresent()) {
      node.put(name, value.get());
    } else {
      node.putNull(name);
    }
  }
}
