package dev.hikyaku.store;

import java.util.Locale;
import java.util.Optional;

/**
 * How one delivery attempt ended for one recipient, as the message history records it. The first
 * four are the actions of a DSN's per-recipient fields (RFC 3464 §2.3.3: delivered, relayed,
 * delayed, failed; "deferred" is Postfix's word for delayed); the last two are failures the history
 * tells apart because an operator asks about them apart.
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
  RETURNED;

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
