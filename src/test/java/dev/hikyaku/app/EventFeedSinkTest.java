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
 * The event feed's sink on a real store: which events become entries, what each carries, that an
 * attempt and what it led to become one entry, and that closing writes what is still queued.
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
  void eventsOfAnAccountsMessagesBecomeEntriesWrittenByCloseAtTheLatest() throws Exception {
    try (Store store = Store.openSqlite(data, Clock.fixed(T0, ZoneOffset.UTC))) {
      String id = accept(store, "alice@example.org");
      String relayed = accept(store, null);
      DeliveryStatus deferral = status(DeliveryStatus.Action.DELAYED, 4, 2, 0, "450 4.2.0 later");
      DeliveryStatus bounce = status(DeliveryStatus.Action.FAILED, 5, 1, 1, "550 5.1.1 no such user");
      EventFeedSink sink = new EventFeedSink(store.messageEvents());
      List<Event> published = List.of(
          new Event.MessageAccepted(T0, "s1", id, "smtp", "alice@example.org", List.of("x@example.net", "y@example.net"), 16,
              "client.example[127.0.0.1]", Optional.of("alice@example.org")),
          new Event.MessageAccepted(T0, "s2", relayed, "smtp", "a@example.com", List.of("x@example.net"), 16),
          new Event.ConnectionOpened(T0, "s3", "relay", "192.0.2.9"),
          attempted(id, "x@example.net", 1, deferral),
          new Event.DeliveryDeferred(T0.plusSeconds(1), id, "x@example.net", T0.plusSeconds(301)),
          attempted(id, "y@example.net", 1, bounce),
          new Event.DeliveryBounced(T0.plusSeconds(1), id, "y@example.net", bounce),
          new Event.RecipientSuppressed(T0.plusSeconds(1), "example.org", "y@example.net", "hard-bounce", id, "smtp; 550 5.1.1 no such user"),
          attempted(relayed, "x@example.net", 1, status(DeliveryStatus.Action.RELAYED, 2, 0, 0, "250 2.0.0 Ok")),
          attempted(id, "x@example.net", 2, status(DeliveryStatus.Action.RELAYED, 2, 0, 0, "250 2.0.0 Ok")),
          new Event.DeliveryExpired(T0.plusSeconds(9), id, "z@example.net",
              new DeliveryStatus(DeliveryStatus.Action.FAILED, EnhancedStatus.of(5, 4, 7),
                  new DeliveryStatus.Diagnostic.LocalReason("delivery time expired"), Optional.empty())));
      published.forEach(sink::accept);
      sink.close();

      List<MessageEvent> feed = store.messageEvents().after("alice@example.org", 0, List.of(), 100);
      assertThat(feed).extracting(e -> e.type() + " " + e.recipient().orElse("-")).containsExactly(
          "message.accepted -", "message.deferred x@example.net", "message.bounced y@example.net",
          "suppression.created y@example.net", "message.delivered x@example.net", "message.expired z@example.net");
      assertThat(feed).allSatisfy(e -> assertThat(e.queueId().orElseThrow().value()).isEqualTo(id));

      JsonNode accepted = JSON.readTree(feed.get(0).data());
      assertThat(accepted.get("sender").asString()).isEqualTo("alice@example.org");
      assertThat(accepted.get("recipients").toString()).isEqualTo("[\"x@example.net\",\"y@example.net\"]");
      assertThat(accepted.get("size").asLong()).isEqualTo(16);
      JsonNode deferred = JSON.readTree(feed.get(1).data());
      assertThat(deferred.propertyNames())
          .containsExactly("attempt", "status", "diagnostic", "remote_mta", "tls", "next_retry_at");
      assertThat(deferred.get("attempt").asInt()).isEqualTo(1);
      assertThat(deferred.get("status").asString()).isEqualTo("4.2.0");
      assertThat(deferred.get("diagnostic").asString()).isEqualTo("smtp; 450 4.2.0 later");
      assertThat(deferred.get("remote_mta").asString()).isEqualTo("mx.example.net[192.0.2.1]:25");
      assertThat(deferred.get("tls").asString()).isEqualTo("TLSv1.3");
      assertThat(deferred.get("next_retry_at").asString()).isEqualTo(T0.plusSeconds(301).toString());
      JsonNode bounced = JSON.readTree(feed.get(2).data());
      assertThat(bounced.get("status").asString()).isEqualTo("5.1.1");
      assertThat(bounced.get("next_retry_at").isNull()).isTrue();
      JsonNode suppressed = JSON.readTree(feed.get(3).data());
      assertThat(suppressed.get("sender_domain").asString()).isEqualTo("example.org");
      assertThat(suppressed.get("reason").asString()).isEqualTo("hard-bounce");
      assertThat(JSON.readTree(feed.get(4).data()).get("attempt").asInt()).isEqualTo(2);
      JsonNode expired = JSON.readTree(feed.get(5).data());
      assertThat(expired.get("attempt").isNull()).as("no attempt event came before it").isTrue();
      assertThat(expired.get("status").asString()).isEqualTo("5.4.7");
      assertThat(expired.get("diagnostic").asString()).isEqualTo("X-Hikyaku; delivery time expired");
      assertThat(expired.get("remote_mta").isNull()).isTrue();

      // Closed, its writer gone: later events are not written (the server closes the store after the sink).
      sink.accept(new Event.MessageAccepted(T0, "s4", id, "smtp", "alice@example.org", List.of("x@example.net"), 16,
          "client.example[127.0.0.1]", Optional.of("alice@example.org")));
      assertThat(store.messageEvents().after("alice@example.org", 0, List.of(), 100)).hasSize(6);
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

      List<MessageEvent> feed = store.messageEvents().after("alice@example.org", 0, List.of(), 100);
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
