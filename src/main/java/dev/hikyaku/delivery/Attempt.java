package dev.hikyaku.delivery;

import dev.hikyaku.protocol.DeliveryStatus;
import java.util.Objects;

/**
 * The outcome of one delivery attempt for one recipient. Expected refusals are values, not
 * exceptions: the queue crosses off what was delivered, retries what was deferred and bounces what
 * failed, as {@link DeliveryStatus#outcome()} says.
 *
 * @param recipient the forward-path as given in {@link Outbound#recipients()}
 * @param status what happened, with the remote server's reply or our own reason
 */
public record Attempt(String recipient, DeliveryStatus status) {

  public Attempt {
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(status, "status");
  }

  public DeliveryStatus.Outcome outcome() {
    return status.outcome();
  }
}
