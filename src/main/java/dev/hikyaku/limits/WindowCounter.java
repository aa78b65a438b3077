package dev.hikyaku.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts events per key in fixed windows of {@code window} (aligned to the epoch), keeping at most
 * {@code maxKeys} keys: the least recently used are forgotten first, which only ever lowers a count.
 */
public final class WindowCounter {

  /** One key's count in the window that started at {@code windowStart}. */
  public record Entry(String key, Instant windowStart, long count) {}

  private record Window(long start, long count) {}

  private final Duration window;
  private final Clock clock;
  private final Cache<String, Window> windows;

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
    return updated.count;
  }

  public long count(String key) {
    Window w = windows.getIfPresent(key);
    return w == null || w.start != currentStart() ? 0 : w.count;
  }

  public void reset(String key) {
    windows.invalidate(key);
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

  /** Restores saved counts; entries from an earlier window are ignored. */
  public void restore(List<Entry> entries) {
    long start = currentStart();
    for (Entry e : entries) {
      if (e.windowStart().toEpochMilli() == start) {
        windows.asMap().merge(e.key(), new Window(start, e.count()), (a, b) -> new Window(start, Math.max(a.count, b.count)));
      }
    }
  }

  private long currentStart() {
    long now = clock.millis();
    return now - Math.floorMod(now, window.toMillis());
  }
}
