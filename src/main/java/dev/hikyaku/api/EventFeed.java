package dev.hikyaku.api;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The accounts' event feeds as the API shows them. The app backs it with {@code store.MessageEvents},
 * filled from the server's events; the api package sees only these views.
 */
@FunctionalInterface
public interface EventFeed {

  /** No events. */
  EventFeed NONE = (account, afterSeq, types, limit) -> List.of();

  /**
   * The events of {@code account} recorded after {@code afterSeq}, oldest first, at most {@code
   * limit}; only those of {@code types} when that is not empty.
   *
   * @throws Unavailable if the store cannot answer now
   */
  List<EventView> after(String account, long afterSeq, Set<EventType> types, int limit) throws Unavailable;

  /**
   * The events of message {@code messageId} (a queue id), oldest first, at most {@code limit};
   * whose message it is, the caller checks first. None unless the feed keeps them by message.
   *
   * @throws Unavailable if the store cannot answer now
   */
  default List<EventView> ofMessage(String messageId, int limit) throws Unavailable {
    return List.of();
  }

  /**
   * One event.
   *
   * @param seq its place in the feed, increasing, never reused
   * @param type an {@link EventType#typeName()} (kept as text: a newer server may have written others)
   * @param messageId the queue id, as {@code GET /v1/messages/{id}} takes it; empty for a send that
   *     queued no message ({@code message.suppressed} of a send refused whole)
   * @param recipient the recipient it concerns; empty for the message as a whole
   * @param data a JSON object of the type's own facts, served as members of the event
   * @param tags the tags of the message, as sent (none for a message sent over SMTP)
   * @param metadata the metadata of the message, in the order sent
   */
  record EventView(
      long seq, String type, Instant at, Optional<String> messageId, Optional<String> recipient, String data,
      List<String> tags, Map<String, String> metadata) {
    public EventView {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(messageId, "messageId");
      Objects.requireNonNull(recipient, "recipient");
      Objects.requireNonNull(data, "data");
      tags = List.copyOf(tags);
      // Map.copyOf would lose the order the sender gave.
      metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** An event of message {@code messageId} without tags or metadata. */
    public EventView(long seq, String type, Instant at, String messageId, Optional<String> recipient, String data) {
      this(seq, type, at, Optional.of(messageId), recipient, data, List.of(), Map.of());
    }
  }
}
