package dev.hikyaku.limits;

import java.time.Clock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Tells when a global rate (failed logins per minute) rises far above its own baseline. The baseline
 * is an exponentially weighted moving average of past minutes (weight {@code alpha}), updated only
 * with minutes that were not surges, so a long attack does not become the new normal.
 */
public final class SurgeDetector {

  private static final long MINUTE = 60_000;

  private final Clock clock;
  private final double factor;
  private final long minimum;
  private final double alpha;
  private final ReentrantLock lock = new ReentrantLock();
  private long minuteStart;
  private long count;
  private double baseline;

  /**
   * @param factor how many times the baseline counts as a surge
   * @param minimum the count a minute must reach before it can be a surge at all
   */
  public SurgeDetector(double factor, long minimum, double alpha, Clock clock) {
    this.factor = factor;
    this.minimum = minimum;
    this.alpha = alpha;
    this.clock = clock;
    this.minuteStart = currentMinute();
  }

  /** Counts one event; returns whether the current minute is a surge. */
  public boolean record() {
    lock.lock();
    try {
      roll();
      count++;
      return isSurgeLocked();
    } finally {
      lock.unlock();
    }
  }

  public boolean isSurge() {
    lock.lock();
    try {
      roll();
      return isSurgeLocked();
    } finally {
      lock.unlock();
    }
  }

  public double baseline() {
    lock.lock();
    try {
      roll();
      return baseline;
    } finally {
      lock.unlock();
    }
  }

  private boolean isSurgeLocked() {
    return count >= minimum && count > factor * baseline;
  }

  private void roll() {
    long now = currentMinute();
    if (now == minuteStart) {
      return;
    }
    // Fold the finished minute (if it was normal) and any empty minutes since into the baseline.
    if (!isSurgeLocked()) {
      baseline = alpha * count + (1 - alpha) * baseline;
    }
    long emptyMinutes = Math.min(60, (now - minuteStart) / MINUTE - 1);
    for (long i = 0; i < emptyMinutes; i++) {
      baseline = (1 - alpha) * baseline;
    }
    minuteStart = now;
    count = 0;
  }

  private long currentMinute() {
    long millis = clock.millis();
    return millis - Math.floorMod(millis, MINUTE);
  }
}
