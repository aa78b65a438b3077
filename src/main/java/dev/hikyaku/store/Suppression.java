package dev.hikyaku.store;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of the suppression list: mail from {@code senderDomain} is no longer taken for {@code
 * recipient}. A hard bounce carries the status, diagnostic and message that caused it, a complaint
 * the message and the feedback type (as its diagnostic); a manual entry carries none of them.
 *
 * @param senderDomain the reverse-path's domain (compared case-insensitively, as the queue does)
 * @param recipient the forward-path's address
 * @param enhancedStatus RFC 3463 status, e.g. {@code 5.1.1}
 * @param diagnostic the DSN's Diagnostic-Code, e.g. {@code smtp; 550 5.1.1 no such user}
 * @param queueId the message whose delivery failed
 */
public record Suppression(
    String senderDomain,
    String recipient,
    Reason reason,
    Optional<String> enhancedStatus,
    Optional<String> diagnostic,
    Optional<QueueId> queueId,
    Instant createdAt) {

  /** Why a recipient is on the list. */
  public enum Reason {
    /** A remote server refused the recipient permanently (RFC 3463 X.1.x, or a configured status). */
    HARD_BOUNCE,
    /** An operator added it ({@code hikyaku suppression add}). */
    MANUAL,
    /**
     * Its recipient reported mail from the domain as unwanted: a feedback report (ARF, RFC 5965)
     * came back about a message of the domain. Mail providers judge a sender that keeps mailing
     * complainers as a spammer.
     */
    COMPLAINT;

    /** As stored and shown: {@code hard-bounce}, {@code manual}, {@code complaint}. */
    public String keyword() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Reason fromKeyword(String keyword) {
      for (Reason reason : values()) {
        if (reason.keyword().equals(keyword)) {
          return reason;
        }
      }
      throw new IllegalArgumentException("unknown suppression reason " + keyword);
    }
  }

  public Suppression {
    Objects.requireNonNull(senderDomain, "senderDomain");
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(enhancedStatus, "enhancedStatus");
    Objects.requireNonNull(diagnostic, "diagnostic");
    Objects.requireNonNull(queueId, "queueId");
    Objects.requireNonNull(createdAt, "createdAt");
    if (senderDomain.isEmpty() || recipient.isEmpty()) {
      throw new IllegalArgumentException("a suppression needs a sending domain and a recipient");
    }
  }

  /** A hard bounce of {@code recipient} for mail from {@code senderDomain}. */
  public static Suppression hardBounce(
      String senderDomain, String recipient, String enhancedStatus, String diagnostic, QueueId queueId, Instant at) {
    return new Suppression(senderDomain, recipient, Reason.HARD_BOUNCE, Optional.of(enhancedStatus),
        Optional.of(diagnostic), Optional.of(queueId), at);
  }

  /**
   * A complaint about message {@code queueId} by {@code recipient}: {@code diagnostic} names the
   * feedback report's type ({@code arf; abuse}, RFC 5965 §3.1).
   */
  public static Suppression complaint(String senderDomain, String recipient, String diagnostic, QueueId queueId, Instant at) {
    return new Suppression(senderDomain, recipient, Reason.COMPLAINT, Optional.empty(), Optional.of(diagnostic),
        Optional.of(queueId), at);
  }

  /**
   * What caused the entry, for a listing: the status, the diagnostic and the message of a hard
   * bounce, the feedback type and the message of a complaint; empty for an operator's entry.
   */
  public Optional<String> cause() {
    if (reason == Reason.MANUAL) {
      return Optional.empty();
    }
    String message = queueId.map(id -> " (message " + id + ")").orElse("");
    return Optional.of((enhancedStatus.map(status -> status + " ").orElse("") + diagnostic.orElse("")).strip() + message);
  }

  /** An operator's entry. */
  public static Suppression manual(String senderDomain, String recipient, Instant at) {
    return new Suppression(senderDomain, recipient, Reason.MANUAL, Optional.empty(), Optional.empty(), Optional.empty(), at);
  }
}
