package dev.hikyaku.store;

import java.util.Locale;
import java.util.Optional;

/**
 * How one delivery attempt ended for one recipient, as the message history records it. The first
 * four are the actions of a DSN's per-recipient fields (RFC 3464 §2.3.3: delivered, relayed,
 * delayed, failed; "deferred" is Postfix's word for delayed); expired and returned are failures the
 * history tells apart because an operator asks about them apart; complained is what a feedback
 * report (RFC 5965) said of a message that was delivered.
 */
public enum AttemptOutcome {
  /** Handed to the final mailbox (LMTP, Maildir) or accepted by a receiver that delivers. */
  DELIVERED,
  /** Accepted by a next-hop server that relays further (RFC 3464 §2.3.3 "relayed"). */
  RELAYED,
  /** A temporary failure: the recipient is tried again at the next attempt time. */
  DEFERRED,
  /** A permanent failure (5yz, or our own permanent reason); the sender is told. */
  FAILED,
  /** Still undelivered at the end of the queue lifetime (RFC 5321 §4.5.4.1); the sender is told. */
  EXPIRED,
  /** Sent back to its sender by an administrator ({@code queue bounce}). */
  RETURNED,
  /**
   * Delivered, and its recipient reported it as unwanted: a feedback report (ARF, RFC 5965 §3.1)
   * came back about it. Never the outcome of an attempt of ours ({@link AttemptRecord.Source#ARF}).
   */
  COMPLAINED;

  /** The lower-case name, as stored and as typed on the command line. */
  public String keyword() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The outcome named {@code keyword} (any case), or empty. */
  public static Optional<AttemptOutcome> fromKeyword(String keyword) {
    for (AttemptOutcome outcome : values()) {
      if (outcome.keyword().equalsIgnoreCase(keyword)) {
        return Optional.of(outcome);
      }
    }
    return Optional.empty();
  }
}
