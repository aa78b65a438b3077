package dev.hikyaku.delivery;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Bouncer#dsn} needs to report on one message.
 *
 * @param reportingMta our host name (RFC 3464 §2.2.2 Reporting-MTA, and the DSN's From domain)
 * @param originalEnvelopeId the ENVID the sender gave with MAIL FROM (RFC 3461 §4.4), if any
 * @param recipients the recipients reported on; at least one
 * @param returnFullMessage RET=FULL (RFC 3461 §4.3): return the whole message rather than its
 *     header section
 */
public record DsnRequest(
    String reportingMta,
    Optional<String> originalEnvelopeId,
    DsnOriginal original,
    List<DsnRecipient> recipients,
    boolean returnFullMessage) {

  public DsnRequest {
    Objects.requireNonNull(reportingMta, "reportingMta");
    Objects.requireNonNull(originalEnvelopeId, "originalEnvelopeId");
    Objects.requireNonNull(original, "original");
    recipients = List.copyOf(recipients);
    if (reportingMta.isBlank()) {
      throw new IllegalArgumentException("empty reporting MTA name");
    }
    if (recipients.isEmpty()) {
      throw new IllegalArgumentException("a DSN reports on at least one recipient");
    }
  }
}
