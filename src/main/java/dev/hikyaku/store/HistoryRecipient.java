package dev.hikyaku.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One accepted recipient of a message in the history and where it stands.
 *
 * @param forwardPath the address as accepted
 * @param latestOutcome the outcome of its latest attempt; empty before the first
 * @param latestAttemptAt when that attempt ended; empty before the first
 */
public record HistoryRecipient(String forwardPath, Optional<AttemptOutcome> latestOutcome, Optional<Instant> latestAttemptAt) {

  public HistoryRecipient {
    Objects.requireNonNull(forwardPath, "forwardPath");
    Objects.requireNonNull(latestOutcome, "latestOutcome");
    Objects.requireNonNull(latestAttemptAt, "latestAttemptAt");
  }
}
