package dev.hikyaku.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Something that happened to an accepted message, to be appended to its account's event feed
 * ({@link MessageEvents#append}). The account is not given: the store takes it from the message's
 * history (its principal), in the statement that writes the row.
 *
 * @param type the feed's name for it ({@code message.delivered}); the store does not interpret it
 * @param recipient the forward-path it concerns; empty for the message as a whole
 * @param data a JSON object with the type's own facts, stored and served as it is
 */
public record NewMessageEvent(Instant at, String type, QueueId queueId, Optional<String> recipient, String data) {

  public NewMessageEvent {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(queueId, "queueId");
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(data, "data");
    if (type.isEmpty()) {
      throw new IllegalArgumentException("an event has a type");
    }
  }
}
