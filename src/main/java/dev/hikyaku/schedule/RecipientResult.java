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

  /** Accepted by the next hop (RFC 5321 §4.2.1: 2yz): the recipient is crossed off. */
  record Delivered(String forwardPath, String reply) implements RecipientResult {
    public Delivered {
      Objects.requireNonNull(forwardPath, "forwardPath");
      Objects.requireNonNull(reply, "reply");
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
