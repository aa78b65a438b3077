package dev.hikyaku.store;

import java.util.List;
import java.util.Objects;

/**
 * Everything the history holds about one message: the message and every attempt of every
 * recipient, in the order they were made (by time, then attempt number).
 */
public record HistoryRecord(HistoryMessage message, List<AttemptRecord> attempts) {

  public HistoryRecord {
    Objects.requireNonNull(message, "message");
    attempts = List.copyOf(attempts);
  }

  /** The attempts of {@code forwardPath}, in order. */
  public List<AttemptRecord> attemptsOf(String forwardPath) {
    return attempts.stream().filter(a -> a.forwardPath().equals(forwardPath)).toList();
  }
}
