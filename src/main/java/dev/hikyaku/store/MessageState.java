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

  /** The value in {@code message.state}, which is also how listings and the admin CLI show it. */
  public String stored() {
    return stored;
  }

  /** The state whose {@link #stored} value is {@code value}, as read from {@code message.state}. */
  static MessageState fromStored(String value) throws StoreException {
    for (MessageState state : values()) {
      if (state.stored.equals(value)) {
        return state;
      }
    }
    throw new StoreException(StoreException.Kind.CORRUPT, "stored message state is unknown: \"" + value + "\"");
  }
}
