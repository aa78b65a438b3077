/**
 * The one way into the queue: SMTP sessions, the HTTP API and the bouncer all hand messages to
 * {@link dev.hikyaku.intake.MessageIntake}, which adds the trace header (RFC 5321 §4.4), applies the
 * fix-ups and signatures that apply to the source, and commits the message to the store. The HTTP
 * API reaches it through {@link dev.hikyaku.intake.SubmissionAgent}, which first asks the policy
 * what a session asks at MAIL and RCPT and makes the data checks of BDAT, so a message sent over
 * HTTP meets every rule one sent over SMTP submission meets.
 *
 * <p>Invariants: {@code accept} returns only after the message is durable (committed with fsync);
 * a failure leaves nothing half-queued, and the caller answers 4xx so the client keeps the message.
 *
 * <p>Must never: be bypassed. Nothing else writes the queue.
 */
package dev.hikyaku.intake;
