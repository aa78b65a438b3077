package dev.hikyaku.store;

import java.time.Instant;

/**
 * One recipient of a queued message and how its delivery stands.
 *
 * @param state {@code pending}, {@code deferred}, {@code delivered} or {@code failed}
 * @param attempts delivery attempts made so far
 * @param lastReply the last reply of the receiving server, or null before any attempt
 * @param nextAttemptAt when delivery is due again, or null when due now (never attempted)
 * @param lastAttemptAt when it was last tried, or null before any attempt
 */
public record QueuedRecipient(
    String forwardPath,
    String parameters,
    String state,
    int attempts,
    String lastReply,
    Instant nextAttemptAt,
    Instant lastAttemptAt) {

  /** Before any attempt is known. */
  public QueuedRecipient(String forwardPath, String parameters, String state, int attempts, String lastReply, Instant nextAttemptAt) {
    this(forwardPath, parameters, state, attempts, lastReply, nextAttemptAt, null);
  }
}
