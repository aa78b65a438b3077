package dev.hikyaku.app;

import dev.hikyaku.store.IdempotencyRecord;
import dev.hikyaku.store.IdempotencyRecords;
import dev.hikyaku.store.MessageEvents;
import dev.hikyaku.store.MessageHistory;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.store.WebhookDeliveries;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the message history and the accounts' event feeds ({@code GET /v1/events}) older than
 * {@code history.retention}, and the API's idempotency records older than {@link
 * IdempotencyRecord#KEPT_FOR} (they answer no request after that), in the background: a pass
 * every {@link #INTERVAL}, each pass in batches of {@link #BATCH_MESSAGES} messages, each batch its
 * own transaction of the store's writer. A batch of 100 messages (about 700 rows with their
 * recipients and attempts, and the index entries of each) took a median 8 ms, at most 42 ms, with
 * 1 million attempts stored (bench/README.md), so new mail waiting for a commit never waits long behind one; a large
 * backlog (the first pass after the retention was shortened) goes out batch by batch between other
 * commits.
 */
final class HistoryPruning implements AutoCloseable {

  static final Duration INTERVAL = Duration.ofMinutes(10);
  static final int BATCH_MESSAGES = 100;

  private static final Logger log = LoggerFactory.getLogger(HistoryPruning.class);

  private final MessageHistory history;
  private final MessageEvents events;
  private final IdempotencyRecords idempotency;
  private final Optional<WebhookDeliveries> webhooks;
  private final Clock clock;
  private final Duration retention;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private Thread pruner;

  HistoryPruning(
      MessageHistory history, MessageEvents events, IdempotencyRecords idempotency, Clock clock, Duration retention) {
    this(history, events, idempotency, Optional.empty(), clock, retention);
  }

  /** With the webhooks' delivery log, pruned with the same retention as the feed it delivers. */
  HistoryPruning(MessageHistory history, MessageEvents events, IdempotencyRecords idempotency,
      Optional<WebhookDeliveries> webhooks, Clock clock, Duration retention) {
    this.history = history;
    this.events = events;
    this.idempotency = idempotency;
    this.webhooks = webhooks;
    this.clock = clock;
    this.retention = retention;
  }

  /** Starts the passes: the first at once, then one every {@link #INTERVAL}. */
  HistoryPruning start() {
    pruner = Thread.ofVirtual().name("history-pruning").start(() -> {
      try {
        do {
          prune();
        } while (!stopped.await(INTERVAL.toMillis(), TimeUnit.MILLISECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    return this;
  }

  /**
   * One pass: removes the history of every message received more than the retention before now,
   * then the feed entries of that age, then the idempotency records past 24 hours, batch by batch,
   * until a batch comes back short or the pruning is closed. Returns how many messages went. A store failure ends that part of the pass
   * (the next one tries again) and is logged.
   */
  int prune() {
    Instant cutoff = clock.instant().minus(retention);
    int removed = inBatches("message history", "message(s) received", batch -> history.prune(cutoff, batch), cutoff);
    inBatches("event feed", "event(s)", batch -> events.prune(cutoff, batch), cutoff);
    webhooks.ifPresent(w -> inBatches("webhook delivery log", "deliveries", batch -> w.prune(cutoff, batch), cutoff));
    pruneIdempotency();
    return removed;
  }

  /** Removes the idempotency records past {@link IdempotencyRecord#KEPT_FOR}; returns how many. */
  int pruneIdempotency() {
    Instant cutoff = clock.instant().minus(IdempotencyRecord.KEPT_FOR);
    return inBatches("idempotency records", "record(s) created", batch -> idempotency.prune(cutoff, batch), cutoff);
  }

  /** A batch of at most the given size pruned, returning how many went. */
  @FunctionalInterface
  private interface Batch {
    int prune(int size) throws StoreException;
  }

  private int inBatches(String what, String unit, Batch prune, Instant cutoff) {
    int removed = 0;
    try {
      int batch;
      do {
        batch = prune.prune(BATCH_MESSAGES);
        removed += batch;
      } while (batch == BATCH_MESSAGES && stopped.getCount() > 0);
    } catch (StoreException e) {
      log.warn("pruning the {} stopped after {} {}: {}", what, removed, unit, e.getMessage());
    }
    if (removed > 0) {
      log.info("{}: removed {} {} before {}", what, removed, unit, cutoff);
    }
    return removed;
  }

  /** Stops the passes; a batch under way finishes first. */
  @Override
  public void close() {
    stopped.countDown();
    if (pruner == null) {
      return;
    }
    try {
      pruner.join(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
