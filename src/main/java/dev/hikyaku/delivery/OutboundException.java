package dev.hikyaku.delivery;

import java.util.Objects;
import java.util.Optional;

/**
 * An {@link OutboundSession} could not be opened or used. {@link #isTransient()} says whether the
 * same delivery may succeed later (retry) or not (bounce). Messages name the server and the step,
 * never a credential.
 */
public final class OutboundException extends Exception {

  private final boolean isTransient;
  private final transient Optional<SmtpReply> reply;

  public OutboundException(String message, boolean isTransient, Optional<SmtpReply> reply, Throwable cause) {
    super(message, cause);
    this.isTransient = isTransient;
    this.reply = Objects.requireNonNull(reply, "reply");
  }

  /** A failure with no reply behind it (connection, TLS, timeout, refusal by our own policy): transient. */
  static OutboundException transientFailure(String message, Throwable cause) {
    return new OutboundException(message, true, Optional.empty(), cause);
  }

  /** The server answered {@code reply} to {@code step}; transient unless the reply is 5yz. */
  static OutboundException refused(String server, String step, SmtpReply reply) {
    return new OutboundException(
        server + " answered " + step + " with " + reply, !reply.isPermanent(), Optional.of(reply), null);
  }

  /** Whether the same delivery may succeed later. */
  public boolean isTransient() {
    return isTransient;
  }

  /** The server's reply that caused this, if one did. */
  public Optional<SmtpReply> reply() {
    return reply;
  }
}
