package dev.hikyaku.delivery;

import dev.hikyaku.dns.Tlsa;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * Authenticates an MX host by its DNSSEC-validated TLSA records (RFC 7672 §3, RFC 7671), in place
 * of the WebPKI: the certificate chain the server presents must match one usable record.
 *
 * <ul>
 *   <li>DANE-EE(3): the server's own certificate, or its public key (selector 1), is the one the
 *       record names. Nothing else is checked: not the names in it, not its dates (RFC 7672 §3.1.1).
 *   <li>DANE-TA(2): a certificate the server sends above its own, or that certificate's public key,
 *       is the one the record names, the chain from the server's certificate up to it verifies, each
 *       certificate in it is within its dates, and the server's certificate names the MX host (RFC
 *       7672 §3.1.2 and §3.2.2, the name rules of RFC 6125 §6.4).
 * </ul>
 *
 * PKIX-TA(0) and PKIX-EE(1) never reach this class: they are unusable for SMTP (§3.1.3).
 */
final class DaneTrust extends ServerTrust {

  private final List<Tlsa> records;
  private final String host;
  private final Clock clock;

  DaneTrust(List<Tlsa> records, String host, Clock clock) {
    this.records = records.stream().filter(Tlsa::isUsableForSmtp).toList();
    if (this.records.isEmpty()) {
      throw new IllegalArgumentException("no TLSA record usable for SMTP among " + records);
    }
    this.host = CertificateNames.hostName(Objects.requireNonNull(host, "host"));
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A TLS context that trusts only what {@code records} name, for a handshake with {@code host}. */
  static SSLContext context(List<Tlsa> records, String host, Clock clock) {
    return context(records, host, clock, false);
  }

  /** As above; with {@code isHybrid}, a context of {@link HybridTls} (X25519MLKEM768 offered first). */
  static SSLContext context(List<Tlsa> records, String host, Clock clock, boolean isHybrid) {
    DaneTrust trust = new DaneTrust(records, host, clock);
    return isHybrid ? HybridTls.context(trust) : trust.context();
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException(host + " presented no certificate");
    }
    for (Tlsa record : records) {
      if (record.usage() == Tlsa.DANE_EE && matches(record, chain[0])) {
        return;
      }
    }
    String taFailure = "";
    for (Tlsa record : records) {
      if (record.usage() != Tlsa.DANE_TA) {
        continue;
      }
      for (int anchor = 1; anchor < chain.length; anchor++) {
        if (matches(record, chain[anchor])) {
          taFailure = chainUpTo(chain, anchor);
          if (taFailure.isEmpty()) {
            return;
          }
        }
      }
    }
    throw new CertificateException("the certificate of " + host + " matches none of its TLSA records "
        + records.stream().map(Tlsa::presentation).toList() + " (RFC 7672 §3)" + (taFailure.isEmpty() ? "" : ": " + taFailure));
  }

  /**
   * Why the chain from the server's certificate up to {@code chain[anchor]} (the trust anchor a
   * DANE-TA record names) does not authenticate {@link #host}; empty when it does.
   */
  private String chainUpTo(X509Certificate[] chain, int anchor) {
    Date now = Date.from(clock.instant());
    for (int i = 0; i < anchor; i++) {
      try {
        chain[i].checkValidity(now);
        if (i > 0 && chain[i].getBasicConstraints() < 0) {
          return "certificate " + i + " of the chain is not a CA certificate";
        }
        chain[i].verify(chain[i + 1].getPublicKey());
      } catch (GeneralSecurityException e) {
        return "certificate " + i + " of the chain does not verify: " + e.getMessage();
      }
    }
    return CertificateNames.names(chain[0], host) ? "" : "the server's certificate does not name " + host;
  }

  /** RFC 6698 §2.1: the selected part of {@code certificate}, as the matching type compares it. */
  static boolean matches(Tlsa record, X509Certificate certificate) {
    try {
      byte[] selected = record.selector() == Tlsa.CERT ? certificate.getEncoded() : certificate.getPublicKey().getEncoded();
      byte[] value = switch (record.matchingType()) {
        case Tlsa.FULL -> selected;
        case Tlsa.SHA2_256 -> MessageDigest.getInstance("SHA-256").digest(selected);
        case Tlsa.SHA2_512 -> MessageDigest.getInstance("SHA-512").digest(selected);
        default -> null;
      };
      return value != null && MessageDigest.isEqual(value, record.data());
    } catch (CertificateException | NoSuchAlgorithmException e) {
      return false;
    }
  }

}
