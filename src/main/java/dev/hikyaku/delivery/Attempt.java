package dev.hikyaku.delivery;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one delivery attempt for one recipient. Expected refusals are values, not
 * exceptions: the queue crosses off {@link Delivered}, retries {@link Deferred} and bounces {@link
 * Failed}.
 */
public sealed interface Attempt {

  /** The forward-path as given in {@link Outbound#recipients()}. */
  String recipient();

  /** The server took responsibility for the message (RFC 5321 §4.1.1.4: 250 after the final dot). */
  record Delivered(String recipient, SmtpReply reply) implements Attempt {
    public Delivered {
      Objects.requireNonNull(recipient, "recipient");
      Objects.requireNonNull(reply, "reply");
    }
  }

  /**
   * Try again later: a 4yz reply, or a connection, TLS or timeout failure (then {@code reply} is
   * empty).
   */
  record Deferred(String recipient, String reason, Optional<SmtpReply> reply) implements Attempt {
    public Deferred {
      Objects.requireNonNull(recipient, "recipient");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(reply, "reply");
    }
  }

  /**
   * Do not try again: a 5yz reply, or a permanent local reason (then {@code reply} is empty), such
   * as an 8-bit message to a server without 8BITMIME.
   */
  record Failed(String recipient, String reason, Optional<SmtpReply> reply) implements Attempt {
    public Failed {
      Objects.requireNonNull(recipient, "recipient");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(reply, "reply");
    }
  }
}
