package dev.hikyaku.delivery;

import dev.hikyaku.protocol.DeliveryStatus;
import java.util.Objects;

/**
 * An {@link OutboundSession} could not be opened or used. {@link #status()} says what that means
 * for the recipients: deferred (retry) or failed (bounce), with the server's reply or our reason.
 * Messages name the server and the step, never a credential.
 */
public final class OutboundException extends Exception {

  private final transient DeliveryStatus status;

  public OutboundException(DeliveryStatus status, Throwable cause) {
    super(status.diagnostic().text(), cause);
    this.status = Objects.requireNonNull(status, "status");
  }

  /** The server answered {@code reply} to {@code step}: its reply decides (deferred unless 5yz). */
  static OutboundException refused(DeliveryStatus.RemoteMta server, String step, SmtpReply reply) {
    // A 2yz greeting other than 220 delivers nothing: refusal(), not status().
    return new OutboundException(reply.refusal(server), null);
  }

  /** What this means for every recipient of the attempt. */
  public DeliveryStatus status() {
    return status;
  }

  /** Whether the same delivery may succeed later. */
  public boolean isTransient() {
    return status.outcome() != DeliveryStatus.Outcome.FAILED;
  }
}
