package dev.hikyaku.store;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A search of the queue (admin CLI, API): every present filter must match. Results are ordered by
 * {@code receivedAt}, oldest first, then by id.
 *
 * @param sender matches the reverse-path, ignoring case; {@code Optional.of("")} finds null-path
 *     messages (bounces)
 * @param recipient matches messages with at least one recipient whose forward-path equals this,
 *     ignoring case
 * @param state matches the message state ({@code queued}, {@code held} or {@code returning})
 * @param receivedBefore matches messages received strictly before this instant
 * @param limit the most entries returned, at least 1
 */
public record QueueQuery(
    Optional<String> sender,
    Optional<String> recipient,
    Optional<String> state,
    Optional<Instant> receivedBefore,
    int limit) {

  /** States a message can be in, as stored ({@link MessageState}). */
  public static final Set<String> MESSAGE_STATES =
      Arrays.stream(MessageState.values()).map(MessageState::stored).collect(Collectors.toUnmodifiableSet());

  public QueueQuery {
    Objects.requireNonNull(sender, "sender");
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(receivedBefore, "receivedBefore");
    if (state.isPresent() && !MESSAGE_STATES.contains(state.get())) {
      throw new IllegalArgumentException(
          "unknown message state \"" + state.get() + "\"; expected one of " + MESSAGE_STATES);
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, was " + limit);
    }
  }

  /** Every message, oldest first. Narrow it with the {@code with...} methods. */
  public static QueueQuery all() {
    return new QueueQuery(
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Integer.MAX_VALUE);
  }

  public QueueQuery withSender(String sender) {
    return new QueueQuery(Optional.of(sender), recipient, state, receivedBefore, limit);
  }

  public QueueQuery withRecipient(String recipient) {
    return new QueueQuery(sender, Optional.of(recipient), state, receivedBefore, limit);
  }

  public QueueQuery withState(String state) {
    return new QueueQuery(sender, recipient, Optional.of(state), receivedBefore, limit);
  }

  public QueueQuery withReceivedBefore(Instant receivedBefore) {
    return new QueueQuery(sender, recipient, state, Optional.of(receivedBefore), limit);
  }

  public QueueQuery withLimit(int limit) {
    return new QueueQuery(sender, recipient, state, receivedBefore, limit);
  }
}
