package dev.hikyaku.testing;

import dev.hikyaku.schedule.RetryPolicy;
import java.time.Duration;
import java.util.Optional;

/**
 * Retry policies for tests that drive the scheduler by hand. The server builds its policy from the
 * config's delivery section ({@code config.Defaults} holds the same Postfix values), so this lives
 * with the tests rather than in {@code schedule}.
 */
public final class RetryPolicies {

  private RetryPolicies() {}

  /**
   * Postfix's defaults: minimal_backoff_time 300 s, maximal_backoff_time 4000 s,
   * maximal_queue_lifetime 5 d, delay_warning_time 0 (no delay warning), with ±10 % jitter.
   */
  public static RetryPolicy postfixLike() {
    return new RetryPolicy(
        Duration.ofMinutes(5), Duration.ofSeconds(4000), Duration.ofDays(5), 0.1, Optional.empty());
  }
}
