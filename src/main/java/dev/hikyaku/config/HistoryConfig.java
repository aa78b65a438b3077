package dev.hikyaku.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

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

  static final String SECTION = "history";
  private static final String RETENTION = "retention";
  static final List<String> KEYS = List.of(RETENTION);

  /**
   * The message history is kept 30 days, as the send logs of the relay services users compare us
   * with (SendGrid's activity feed, Postmark's) keep theirs: long enough to answer a sender who
   * asks about last week's mail, short enough that the history stays a fraction of the disk.
   */
  static final HistoryConfig DEFAULTS = new HistoryConfig(Duration.ofDays(30));

  // A day at least: the history answers "what became of the mail I sent today?", and pruning runs
  // in the background, not to the minute. Ten years at most keeps every cutoff a valid instant.
  private static final Duration MIN_RETENTION = Duration.ofDays(1);
  private static final Duration MAX_RETENTION = Duration.ofDays(3650);

  static HistoryConfig read(Section history) throws ConfigException {
    return new HistoryConfig(history.duration(RETENTION, DEFAULTS.retention(), MIN_RETENTION, MAX_RETENTION, ""));
  }

  void write(ObjectNode history) {
    history.put(RETENTION, DurationSyntax.format(retention));
  }
}
