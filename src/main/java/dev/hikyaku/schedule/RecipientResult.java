package dev.hikyaku.schedule;

import dev.hikyaku.events.AttemptFacts;
import dev.hikyaku.protocol.DeliveryStatus;
import java.util.Objects;

/**
 * What one delivery attempt did for one recipient, as the {@link DeliveryAgent} reports it: the
 * typed status (the receiving server's reply, or the agent's own reason) and, for a delivered
 * recipient, who answers a NOTIFY=SUCCESS request.
 *
 * @param handoff meaningful when the status is a delivery; {@link Handoff#PASSED_ON} otherwise
 * @param facts the route, TLS and timings of the attempt, for the send log, events and metrics
 */
public record RecipientResult(String forwardPath, DeliveryStatus status, Handoff handoff, AttemptFacts facts) {

  /**
   * What taking a message means for its DSN (RFC 3461 §5.2 and §6.2): whether a NOTIFY=SUCCESS
   * request is ours to answer, and how.
   */
  public enum Handoff {
    /** The next hop took the DSN request on with the message (it offered DSN): nothing to report. */
    PASSED_ON,
    /** An SMTP server without DSN took it: we report "relayed" (RFC 3461 §5.2.2.2). */
    RELAYED,
    /** Put in the mailbox (Maildir, or LMTP without DSN): we report "delivered" (RFC 3464 §2.3.3). */
    DELIVERED
  }

  public RecipientResult {
    Objects.requireNonNull(forwardPath, "forwardPath");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(handoff, "handoff");
    Objects.requireNonNull(facts, "facts");
  }

  /** A result without facts of a connection (a local decision, or a test's agent). */
  public RecipientResult(String forwardPath, DeliveryStatus status, Handoff handoff) {
    this(forwardPath, status, handoff, AttemptFacts.NONE);
  }

  /** A result with no success report of ours to make (not delivered, or the next hop has DSN). */
  public RecipientResult(String forwardPath, DeliveryStatus status) {
    this(forwardPath, status, Handoff.PASSED_ON, AttemptFacts.NONE);
  }

  public DeliveryStatus.Outcome outcome() {
    return status.outcome();
  }
}
