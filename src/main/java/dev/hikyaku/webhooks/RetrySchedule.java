package dev.hikyaku.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When a webhook delivery that failed is tried again: the Standard Webhooks example schedule
 * (spec/standard-webhooks.md, "Retry schedule"): at once, then after 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 14 h, 20 h and 24 h, ten attempts over about three days (75 h 35 min), each wait stretched or
 * shortened by up to a tenth at random so that receivers that fail together are not retried
 * together (the spec asks for jitter). A {@code Retry-After} (RFC 9110 §10.2.3) on a 429 or 503
 * takes the place of the schedule's wait, within 1 s and 24 h, and still counts as an attempt.
 */
public final class RetrySchedule {

  /** The waits after the first, second, ... failed attempt. */
  static final List<Duration> WAITS = List.of(
      Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5),
      Duration.ofHours(10), Duration.ofHours(14), Duration.ofHours(20), Duration.ofHours(24));
  /** Attempts in all: the first and one per wait. */
  public static final int ATTEMPTS = WAITS.size() + 1;
  static final double JITTER = 0.1;
  private static final Duration LONGEST_RETRY_AFTER = Duration.ofHours(24);

  private RetrySchedule() {}

  /**
   * When to try again after {@code attemptsMade} attempts (the last one failed at {@code now}), or
   * empty when that was the last; {@code retryAfter} is the failed attempt's header, if any.
   */
  public static Optional<Instant> next(int attemptsMade, Instant now, Optional<String> retryAfter, RandomGenerator random) {
    if (attemptsMade < 1) {
      throw new IllegalArgumentException("attempts start at 1, was " + attemptsMade);
    }
    if (attemptsMade >= ATTEMPTS) {
      return Optional.empty();
    }
    Optional<Duration> asked = retryAfter.flatMap(value -> retryAfter(value, now));
    if (asked.isPresent()) {
      return Optional.of(now.plus(asked.get()));
    }
    Duration wait = WAITS.get(attemptsMade - 1);
    double factor = 1 + JITTER * (2 * random.nextDouble() - 1);
    return Optional.of(now.plusMillis(Math.round(wait.toMillis() * factor)));
  }

  /** {@code Retry-After} as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), clamped to 1 s .. 24 h; empty when neither. */
  static Optional<Duration> retryAfter(String value, Instant now) {
    String text = value.strip();
    Duration wait;
    if (text.matches("[0-9]{1,10}")) {
      wait = Duration.ofSeconds(Long.parseLong(text));
    } else {
      try {
        wait = Duration.between(now, ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
      } catch (DateTimeParseException e) {
        return Optional.empty();
      }
    }
    if (wait.compareTo(Duration.ofSeconds(1)) < 0) {
      return Optional.of(Duration.ofSeconds(1));
    }
    return Optional.of(wait.compareTo(LONGEST_RETRY_AFTER) > 0 ? LONGEST_RETRY_AFTER : wait);
  }
}
