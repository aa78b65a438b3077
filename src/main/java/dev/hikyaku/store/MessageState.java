package dev.hikyaku.store;

/**
 * The states a queued message can be in, as {@code message.state} stores them; the states of its
 * recipients are apart ({@link RecipientOutcome.State}, and {@code pending} before any attempt).
 */
public enum MessageState {
  /** Waiting for delivery: the scheduler takes its due recipients. */
  QUEUED("queued"),
  /** Kept from delivery by an admin until released ({@link QueueAdmin#hold}). */
  HELD("held"),
  /** Being sent back to its sender: the scheduler fails its open recipients with a DSN ({@link QueueAdmin#returnToSender}). */
  RETURNING("returning");

  private final String stored;

  MessageState(String stored) {
    this.stored = stored;
  }

  /** The value in {@code message.state}. */
  String stored() {
    return stored;
  }
}
