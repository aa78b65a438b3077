package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.store.AcceptedHeaders;
import dev.hikyaku.store.Annotations;
import dev.hikyaku.store.HistoryMessage;
import dev.hikyaku.store.HistoryQuery;
import dev.hikyaku.store.IdempotencyRecord;
import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewMessageEvent;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The background pruning of the message history and idempotency records, one pass at a time (no waiting on the clock). */
class HistoryPruningTest {

  private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

  @TempDir Path data;

  @Test
  void aPassRemovesWhatIsOlderThanTheRetentionInBatches() throws Exception {
    SplittableRandom random = new SplittableRandom(5);
    int old = HistoryPruning.BATCH_MESSAGES + 10; // more than one batch
    try (Store store = Store.openSqlite(data, Clock.fixed(NOW, ZoneOffset.UTC))) {
      for (int i = 0; i < old + 1; i++) {
        // Received 31 days ago, and one 29 days ago; all have left the queue.
        Instant at = i < old ? NOW.minus(Duration.ofDays(31)).plusSeconds(i) : NOW.minus(Duration.ofDays(29));
        QueueId id = QueueId.generate(Clock.fixed(at, ZoneOffset.UTC), random);
        store.queue().accept(new NewMessage(id, at, "a@example.org", "", List.of(new NewRecipient("b@example.net", "")),
            new Origin("relay", "192.0.2.7", "mx.example.net", null, null, null), new byte[16]));
        store.queueAdmin().delete(id);
      }
      HistoryPruning pruning = new HistoryPruning(
          store.history(), store.messageEvents(), store.idempotency(), Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofDays(30));
      assertThat(pruning.prune()).isEqualTo(old);
      List<HistoryMessage> left = store.history().search(HistoryQuery.all());
      assertThat(left).singleElement().satisfies(m -> assertThat(m.receivedAt()).isEqualTo(NOW.minus(Duration.ofDays(29))));
      assertThat(pruning.prune()).isZero();
      pruning.close(); // never started: nothing to stop
    }
  }

  @Test
  void aPassAlsoRemovesFeedEntriesOlderThanTheRetention() throws Exception {
    try (Store store = Store.openSqlite(data, Clock.fixed(NOW, ZoneOffset.UTC))) {
      Instant at = NOW.minus(Duration.ofDays(1));
      QueueId id = QueueId.generate(Clock.fixed(at, ZoneOffset.UTC), new SplittableRandom(6));
      store.queue().accept(new NewMessage(id, at, "a@example.org", "", List.of(new NewRecipient("b@example.net", "")),
          new Origin("submission", "127.0.0.1", "client.example", null, null, "a@example.org"), new byte[16]));
      store.messageEvents().append(List.of(
          new NewMessageEvent(NOW.minus(Duration.ofDays(31)), "message.accepted", id, Optional.empty(), "{}"),
          new NewMessageEvent(at, "message.delivered", id, Optional.of("b@example.net"), "{}")));

      new HistoryPruning(store.history(), store.messageEvents(), store.idempotency(), Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofDays(30))
          .prune();

      // The message.accepted its queuing wrote, at the message's time, and the delivery; not the 31-day-old one.
      assertThat(store.messageEvents().after("a@example.org", 0, List.of(), 10))
          .extracting(e -> e.type() + " " + e.at()).containsExactly("message.accepted " + at, "message.delivered " + at);
      assertThat(store.history().show(id)).as("the message itself is younger than the retention").isPresent();
    }
  }

  @Test
  void aPassRemovesIdempotencyRecordsOnceTheyNoLongerAnswer() throws Exception {
    SplittableRandom random = new SplittableRandom(6);
    try (Store store = Store.openSqlite(data, Clock.fixed(NOW, ZoneOffset.UTC))) {
      for (Duration age : List.of(IdempotencyRecord.KEPT_FOR.plusMinutes(1), IdempotencyRecord.KEPT_FOR.minusMinutes(1))) {
        Instant at = NOW.minus(age);
        QueueId id = QueueId.generate(Clock.fixed(at, ZoneOffset.UTC), random);
        store.queue().accept(new NewMessage(id, at, "a@example.org", "", List.of(new NewRecipient("b@example.net", "")),
            new Origin("api", "192.0.2.7", "app", null, null, "a@example.org"), new byte[16], AcceptedHeaders.NONE,
            Annotations.NONE, Optional.of(new IdempotencyRecord("app POST /v1/messages " + age, "f", id, 202, "{}", at))));
      }
      HistoryPruning pruning = new HistoryPruning(
          store.history(), store.messageEvents(), store.idempotency(), Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofDays(30));
      pruning.prune();
      assertThat(store.idempotency().find("app POST /v1/messages " + IdempotencyRecord.KEPT_FOR.plusMinutes(1))).isEmpty();
      assertThat(store.idempotency().find("app POST /v1/messages " + IdempotencyRecord.KEPT_FOR.minusMinutes(1))).isPresent();
      assertThat(pruning.pruneIdempotency()).isZero();
    }
  }
}
