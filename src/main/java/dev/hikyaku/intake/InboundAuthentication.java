package dev.hikyaku.intake;

import dev.hikyaku.mailauth.Dmarc;
import dev.hikyaku.mailauth.DmarcObservation;
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
 * @param observations where each evaluation of a domain that asks for aggregate reports goes
 */
public record InboundAuthentication(Optional<InboundChecks> checks, boolean isRejectingOnReject, boolean isRejectingOnQuarantine,
    DmarcObservation.Sink observations) {

  /** No checks. */
  public static final InboundAuthentication NONE = new InboundAuthentication(Optional.empty(), false, false);

  public InboundAuthentication {
    Objects.requireNonNull(checks, "checks");
    Objects.requireNonNull(observations, "observations");
  }

  /** Without aggregate reports. */
  public InboundAuthentication(Optional<InboundChecks> checks, boolean isRejectingOnReject, boolean isRejectingOnQuarantine) {
    this(checks, isRejectingOnReject, isRejectingOnQuarantine, DmarcObservation.Sink.NONE);
  }

  /** The same, telling {@code sink} of each DMARC evaluation a domain asked aggregate reports of. */
  public InboundAuthentication reportingTo(DmarcObservation.Sink sink) {
    return new InboundAuthentication(checks, isRejectingOnReject, isRejectingOnQuarantine, sink);
  }

  /** RFC 7489 §7.2: what an aggregate report counts of {@code report}, when its domain asks for reports. */
  void observe(InboundChecks.Report report, String sourceIp, String mailFrom, String helo, boolean isRefused) {
    var dmarc = report.dmarc();
    if (dmarc.published().isEmpty() || dmarc.published().get().rua().isEmpty()) {
      return;
    }
    boolean isHelo = mailFrom.isEmpty();
    observations.record(new DmarcObservation(sourceIp, dmarc.fromDomain(), dmarc.published().get(),
        isRefused ? Dmarc.Policy.REJECT : Dmarc.Policy.NONE, dmarc.isDkimAligned(), dmarc.isSpfAligned(), report.dkim(),
        isHelo ? helo : mailFrom.substring(mailFrom.lastIndexOf('@') + 1), isHelo ? "helo" : "mfrom", report.spf().result()));
  }

  /** Whether this report's DMARC failure is to be refused. */
  boolean isRefused(InboundChecks.Report report) {
    return report.isDmarcFailureWith(Dmarc.Policy.REJECT) && isRejectingOnReject
        || report.isDmarcFailureWith(Dmarc.Policy.QUARANTINE) && isRejectingOnQuarantine;
  }
}
