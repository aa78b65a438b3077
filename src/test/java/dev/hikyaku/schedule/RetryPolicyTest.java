package dev.hikyaku.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.testing.RetryPolicies;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  private static final Instant RECEIVED = Instant.parse("2026-05-01T09:00:00Z");

  /** A generator that always returns one value from nextDouble, to pin the jitter factor. */
  private static RandomGenerator fixed(double value) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new UnsupportedOperationException();
      }

      @Override
      public double nextDouble() {
        return value;
      }
    };
  }

  private final RetryPolicy noJitter =
      new RetryPolicy(Duration.ofMinutes(5), Duration.ofSeconds(4000), Duration.ofDays(5), 0,
          Optional.empty());

  @Test
  void postfixLikeDefaults() {
    RetryPolicy policy = RetryPolicies.postfixLike();
    assertThat(policy.first()).isEqualTo(Duration.ofSeconds(300));
    assertThat(policy.cap()).isEqualTo(Duration.ofSeconds(4000));
    assertThat(policy.maxLifetime()).isEqualTo(Duration.ofDays(5));
    assertThat(policy.jitter()).isEqualTo(0.1);
    assertThat(policy.delayWarning()).isEmpty();
    // The server's policy comes from the config, whose defaults are the same.
    var delivery = dev.hikyaku.config.ConfigLoader.defaults().delivery();
    assertThat(new RetryPolicy(delivery.retryFirst(), delivery.retryCap(), delivery.maxLifetime(), 0.1,
        delivery.delayWarning())).isEqualTo(policy);
  }

  @Test
  void waitsDoubleFromFiveMinutesUpToTheCap() {
    Instant now = RECEIVED.plusSeconds(60);
    RandomGenerator random = fixed(0.5); // factor exactly 1
    long[] expectedSeconds = {300, 600, 1200, 2400, 4000, 4000, 4000};
    for (int attempts = 1; attempts <= expectedSeconds.length; attempts++) {
      assertThat(noJitter.nextAttempt(attempts, RECEIVED, now, random))
          .as("after attempt %d", attempts)
          .contains(now.plusSeconds(expectedSeconds[attempts - 1]));
    }
    // Far beyond: no overflow, still the cap.
    assertThat(noJitter.nextAttempt(10_000, RECEIVED, now, random))
        .contains(now.plusSeconds(4000));
  }

  @Test
  void jitterStaysWithinItsBoundsAndUnderTheCap() {
    RetryPolicy policy = RetryPolicies.postfixLike();
    assertThat(policy.delay(1, fixed(0.0))).isEqualTo(Duration.ofSeconds(270)); // -10 %
    assertThat(policy.delay(1, fixed(0.999_999))).isBetween(
        Duration.ofMillis(329_999), Duration.ofSeconds(330)); // +10 %
    assertThat(policy.delay(6, fixed(0.999_999))).isEqualTo(Duration.ofSeconds(4000)); // capped
    assertThat(policy.delay(6, fixed(0.0))).isEqualTo(Duration.ofSeconds(3600));

    SplittableRandom random = new SplittableRandom(42);
    long distinct = java.util.stream.IntStream.range(0, 1000)
        .mapToObj(i -> policy.delay(2, random))
        .peek(delay -> assertThat(delay).isBetween(Duration.ofSeconds(540), Duration.ofSeconds(660)))
        .distinct()
        .count();
    assertThat(distinct).as("jitter spreads retries").isGreaterThan(100);
  }

  @Test
  void lifetimeOverMeansNoNextAttempt() {
    Instant deadline = RECEIVED.plus(Duration.ofDays(5));
    RandomGenerator random = fixed(0.5);
    assertThat(noJitter.nextAttempt(40, RECEIVED, deadline, random)).isEmpty();
    assertThat(noJitter.nextAttempt(40, RECEIVED, deadline.plusSeconds(1), random)).isEmpty();
    // Shortly before the deadline the last try is at the deadline, not a whole backoff later.
    assertThat(noJitter.nextAttempt(40, RECEIVED, deadline.minusSeconds(100), random))
        .contains(deadline);
    assertThat(noJitter.expiresAt(RECEIVED)).isEqualTo(deadline);
  }

  @Test
  void delayWarningIsDueOnceAtTheFirstAttemptPastItsThreshold() {
    RetryPolicy policy = new RetryPolicy(Duration.ofMinutes(5), Duration.ofSeconds(4000),
        Duration.ofDays(5), 0.1, Optional.of(Duration.ofHours(4)));
    Instant threshold = RECEIVED.plus(Duration.ofHours(4));
    assertThat(policy.isDelayWarningDue(RECEIVED, Optional.of(RECEIVED), threshold.minusSeconds(1)))
        .isFalse();
    assertThat(policy.isDelayWarningDue(
        RECEIVED, Optional.of(threshold.minusSeconds(60)), threshold.plusSeconds(10))).isTrue();
    assertThat(policy.isDelayWarningDue(RECEIVED, Optional.empty(), threshold)).isTrue();
    // Already past the threshold at the previous attempt: warned then, not again.
    assertThat(policy.isDelayWarningDue(
        RECEIVED, Optional.of(threshold.plusSeconds(1)), threshold.plusSeconds(4000))).isFalse();
    assertThat(noJitter.isDelayWarningDue(RECEIVED, Optional.empty(), threshold)).isFalse();
  }

  @Test
  void rejectsNonsenseNamingTheValue() {
    assertThatThrownBy(() -> new RetryPolicy(Duration.ZERO, Duration.ofSeconds(1),
            Duration.ofDays(1), 0.1, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
    assertThatThrownBy(() -> new RetryPolicy(Duration.ofMinutes(5), Duration.ofMinutes(1),
            Duration.ofDays(1), 0.1, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cap");
    assertThatThrownBy(() -> new RetryPolicy(Duration.ofMinutes(5), Duration.ofMinutes(10),
            Duration.ofDays(1), 1.0, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1.0");
    assertThatThrownBy(() -> new RetryPolicy(Duration.ofMinutes(5), Duration.ofMinutes(10),
            Duration.ofDays(1), 0.1, Optional.of(Duration.ofDays(2))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delayWarning");
    assertThatThrownBy(() -> noJitter.nextAttempt(0, RECEIVED, RECEIVED, fixed(0.5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
  }
}
