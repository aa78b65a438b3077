package dev.hikyaku.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A search of the message history (admin CLI, API): every present filter must match. Results are
 * ordered by {@code receivedAt}, newest first, then by id.
 *
 * @param sender matches the reverse-path, ignoring case; {@code Optional.of("")} finds null-path
 *     messages (bounces)
 * @param recipient matches messages with a recipient whose forward-path equals this, ignoring case
 * @param messageId matches the Message-ID field the message was accepted with, exactly, with or
 *     without its angle brackets
 * @param status matches messages with a recipient whose latest attempt had this outcome; with
 *     {@code recipient}, that recipient's
 * @param since matches messages received at or after this instant
 * @param until matches messages received strictly before this instant
 * @param principal matches messages submitted under this account (RFC 4954 AUTH), ignoring case;
 *     never those submitted without AUTH
 * @param before matches messages that come after this position in the order (older, or as old with
 *     a smaller id): the keyset of the page before, so that paging never skips or repeats a message
 *     whatever is accepted meanwhile
 * @param tag matches messages sent with this tag (the API's {@code tags}), exactly
 * @param limit the most messages returned, at least 1
 */
public record HistoryQuery(
    Optional<String> sender,
    Optional<String> recipient,
    Optional<String> messageId,
    Optional<AttemptOutcome> status,
    Optional<Instant> since,
    Optional<Instant> until,
    Optional<String> principal,
    Optional<Position> before,
    Optional<String> tag,
    int limit) {

  /** Where a message stands in the order of a search: its time of receipt, then its id. */
  public record Position(Instant receivedAt, String queueId) {
    public Position {
      Objects.requireNonNull(receivedAt, "receivedAt");
      Objects.requireNonNull(queueId, "queueId");
    }

    /** The position of {@code message}: a search {@link #withBefore before} it goes on after it. */
    public static Position of(HistoryMessage message) {
      return new Position(message.receivedAt(), message.id().value());
    }
  }

  public HistoryQuery {
    Objects.requireNonNull(sender, "sender");
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(until, "until");
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(before, "before");
    Objects.requireNonNull(tag, "tag");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, was " + limit);
    }
  }

  /** Every message, newest first. Narrow it with the {@code with...} methods. */
  public static HistoryQuery all() {
    return new HistoryQuery(
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Integer.MAX_VALUE);
  }

  public HistoryQuery withSender(String sender) {
    return new HistoryQuery(Optional.of(sender), recipient, messageId, status, since, until, principal, before, tag, limit);
  }

  public HistoryQuery withRecipient(String recipient) {
    return new HistoryQuery(sender, Optional.of(recipient), messageId, status, since, until, principal, before, tag, limit);
  }

  public HistoryQuery withMessageId(String messageId) {
    return new HistoryQuery(sender, recipient, Optional.of(messageId), status, since, until, principal, before, tag, limit);
  }

  public HistoryQuery withStatus(AttemptOutcome status) {
    return new HistoryQuery(sender, recipient, messageId, Optional.of(status), since, until, principal, before, tag, limit);
  }

  public HistoryQuery withSince(Instant since) {
    return new HistoryQuery(sender, recipient, messageId, status, Optional.of(since), until, principal, before, tag, limit);
  }

  public HistoryQuery withUntil(Instant until) {
    return new HistoryQuery(sender, recipient, messageId, status, since, Optional.of(until), principal, before, tag, limit);
  }

  public HistoryQuery withPrincipal(String principal) {
    return new HistoryQuery(sender, recipient, messageId, status, since, until, Optional.of(principal), before, tag, limit);
  }

  public HistoryQuery withBefore(Position before) {
    return new HistoryQuery(sender, recipient, messageId, status, since, until, principal, Optional.of(before), tag, limit);
  }

  public HistoryQuery withTag(String tag) {
    return new HistoryQuery(sender, recipient, messageId, status, since, until, principal, before, Optional.of(tag), limit);
  }

  public HistoryQuery withLimit(int limit) {
    return new HistoryQuery(sender, recipient, messageId, status, since, until, principal, before, tag, limit);
  }
}
