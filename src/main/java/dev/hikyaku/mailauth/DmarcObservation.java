package dev.hikyaku.mailauth;

import java.util.List;
import java.util.Objects;

/**
 * One message's DMARC evaluation as an aggregate report counts it (RFC 7489 §7.2, Appendix C
 * "record"): where it came from, its From domain, the policy published and the disposition
 * applied, the two alignments, and the underlying DKIM and SPF results.
 *
 * @param sourceIp the connecting client's address, textual
 * @param disposition what was done: {@code reject} when refused, else {@code none} (failing mail is
 *     marked in its Authentication-Results field, never quarantined here)
 * @param spfDomain the domain SPF checked (MAIL FROM's, or HELO's for the null sender)
 * @param spfScope {@code mfrom} or {@code helo}
 */
public record DmarcObservation(String sourceIp, String headerFrom, Dmarc.Published published, Dmarc.Policy disposition,
    boolean isDkimAligned, boolean isSpfAligned, List<DkimVerifier.Signature> dkim, String spfDomain, String spfScope,
    Spf.Result spf) {

  public DmarcObservation {
    Objects.requireNonNull(published, "published");
    dkim = List.copyOf(dkim);
  }

  /** Where observations go. */
  @FunctionalInterface
  public interface Sink {
    void record(DmarcObservation observation);

    /** Keeps none. */
    Sink NONE = observation -> {};
  }
}
