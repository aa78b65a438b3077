package dev.hikyaku.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of an account's event feed as stored: a {@link NewMessageEvent} with its place in the
 * feed and the account it was filed under, and the tags and metadata of its message.
 *
 * @param seq its place in the feed: increasing in the order entries were recorded, never reused
 * @param account the principal of the message, lower-case
 * @param queueId the message; empty for a send that queued none
 * @param annotations what the sending application attached to the message, read from the history
 *     when the feed is read ({@link MessageEvents#after}); none without a message, for a message sent
 *     without any, and once the history has let the message go
 */
public record MessageEvent(
    long seq, Instant at, String type, String account, Optional<QueueId> queueId, Optional<String> recipient, String data,
    Annotations annotations) {

  public MessageEvent {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(queueId, "queueId");
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(annotations, "annotations");
  }
}
