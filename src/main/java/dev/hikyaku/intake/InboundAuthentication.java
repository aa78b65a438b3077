package dev.hikyaku.intake;

import dev.hikyaku.mailauth.Dmarc;
import dev.hikyaku.mailauth.InboundChecks;
import java.util.Objects;
import java.util.Optional;

/**
 * SPF, DKIM and DMARC on mail that arrives on port 25 (RFC 7208, 6376, 7489), recorded in an
 * Authentication-Results field (RFC 8601), and which DMARC failures are refused rather than marked.
 *
 * @param checks empty when inbound checks are off
 * @param isRejectingOnReject p=reject failures get 550 5.7.1 (else they are only marked)
 * @param isRejectingOnQuarantine p=quarantine failures get 550 5.7.1 (else they are only marked)
 */
public record InboundAuthentication(Optional<InboundChecks> checks, boolean isRejectingOnReject, boolean isRejectingOnQuarantine) {

  /** No checks. */
  public static final InboundAuthentication NONE = new InboundAuthentication(Optional.empty(), false, false);

  public InboundAuthentication {
    Objects.requireNonNull(checks, "checks");
  }

  /** Whether this report's DMARC failure is to be refused. */
  boolean isRefused(InboundChecks.Report report) {
    return report.isDmarcFailureWith(Dmarc.Policy.REJECT) && isRejectingOnReject
        || report.isDmarcFailureWith(Dmarc.Policy.QUARANTINE) && isRejectingOnQuarantine;
  }
}
