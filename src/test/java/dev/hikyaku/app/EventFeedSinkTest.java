package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.hikyaku.events.AttemptFacts;
import dev.hikyaku.events.Event;
import dev.hikyaku.net.TlsFacts;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.store.MessageEvent;
import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The event feed's sink on a real store: the events whose entries the store writes itself, in the
 * transaction of their change (store.FeedEntriesTest), are not written again by the sink; a
 * recipient refused for the suppression list, which changes nothing in the store, is written by the
 * sink under the sender's account, with or without a message; closing it with nothing queued ends
 * its writer.
 */
class EventFeedSinkTest {

  private static final Instant T0 = Instant.parse("2026-12-01T09:00:00Z");
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final DeliveryStatus.RemoteMta MX = new DeliveryStatus.RemoteMta("mx.example.net", Optional.of("192.0.2.1"), 25);

  @TempDir Path data;
  private final SplittableRandom random = new SplittableRandom(3);

  private String accept(Store store, String principal) throws Exception {
    QueueId id = QueueId.generate(Clock.fixed(T0, ZoneOffset.UTC), random);
    store.queue().accept(new NewMessage(id, T0, "alice@example.org", "", List.of(new NewRecipient("x@example.net", "")),
        new Origin(principal == null ? "relay" : "submission", "127.0.0.1", "client.example", null, null, principal),
        new byte[16]));
    return id.value();
  }

  private static DeliveryStatus status(DeliveryStatus.Action action, int statusClass, int subject, int detail, String reply) {
    return new DeliveryStatus(action, EnhancedStatus.of(statusClass, subject, detail),
        new DeliveryStatus.Diagnostic.RemoteReply(Integer.parseInt(reply.substring(0, 3)), reply.substring(4)), Optional.of(MX));
  }

  private static Event.DeliveryAttempted attempted(String id, String to, int attempt, DeliveryStatus status) {
    return new Event.DeliveryAttempted(T0.plusSeconds(attempt), id, to, attempt, status,
        new AttemptFacts(AttemptFacts.Route.MX, Optional.of(new TlsFacts("TLSv1.3", "TLS_AES_128_GCM_SHA256")),
            Duration.ZERO, Duration.ZERO),
        Duration.ofSeconds(attempt), Duration.ZERO);
  }

  @Test
  void theEventsTheStoreWritesItselfAreNotWrittenAgain() throws Exception {
    try (Store store = Store.openSqlite(data, Clock.fixed(T0, ZoneOffset.UTC))) {
      String id = accept(store, "alice@example.org");
      DeliveryStatus bounce = status(DeliveryStatus.Action.FAILED, 5, 1, 1, "550 5.1.1 no such user");
      EventFeedSink sink = new EventFeedSink(store.messageEvents());
      List<Event> published = List.of(
          new Event.MessageAccepted(T0, "s1", id, "smtp", "alice@example.org", List.of("x@example.net"), 16,
              "client.example[127.0.0.1]", Optional.of("alice@example.org")),
          new Event.ConnectionOpened(T0, "s3", "relay", "192.0.2.9"),
          attempted(id, "x@example.net", 1, bounce),
          new Event.DeliveryBounced(T0.plusSeconds(1), id, "x@example.net", bounce),
          new Event.RecipientSuppressed(T0.plusSeconds(1), "example.org", "x@example.net", "hard-bounce", id,
              "smtp; 550 5.1.1 no such user"));
      published.forEach(event -> assertThat(sink.entry(event)).as(event.toString()).isEmpty());
      published.forEach(sink::accept);
      sink.close();

      // Only what the store wrote when it queued the message.
      List<MessageEvent> feed = store.messageEvents().after("alice@example.org", 0, List.of(), 100);
      assertThat(feed).extracting(MessageEvent::type).containsExactly("message.accepted");
    }
  }

  @Test
  void aRecipientRefusedForTheSuppressionListIsToldUnderTheSendersAccountWithOrWithoutAMessage() throws Exception {
    try (Store store = Store.openSqlite(data, Clock.fixed(T0, ZoneOffset.UTC))) {
      String id = accept(store, "alice@example.org");
      String reply = "550 5.1.1 <gone@example.net>: Recipient address is on the suppression list since 2026-11-01T10:00:00Z (hard bounce)";
      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.put("order_id", "1042");
      metadata.put("customer", "77");
      EventFeedSink sink = new EventFeedSink(store.messageEvents());
      // Over the API, sent on to another recipient; over the API, refused whole; at RCPT over SMTP.
      sink.accept(new Event.SuppressedRecipientRefused(T0, "api", "alice@example.org", "alice@example.org", "gone@example.net", reply,
          Optional.of(id), List.of("invoice"), metadata));
      sink.accept(new Event.SuppressedRecipientRefused(T0.plusSeconds(1), "api", "Alice@example.org", "alice@example.org",
          "gone@example.net", reply, Optional.empty(), List.of("invoice", "spring"), metadata));
      sink.accept(new Event.SuppressedRecipientRefused(T0.plusSeconds(2), "s9", "alice@example.org", "shop@example.org",
          "gone@example.net", reply, Optional.empty(), List.of(), Map.of()));
      sink.close();

      // After the message.accepted the store wrote when it queued the message.
      List<MessageEvent> feed = store.messageEvents().after("alice@example.org", 0, List.of(), 100);
      assertThat(feed).extracting(MessageEvent::type).first().isEqualTo("message.accepted");
      feed = feed.subList(1, feed.size());
      assertThat(feed).extracting(MessageEvent::type, MessageEvent::recipient, MessageEvent::queueId).containsExactly(
          tuple("message.suppressed", Optional.of("gone@example.net"), QueueId.parse(id)),
          tuple("message.suppressed", Optional.of("gone@example.net"), Optional.empty()),
          tuple("message.suppressed", Optional.of("gone@example.net"), Optional.empty()));
      JsonNode withMessage = JSON.readTree(feed.get(0).data());
      // The message's tags come from the history when the feed is read, not from the entry.
      assertThat(withMessage.propertyNames()).containsExactly("sender", "reason");
      assertThat(withMessage.get("reason").asString()).isEqualTo(reply);
      JsonNode refusedWhole = JSON.readTree(feed.get(1).data());
      assertThat(refusedWhole.propertyNames()).containsExactly("sender", "reason", "tags", "metadata");
      assertThat(refusedWhole.get("tags").toString()).isEqualTo("[\"invoice\",\"spring\"]");
      assertThat(refusedWhole.get("metadata").toString()).isEqualTo("{\"order_id\":\"1042\",\"customer\":\"77\"}");
      JsonNode atRcpt = JSON.readTree(feed.get(2).data());
      assertThat(atRcpt.get("sender").asString()).isEqualTo("shop@example.org");
      assertThat(atRcpt.get("tags").isEmpty()).isTrue();
      assertThat(atRcpt.get("metadata").isEmpty()).isTrue();
    }
  }
}
