package dev.hikyaku.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts events per key in fixed windows of {@code window} (aligned to the epoch), keeping at most
 * {@code maxKeys} keys: the least recently used are forgotten first, which only ever lowers a count.
 *
 * <p>Shared between nodes through {@link KeptCounters}: what was counted here since the last
 * exchange ({@link #takeUnsent}) is added to the shared totals, and the totals, which hold every
 * node's counts, come back ({@link #absorb}). Windows are aligned to the epoch, so every node's
 * window for a key is the same window.
 */
public final class WindowCounter implements KeptCounters.Shared {

  /** One key's count in the window that started at {@code windowStart}. */
  public record Entry(String key, Instant windowStart, long count) {}

  private record Window(long start, long count) {}

  /** Counted here and not yet sent; {@code isReset}: the key was reset here first. */
  private record Unsent(long start, long count, boolean isReset) {}

  private final Duration window;
  private final Clock clock;
  private final Cache<String, Window> windows;
  // Drained by every exchange, so it holds what a few seconds counted.
  private final Map<String, Unsent> unsent = new ConcurrentHashMap<>();

  public WindowCounter(Duration window, long maxKeys, Clock clock) {
    this.window = window;
    this.clock = clock;
    this.windows = Caffeine.newBuilder().maximumSize(maxKeys).expireAfterWrite(window.multipliedBy(2)).build();
  }

  /** Counts one event for {@code key}; returns the count in the current window, this one included. */
  public long increment(String key) {
    return add(key, 1);
  }

  public long add(String key, long amount) {
    long start = currentStart();
    Window updated =
        windows.asMap().compute(key, (k, w) -> w == null || w.start != start ? new Window(start, amount) : new Window(start, w.count + amount));
    unsent.merge(key, new Unsent(start, amount, false),
        (was, more) -> was.start != start ? more : new Unsent(start, was.count + amount, was.isReset));
    return updated.count;
  }

  public long count(String key) {
    Window w = windows.getIfPresent(key);
    return w == null || w.start != currentStart() ? 0 : w.count;
  }

  public void reset(String key) {
    windows.invalidate(key);
    unsent.put(key, new Unsent(currentStart(), 0, true));
  }

  /** The counts of the current window, for persisting. */
  public List<Entry> snapshot() {
    long start = currentStart();
    List<Entry> entries = new ArrayList<>();
    windows.asMap().forEach((key, w) -> {
      if (w.start == start && w.count > 0) {
        entries.add(new Entry(key, Instant.ofEpochMilli(w.start), w.count));
      }
    });
    return entries;
  }

  @Override
  public KeptCounters.Exchange takeUnsent() {
    long start = currentStart();
    List<Entry> added = new ArrayList<>();
    Set<String> reset = new HashSet<>();
    for (String key : List.copyOf(unsent.keySet())) {
      Unsent taken = unsent.remove(key);
      if (taken == null) {
        continue;
      }
      if (taken.isReset) {
        reset.add(key);
      }
      if (taken.start == start && taken.count != 0) {
        added.add(new Entry(key, Instant.ofEpochMilli(start), taken.count));
      }
    }
    return new KeptCounters.Exchange(added, reset);
  }

  @Override
  public void giveBack(KeptCounters.Exchange unsentAfterAll) {
    long start = currentStart();
    unsentAfterAll.reset().forEach(key -> unsent.merge(key, new Unsent(start, 0, true),
        (later, reset) -> new Unsent(later.start, later.count, true)));
    for (Entry e : unsentAfterAll.added()) {
      long was = e.windowStart().toEpochMilli();
      if (was == start) {
        unsent.merge(e.key(), new Unsent(start, e.count(), false),
            (later, back) -> later.start != start ? back : new Unsent(start, later.count + back.count, later.isReset));
      }
    }
  }

  /**
   * Takes the shared totals of the current window as this node's counts, with what was counted here
   * since they were read added; a key the totals lack (reset by another node, or never counted
   * elsewhere and not here since) keeps only that. Entries of another window are passed over.
   */
  @Override
  public void absorb(List<Entry> totals) {
    long start = currentStart();
    Map<String, Long> shared = new HashMap<>();
    for (Entry e : totals) {
      if (e.windowStart().toEpochMilli() == start) {
        shared.merge(e.key(), e.count(), Long::sum);
      }
    }
    Set<String> keys = new HashSet<>(shared.keySet());
    keys.addAll(windows.asMap().keySet());
    for (String key : keys) {
      windows.asMap().compute(key, (k, w) -> {
        Unsent pending = unsent.get(key);
        long since = pending == null || pending.start != start ? 0 : pending.count;
        long total = (pending != null && pending.isReset ? 0 : shared.getOrDefault(key, 0L)) + since;
        return total <= 0 ? null : new Window(start, total);
      });
    }
  }

  @Override
  public Instant windowStart() {
    return Instant.ofEpochMilli(currentStart());
  }

  private long currentStart() {
    return startOf(clock, window);
  }

  /** When the {@code window} that holds {@code clock}'s now began, in epoch milliseconds: windows are aligned to the epoch, alike on every node. */
  static long startOf(Clock clock, Duration window) {
    long now = clock.millis();
    return now - Math.floorMod(now, window.toMillis());
  }
}
