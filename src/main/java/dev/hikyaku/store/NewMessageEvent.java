package dev.hikyaku.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Something that happened to an accepted message, or to a send, to be appended to its account's
 * event feed ({@link MessageEvents#append}). Without an {@code account}, the store takes it from the
 * message's history (its principal) in the statement that writes the row, and passes over a message
 * without one; an event of a send that queued no message ({@code message.suppressed} of a send
 * refused whole) names its account itself.
 *
 * @param type the feed's name for it ({@code message.delivered}); the store does not interpret it
 * @param queueId the message; empty for a send that queued none
 * @param account the account to file it under; empty: the principal of {@code queueId}'s history
 * @param recipient the forward-path it concerns; empty for the message as a whole
 * @param data a JSON object with the type's own facts, stored and served as it is
 */
public record NewMessageEvent(
    Instant at, String type, Optional<QueueId> queueId, Optional<String> account, Optional<String> recipient, String data) {

  public NewMessageEvent {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(queueId, "queueId");
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(data, "data");
    if (type.isEmpty()) {
      throw new IllegalArgumentException("an event has a type");
    }
    if (queueId.isEmpty() && account.isEmpty()) {
      throw new IllegalArgumentException("an event without a message names its account");
    }
  }

  /** An event of message {@code queueId}, filed under the principal its history names. */
  public NewMessageEvent(Instant at, String type, QueueId queueId, Optional<String> recipient, String data) {
    this(at, type, Optional.of(queueId), Optional.empty(), recipient, data);
  }

  /** An event filed under {@code account} whether or not a message came of it. */
  public static NewMessageEvent ofAccount(
      Instant at, String type, String account, Optional<QueueId> queueId, Optional<String> recipient, String data) {
    return new NewMessageEvent(at, type, queueId, Optional.of(account), recipient, data);
  }
}
