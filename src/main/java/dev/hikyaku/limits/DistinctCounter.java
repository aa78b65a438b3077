package dev.hikyaku.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Counts distinct members per key within a window (how many different accounts one address failed
 * on). Each key keeps at most {@code cap} members: past the cap the exact number no longer matters.
 */
public final class DistinctCounter {

  private record Window(long start, Set<String> members) {}

  private final Duration window;
  private final Clock clock;
  private final int cap;
  private final Cache<String, Window> windows;

  public DistinctCounter(Duration window, long maxKeys, int cap, Clock clock) {
    this.window = window;
    this.clock = clock;
    this.cap = cap;
    this.windows = Caffeine.newBuilder().maximumSize(maxKeys).expireAfterWrite(window.multipliedBy(2)).build();
  }

  /** Adds {@code member} under {@code key}; returns the number of distinct members in the window. */
  public int add(String key, String member) {
    long now = clock.millis();
    long start = now - Math.floorMod(now, window.toMillis());
    // The size is read inside compute: the set may change under another thread once it returns.
    int[] size = new int[1];
    windows.asMap().compute(key, (k, w) -> {
      Window current = w == null || w.start != start ? new Window(start, new HashSet<>()) : w;
      if (current.members.size() < cap) {
        current.members.add(member);
      }
      size[0] = current.members.size();
      return current;
    });
    return size[0];
  }

  public void reset(String key) {
    windows.invalidate(key);
  }
}
