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
 * Counts distinct members per key within a window (how many different accounts one address failed
 * on). Each key keeps at most {@code cap} members: past the cap the exact number no longer matters.
 *
 * <p>Shared between nodes through {@link KeptCounters}: each member new here is sent once as the
 * entry "key TAB member", and the members every node sent come back, so a sprayer spreading its
 * accounts over several nodes is counted as one. (Reset is not shared: nothing resets these.)
 */
public final class DistinctCounter implements KeptCounters.Shared {

  private static final char SEPARATOR = '\t';

  private record Window(long start, Set<String> members) {}

  private final Duration window;
  private final Clock clock;
  private final int cap;
  private final Cache<String, Window> windows;
  // Members added here and not yet sent, by key; drained by every exchange.
  private final Map<String, Set<String>> unsent = new ConcurrentHashMap<>();

  public DistinctCounter(Duration window, long maxKeys, int cap, Clock clock) {
    this.window = window;
    this.clock = clock;
    this.cap = cap;
    this.windows = Caffeine.newBuilder().maximumSize(maxKeys).expireAfterWrite(window.multipliedBy(2)).build();
  }

  /** Adds {@code member} under {@code key}; returns the number of distinct members in the window. */
  public int add(String key, String member) {
    long start = currentStart();
    // The size is read inside compute: the set may change under another thread once it returns.
    int[] size = new int[1];
    windows.asMap().compute(key, (k, w) -> {
      Window current = w == null || w.start != start ? new Window(start, new HashSet<>()) : w;
      if (current.members.size() < cap && current.members.add(member)) {
        unsent.computeIfAbsent(key, x -> ConcurrentHashMap.newKeySet()).add(member);
      }
      size[0] = current.members.size();
      return current;
    });
    return size[0];
  }

  public void reset(String key) {
    windows.invalidate(key);
  }

  @Override
  public KeptCounters.Exchange takeUnsent() {
    Instant start = windowStart();
    List<WindowCounter.Entry> added = new ArrayList<>();
    for (String key : List.copyOf(unsent.keySet())) {
      Set<String> members = unsent.remove(key);
      if (members != null) {
        members.forEach(member -> added.add(new WindowCounter.Entry(key + SEPARATOR + member, start, 1)));
      }
    }
    return new KeptCounters.Exchange(added, Set.of());
  }

  @Override
  public void giveBack(KeptCounters.Exchange unsentAfterAll) {
    for (WindowCounter.Entry e : unsentAfterAll.added()) {
      int tab = e.key().lastIndexOf(SEPARATOR);
      unsent.computeIfAbsent(e.key().substring(0, tab), x -> ConcurrentHashMap.newKeySet()).add(e.key().substring(tab + 1));
    }
  }

  /** Adds the members every node sent in the current window (up to the cap); none is taken away. */
  @Override
  public void absorb(List<WindowCounter.Entry> totals) {
    long start = currentStart();
    Map<String, List<String>> byKey = new HashMap<>();
    for (WindowCounter.Entry e : totals) {
      int tab = e.key().lastIndexOf(SEPARATOR);
      if (tab > 0 && e.windowStart().toEpochMilli() == start) {
        byKey.computeIfAbsent(e.key().substring(0, tab), k -> new ArrayList<>()).add(e.key().substring(tab + 1));
      }
    }
    byKey.forEach((key, members) -> windows.asMap().compute(key, (k, w) -> {
      Window current = w == null || w.start != start ? new Window(start, new HashSet<>()) : w;
      for (String member : members) {
        if (current.members.size() >= cap) {
          break;
        }
        current.members.add(member);
      }
      return current;
    }));
  }

  @Override
  public Instant windowStart() {
    return Instant.ofEpochMilli(currentStart());
  }

  private long currentStart() {
    return WindowCounter.startOf(clock, window);
  }
}
