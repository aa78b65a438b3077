package dev.hikyaku.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of an account's event feed as stored: a {@link NewMessageEvent} with its place in the
 * feed and the account it was filed under.
 *
 * @param seq its place in the feed: increasing in the order entries were recorded, never reused
 * @param account the principal of the message, lower-case
 */
public record MessageEvent(
    long seq, Instant at, String type, String account, QueueId queueId, Optional<String> recipient, String data) {

  public MessageEvent {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(queueId, "queueId");
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(data, "data");
  }
}
