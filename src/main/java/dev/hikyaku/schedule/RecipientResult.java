package dev.hikyaku.schedule;

import java.util.Objects;

/**
 * What one delivery attempt did for one recipient, as the {@link DeliveryAgent} reports it. The
 * reply is the receiving server's reply line(s) as text ("250 2.0.0 ok", "550 5.1.1 no such user"),
 * or the agent's own account of a failure that had no reply ("connection refused by mx.example.net").
 */
public sealed interface RecipientResult {

  String forwardPath();

  String reply();

  /**
   * What taking a message means for its DSN (RFC 3461 §5.2 and §6.2): whether a NOTIFY=SUCCESS
   * request is ours to answer, and how.
   */
  enum Handoff {
    /** The next hop took the DSN request on with the message (it offered DSN): nothing to report. */
    PASSED_ON,
    /** An SMTP server without DSN took it: we report "relayed" (RFC 3461 §5.2.2.2). */
    RELAYED,
    /** Put in the mailbox (Maildir, or LMTP without DSN): we report "delivered" (RFC 3464 §2.3.3). */
    DELIVERED
  }

  /** Accepted by the next hop (RFC 5321 §4.2.1: 2yz): the recipient is crossed off. */
  record Delivered(String forwardPath, String reply, Handoff handoff) implements RecipientResult {
    public Delivered {
      Objects.requireNonNull(forwardPath, "forwardPath");
      Objects.requireNonNull(reply, "reply");
      Objects.requireNonNull(handoff, "handoff");
    }

    /** Taken by a next hop that carries any DSN request on. */
    public Delivered(String forwardPath, String reply) {
      this(forwardPath, reply, Handoff.PASSED_ON);
    }
  }

  /** Worth trying again (4yz, no answer, connection failure): deferred by the retry policy. */
  record Transient(String forwardPath, String reply) implements RecipientResult {
    public Transient {
      Objects.requireNonNull(forwardPath, "forwardPath");
      Objects.requireNonNull(reply, "reply");
    }
  }

  /** Refused for good (5yz): the recipient fails and the sender gets a DSN. */
  record Permanent(String forwardPath, String reply) implements RecipientResult {
    public Permanent {
      Objects.requireNonNull(forwardPath, "forwardPath");
      Objects.requireNonNull(reply, "reply");
    }
  }
}
