package dev.hikyaku.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How one delivery attempt ended for one recipient, as {@link MessageQueue#record} writes it.
 *
 * @param forwardPath the recipient, exactly as queued (every open recipient of the message with this
 *     forward-path takes the outcome)
 * @param state what the recipient becomes
 * @param lastReply the receiving server's reply, or our own reason ("delivery time expired")
 * @param attemptedAt when the attempt was made (a DSN's Last-Attempt-Date, RFC 3464 §2.3.7)
 * @param nextAttemptAt present exactly when {@code state} is {@link State#DEFERRED}
 */
public record RecipientOutcome(
    String forwardPath,
    State state,
    String lastReply,
    Instant attemptedAt,
    Optional<Instant> nextAttemptAt) {

  /** The states an attempt can leave a recipient in. Only DEFERRED keeps it in the queue. */
  public enum State {
    DELIVERED("delivered"),
    DEFERRED("deferred"),
    FAILED("failed");

    private final String stored;

    State(String stored) {
      this.stored = stored;
    }

    /** The value in {@code recipient.state}. */
    String stored() {
      return stored;
    }
  }

  public RecipientOutcome {
    Objects.requireNonNull(forwardPath, "forwardPath");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(lastReply, "lastReply");
    Objects.requireNonNull(attemptedAt, "attemptedAt");
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    if ((state == State.DEFERRED) != nextAttemptAt.isPresent()) {
      throw new IllegalArgumentException(
          "recipient " + forwardPath + ": a next attempt time belongs to DEFERRED only, got "
              + state + " with " + nextAttemptAt);
    }
  }

  public static RecipientOutcome delivered(String forwardPath, String reply, Instant attemptedAt) {
    return new RecipientOutcome(forwardPath, State.DELIVERED, reply, attemptedAt, Optional.empty());
  }

  public static RecipientOutcome deferred(
      String forwardPath, String reply, Instant attemptedAt, Instant nextAttemptAt) {
    return new RecipientOutcome(
        forwardPath, State.DEFERRED, reply, attemptedAt, Optional.of(nextAttemptAt));
  }

  public static RecipientOutcome failed(String forwardPath, String reply, Instant attemptedAt) {
    return new RecipientOutcome(forwardPath, State.FAILED, reply, attemptedAt, Optional.empty());
  }
}
