package dev.hikyaku.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the message history says about traffic over time, for the console's overview: messages
 * accepted per interval (by {@code history_message.received_at}), and attempts by outcome per
 * interval (by {@code history_attempt.attempted_at}, V25's index), the deliveries made over TLS
 * among them. Counted by the store on every read, from the same rows the API's history shows, so
 * every node of a cluster answers alike.
 */
public final class TrafficCounts {

  private static final String ACCEPTED =
      "SELECT (received_at - ?) / ? AS slot, COUNT(*) FROM history_message WHERE received_at >= ? AND received_at < ? GROUP BY slot";
  private static final String ATTEMPTS =
      """
      SELECT (attempted_at - ?) / ? AS slot, outcome, COUNT(*),
             SUM(CASE WHEN tls_protocol IS NULL THEN 0 ELSE 1 END)
      FROM history_attempt WHERE attempted_at >= ? AND attempted_at < ? GROUP BY slot, outcome""";

  private final ReadConnections readers;

  TrafficCounts(ReadConnections readers) {
    this.readers = readers;
  }

  /**
   * The counts of one interval.
   *
   * @param failed attempts that failed for good: failed, expired or returned to the sender
   * @param deliveredOverTls the delivered or relayed attempts made over TLS
   */
  public record Interval(Instant start, long accepted, long delivered, long deferred, long failed, long deliveredOverTls) {
    public Interval {
      Objects.requireNonNull(start, "start");
    }
  }

  /** {@code count} intervals of {@code length} each, the first starting at {@code from}; empty ones too. */
  public List<Interval> intervals(Instant from, Duration length, int count) throws StoreException {
    long start = from.toEpochMilli();
    long step = length.toMillis();
    long end = start + step * count;
    long[][] counts = new long[count][5];
    readers.read("counting traffic", connection -> {
      try (PreparedStatement accepted = connection.prepareStatement(ACCEPTED)) {
        bind(accepted, start, step, end);
        try (ResultSet rows = accepted.executeQuery()) {
          while (rows.next()) {
            counts[(int) rows.getLong(1)][0] += rows.getLong(2);
          }
        }
      }
      try (PreparedStatement attempts = connection.prepareStatement(ATTEMPTS)) {
        bind(attempts, start, step, end);
        try (ResultSet rows = attempts.executeQuery()) {
          while (rows.next()) {
            int slot = (int) rows.getLong(1);
            long n = rows.getLong(3);
            switch (rows.getString(2)) {
              case "delivered", "relayed" -> {
                counts[slot][1] += n;
                counts[slot][4] += rows.getLong(4);
              }
              case "deferred" -> counts[slot][2] += n;
              case "failed", "expired", "returned" -> counts[slot][3] += n;
              default -> { } // complained: a report about a delivered message, not an attempt's end
            }
          }
        }
      }
      return null;
    });
    List<Interval> intervals = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      intervals.add(new Interval(Instant.ofEpochMilli(start + step * i), counts[i][0], counts[i][1], counts[i][2], counts[i][3],
          counts[i][4]));
    }
    return intervals;
  }

  private static void bind(PreparedStatement statement, long start, long step, long end) throws SQLException {
    statement.setLong(1, start);
    statement.setLong(2, step);
    statement.setLong(3, start);
    statement.setLong(4, end);
  }
}
