package dev.hikyaku.schedule;

import dev.hikyaku.protocol.DeliveryStatus;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One recipient a DSN is about (RFC 3464 §2.3), as the scheduler hands it to {@link
 * DeliveryReports}: the typed status of the attempt that decided the report, never text.
 *
 * @param status action, status, diagnostic and remote MTA, as the DSN writes them
 * @param lastAttemptAt when the attempt that produced the report was made
 * @param willRetryUntil for a delay warning, the end of the message's lifetime (RFC 3464 §2.3.8)
 */
public record RecipientReport(
    String forwardPath,
    DeliveryStatus status,
    Instant lastAttemptAt,
    Optional<Instant> willRetryUntil) {

  public RecipientReport {
    Objects.requireNonNull(forwardPath, "forwardPath");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(lastAttemptAt, "lastAttemptAt");
    Objects.requireNonNull(willRetryUntil, "willRetryUntil");
  }
}
