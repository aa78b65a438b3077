package dev.hikyaku.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * At most {@code perMinute} deliveries started in any 60 seconds to one destination: a sliding
 * window over the start times of the last {@code perMinute} deliveries, on the scheduler's clock.
 * Kept in memory; after a restart a destination may get one window's worth again at once.
 */
final class RateGate {

  private static final Duration WINDOW = Duration.ofMinutes(1);

  private final int perMinute;
  private final ReentrantLock lock = new ReentrantLock();
  private final Deque<Instant> starts = new ArrayDeque<>(); // guarded by lock; oldest first

  RateGate(int perMinute) {
    if (perMinute < 1) {
      throw new IllegalArgumentException("perMinute must be at least 1, was " + perMinute);
    }
    this.perMinute = perMinute;
  }

  /**
   * Counts a delivery starting at {@code now} and returns empty when the window has room for it;
   * otherwise counts nothing and returns when the next one may start.
   */
  Optional<Instant> admit(Instant now) {
    lock.lock();
    try {
      while (!starts.isEmpty() && !starts.peekFirst().plus(WINDOW).isAfter(now)) {
        starts.pollFirst();
      }
      if (starts.size() >= perMinute) {
        return Optional.of(starts.peekFirst().plus(WINDOW));
      }
      starts.addLast(now);
      return Optional.empty();
    } finally {
      lock.unlock();
    }
  }
}
