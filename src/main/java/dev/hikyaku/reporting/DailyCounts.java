package dev.hikyaku.reporting;

import dev.hikyaku.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts by key (a report's row with its day), added to the store's totals every {@link
 * #FLUSH_EVERY} and at close, in one short transaction: not one write per message or session.
 * Counts the store could not take are kept for the next flush; a crash loses at most a minute of
 * counts, which a statistical report can bear.
 *
 * @param <K> a row without its count (its count field zero)
 */
final class DailyCounts<K> implements AutoCloseable {

  static final Duration FLUSH_EVERY = Duration.ofMinutes(1);

  private static final Logger log = LoggerFactory.getLogger(DailyCounts.class);

  /** Adds counted rows to the store. */
  @FunctionalInterface
  interface Store<K> {
    void add(List<K> rows) throws StoreException;
  }

  private final String what;
  private final Store<K> store;
  private final BiFunction<K, Long, K> withCount;
  private final Map<K, LongAdder> counts = new ConcurrentHashMap<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private Thread flusher;

  /**
   * @param withCount the row with the given count (and the key back from a counted row: count 0)
   */
  DailyCounts(String what, Store<K> store, BiFunction<K, Long, K> withCount) {
    this.what = what;
    this.store = store;
    this.withCount = withCount;
  }

  void start() {
    flusher = Thread.ofVirtual().name(what + "-counts").start(() -> {
      try {
        while (!closed.await(FLUSH_EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
          flush();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  void increment(K key) {
    counts.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  /** Adds what was counted since the last flush to the store; keeps it when the store fails. */
  void flush() {
    List<K> taken = new ArrayList<>();
    List<Long> sums = new ArrayList<>();
    for (K key : List.copyOf(counts.keySet())) {
      LongAdder adder = counts.remove(key);
      long sum = adder == null ? 0 : adder.sumThenReset();
      if (sum > 0) {
        taken.add(withCount.apply(key, sum));
        sums.add(sum);
      }
    }
    try {
      store.add(taken);
    } catch (StoreException e) {
      log.warn("could not save {} {} count(s); kept for the next try: {}", taken.size(), what, e.getMessage());
      for (int i = 0; i < taken.size(); i++) {
        counts.computeIfAbsent(withCount.apply(taken.get(i), 0L), k -> new LongAdder()).add(sums.get(i));
      }
    }
  }

  @Override
  public void close() {
    closed.countDown();
    if (flusher != null) {
      try {
        flusher.join(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    flush();
  }
}
