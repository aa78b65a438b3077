package dev.hikyaku.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@code history} section: how long the message history (every accepted message and every
 * delivery attempt, {@code hikyaku history}) is kept. Described in docs/configuration.md.
 *
 * @param retention how long after its receipt a message's history is kept; the server prunes what
 *     is older in the background (a message still in the queue is kept until it leaves)
 */
public record HistoryConfig(Duration retention) {

  public HistoryConfig {
    Objects.requireNonNull(retention, "retention");
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("history retention must be positive, was " + retention);
    }
  }
}
