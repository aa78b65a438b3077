package dev.hikyaku.schedule;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One recipient a DSN is about (RFC 3464 §2.3), as the scheduler hands it to {@link
 * DeliveryReports}.
 *
 * @param reply the last reply or our reason ("delivery time expired: 451 ...")
 * @param isExpired true when the recipient failed because its lifetime ran out (RFC 3463 4.4.7)
 * @param lastAttemptAt when the attempt that produced the report was made
 * @param willRetryUntil for a delay warning, the end of the message's lifetime (RFC 3464 §2.3.8)
 */
public record RecipientReport(
    String forwardPath,
    String reply,
    boolean isExpired,
    Instant lastAttemptAt,
    Optional<Instant> willRetryUntil) {

  public RecipientReport {
    Objects.requireNonNull(forwardPath, "forwardPath");
    Objects.requireNonNull(reply, "reply");
    Objects.requireNonNull(lastAttemptAt, "lastAttemptAt");
    Objects.requireNonNull(willRetryUntil, "willRetryUntil");
  }
}
