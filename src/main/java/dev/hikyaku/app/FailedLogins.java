package dev.hikyaku.app;

import dev.hikyaku.events.Event;
import dev.hikyaku.events.EventSink;
import java.time.Duration;
import java.time.Instant;

/**
 * Failed logins on this node over the last day, a minute at a time, for the operators' overview:
 * SMTP AUTH attempts refused for the client's doing (bad credentials, a mechanism the account cannot
 * use, a malformed exchange, a blocked or rate-limited client), not those the server could not
 * answer or the client cancelled. Kept in memory: two arrays of 1,440 minutes, whatever the load.
 */
final class FailedLogins implements EventSink {

  static final Duration KEPT = Duration.ofDays(1);
  private static final int MINUTES = (int) KEPT.toMinutes();

  // Guarded by this: a slot holds the count of one minute, named in minuteOf.
  private final long[] minuteOf = new long[MINUTES];
  private final long[] counts = new long[MINUTES];

  @Override
  public void accept(Event event) {
    if (event instanceof Event.AuthAttempt attempt && isFailure(attempt.result().kind())) {
      long minute = attempt.at().getEpochSecond() / 60;
      int slot = (int) (minute % MINUTES);
      synchronized (this) {
        if (minuteOf[slot] != minute) {
          minuteOf[slot] = minute;
          counts[slot] = 0;
        }
        counts[slot]++;
      }
    }
  }

  /** The failed logins from {@code from} (to the minute) up to now; at most a day back. */
  synchronized long since(Instant from, Instant now) {
    long first = Math.max(from.getEpochSecond() / 60, now.getEpochSecond() / 60 - MINUTES + 1);
    long last = now.getEpochSecond() / 60;
    long total = 0;
    for (int slot = 0; slot < MINUTES; slot++) {
      if (minuteOf[slot] >= first && minuteOf[slot] <= last) {
        total += counts[slot];
      }
    }
    return total;
  }

  private static boolean isFailure(Event.AuthAttempt.Kind kind) {
    return switch (kind) {
      case SUCCESS, TEMPORARY, CANCELLED -> false;
      case INVALID_CREDENTIALS, TOO_WEAK, MALFORMED, BLOCKED, RATE_LIMITED -> true;
    };
  }
}
