package dev.hikyaku.store;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The states of a message in the queue, as {@code message.state} stores them (V1 makes
 * {@code queued} the default of a new row). A message leaves the queue, rather than taking a final
 * state, when no recipient is left open; recipients have their own states ({@link
 * RecipientOutcome.State}).
 */
public enum MessageState {
  /** Waiting for delivery: the scheduler takes its due recipients. */
  QUEUED("queued"),
  /** Kept from delivery by an admin until released. */
  HELD("held"),
  /** Being sent back to its sender (Exim's {@code -Mg}): the scheduler fails its open recipients with a DSN. */
  RETURNING("returning");

  /** The stored value of each state. */
  static final Set<String> STORED = Arrays.stream(values()).map(MessageState::stored).collect(Collectors.toUnmodifiableSet());

  private final String stored;

  MessageState(String stored) {
    this.stored = stored;
  }

  /** The value in {@code message.state}. */
  String stored() {
    return stored;
  }
}
