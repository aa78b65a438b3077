package dev.hikyaku.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When to try a deferred recipient again, and when to give up.
 *
 * <p>Exponential backoff: the n-th retry waits {@code first × 2^(n-1)}, never more than {@code cap},
 * each wait scaled by a random factor in {@code [1 - jitter, 1 + jitter]} (then held to the cap) so
 * that messages deferred together by one failing destination do not all come back in the same
 * second. RFC 5321 §4.5.4.1: retries at least 30 minutes apart are recommended for a destination
 * that keeps failing, and giving up after 4–5 days; the Postfix-like defaults (5 min doubling to a
 * 4000 s cap, {@code config.Defaults}) reach that spacing after the third attempt.
 *
 * @param first the wait after the first failed attempt
 * @param cap the longest wait between attempts
 * @param maxLifetime how long after acceptance the message may stay in the queue; a recipient still
 *     deferred then fails ("delivery time expired") and bounces
 * @param jitter the relative spread of each wait, in {@code [0, 1)}; 0.1 is ±10 %
 * @param delayWarning when present, a delay DSN (RFC 3464 Action: delayed) is due once a recipient
 *     is still undelivered this long after acceptance
 */
public record RetryPolicy(
    Duration first,
    Duration cap,
    Duration maxLifetime,
    double jitter,
    Optional<Duration> delayWarning) {

  public RetryPolicy {
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(cap, "cap");
    Objects.requireNonNull(maxLifetime, "maxLifetime");
    Objects.requireNonNull(delayWarning, "delayWarning");
    if (first.isNegative() || first.isZero()) {
      throw new IllegalArgumentException("first retry delay must be positive, was " + first);
    }
    if (cap.compareTo(first) < 0) {
      throw new IllegalArgumentException("cap " + cap + " is shorter than the first delay " + first);
    }
    if (maxLifetime.isNegative() || maxLifetime.isZero()) {
      throw new IllegalArgumentException("maxLifetime must be positive, was " + maxLifetime);
    }
    if (!(jitter >= 0 && jitter < 1)) {
      throw new IllegalArgumentException("jitter must be in [0, 1), was " + jitter);
    }
    delayWarning.ifPresent(warning -> {
      if (warning.isNegative() || warning.isZero() || warning.compareTo(maxLifetime) >= 0) {
        throw new IllegalArgumentException(
            "delayWarning must be positive and shorter than maxLifetime " + maxLifetime + ", was "
                + warning);
      }
    });
  }

  /** When the message must have left the queue: {@code receivedAt + maxLifetime}. */
  public Instant expiresAt(Instant receivedAt) {
    return receivedAt.plus(maxLifetime);
  }

  /**
   * When to try again after a transient failure.
   *
   * @param attemptsSoFar attempts made including the one that just failed, at least 1
   * @return empty when the lifetime is over at {@code now}: the recipient must fail and bounce.
   *     Otherwise the next attempt, never later than the end of the lifetime, so the last try
   *     happens at the deadline rather than a whole backoff after it
   */
  public Optional<Instant> nextAttempt(
      int attemptsSoFar, Instant receivedAt, Instant now, RandomGenerator random) {
    if (attemptsSoFar < 1) {
      throw new IllegalArgumentException("attemptsSoFar must be at least 1, was " + attemptsSoFar);
    }
    Instant deadline = expiresAt(receivedAt);
    if (!now.isBefore(deadline)) {
      return Optional.empty();
    }
    Instant next = now.plus(delay(attemptsSoFar, random));
    return Optional.of(next.isAfter(deadline) ? deadline : next);
  }

  /** The wait after {@code attemptsSoFar} failed attempts, jitter included. */
  Duration delay(int attemptsSoFar, RandomGenerator random) {
    // first × 2^(n-1), computed in millis and stopped at the cap before it can overflow.
    long capMillis = cap.toMillis();
    long base = first.toMillis();
    for (int i = 1; i < attemptsSoFar && base < capMillis; i++) {
      base *= 2;
    }
    base = Math.min(base, capMillis);
    double factor = 1 + jitter * (2 * random.nextDouble() - 1); // uniform in [1 - j, 1 + j)
    long jittered = Math.round(base * factor);
    return Duration.ofMillis(Math.min(jittered, capMillis));
  }

  /**
   * Whether a delay warning is due at an attempt made {@code now} that left the recipient deferred:
   * true at the first attempt at or past {@code receivedAt + delayWarning}, i.e. when the previous
   * attempt (if any) came before that threshold. So each recipient is warned about once, without
   * the queue having to remember that it was.
   */
  public boolean isDelayWarningDue(
      Instant receivedAt, Optional<Instant> previousAttemptAt, Instant now) {
    if (delayWarning.isEmpty()) {
      return false;
    }
    Instant threshold = receivedAt.plus(delayWarning.get());
    return !now.isBefore(threshold)
        && previousAttemptAt.map(previous -> previous.isBefore(threshold)).orElse(true);
  }
}
