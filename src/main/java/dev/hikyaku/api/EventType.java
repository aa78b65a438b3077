package dev.hikyaku.api;

import java.util.Optional;

/**
 * The types of the event feed ({@code GET /v1/events}), named as API.md §2 names them for webhooks
 * too, so a client reads one vocabulary: {@code message.*} for what became of a message of the
 * account and of each of its recipients, {@code message.suppressed} when a recipient of a send was
 * refused for the suppression list, {@code suppression.created} when a recipient of one went on it.
 * A recipient's {@code message.*} entry names its {@code source}: {@code smtp} for our own attempt,
 * {@code dsn} for a delivery status notification that came back to the message's return path later,
 * {@code arf} for a feedback report.
 */
public enum EventType {
  /** Queued (over SMTP submission or the API); the message as a whole, no recipient. */
  MESSAGE_ACCEPTED("message.accepted"),
  /** A recipient's attempt ended with the message handed over (RFC 3464 delivered or relayed). */
  MESSAGE_DELIVERED("message.delivered"),
  /** A recipient's attempt failed for now; {@code next_retry_at} says when it is tried again. */
  MESSAGE_DEFERRED("message.deferred"),
  /**
   * A recipient failed for good (a 5yz reply, our own finding, or an administrator's return; or,
   * with {@code source: dsn}, a DSN that came back after a remote MTA had taken the message).
   */
  MESSAGE_BOUNCED("message.bounced"),
  /** A recipient was still undelivered at the end of the queue lifetime (RFC 5321 §4.5.4.1). */
  MESSAGE_EXPIRED("message.expired"),
  /**
   * A recipient of a send (over the API, or at RCPT over SMTP submission) was refused because it is
   * on the suppression list of the sending domain; {@code reason} is the refusal as the sender was
   * given it. The message is the one sent to the other recipients, or none when the send was
   * refused whole.
   */
  MESSAGE_SUPPRESSED("message.suppressed"),
  /**
   * A recipient reported the message as unwanted: a feedback report (ARF, RFC 5965) came back about
   * it; {@code feedback_type} says how (abuse, fraud, virus, other).
   */
  MESSAGE_COMPLAINED("message.complained"),
  /**
   * A recipient of the message went on the suppression list of its sending domain: after a hard
   * bounce ({@code reason: hard-bounce}) or a complaint ({@code reason: complaint}).
   */
  SUPPRESSION_CREATED("suppression.created");

  private final String typeName;

  EventType(String typeName) {
    this.typeName = typeName;
  }

  /** As the feed writes it in {@code type} and reads it in {@code types}. */
  public String typeName() {
    return typeName;
  }

  /** The type named {@code typeName} exactly, or empty. */
  public static Optional<EventType> fromTypeName(String typeName) {
    for (EventType type : values()) {
      if (type.typeName.equals(typeName)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }
}
