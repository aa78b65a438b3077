package dev.hikyaku.dns;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One TLSA record (RFC 6698 §2.1): the certificate or public key a TLS server must present, or the
 * trust anchor its chain must lead to. Field names and values as RFC 7218 names them.
 *
 * @param usage {@link #PKIX_TA} 0, {@link #PKIX_EE} 1, {@link #DANE_TA} 2, {@link #DANE_EE} 3
 * @param selector {@link #CERT} 0 (the whole certificate) or {@link #SPKI} 1 (its public key)
 * @param matchingType {@link #FULL} 0, {@link #SHA2_256} 1 or {@link #SHA2_512} 2
 * @param data the certificate association data, exact or as the digest the matching type names
 */
public record Tlsa(int usage, int selector, int matchingType, byte[] data) {

  public static final int PKIX_TA = 0;
  public static final int PKIX_EE = 1;
  public static final int DANE_TA = 2;
  public static final int DANE_EE = 3;
  public static final int CERT = 0;
  public static final int SPKI = 1;
  public static final int FULL = 0;
  public static final int SHA2_256 = 1;
  public static final int SHA2_512 = 2;

  public Tlsa {
    data = data.clone();
  }

  @Override
  public byte[] data() {
    return data.clone();
  }

  /**
   * Whether SMTP may use the record (RFC 7672 §3.1): DANE-TA(2) and DANE-EE(3), with a selector and
   * a matching type RFC 6698 defines. PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP (§3.1.3),
   * where no common set of trusted CAs exists.
   */
  public boolean isUsableForSmtp() {
    return (usage == DANE_TA || usage == DANE_EE) && (selector == CERT || selector == SPKI)
        && (matchingType == FULL || matchingType == SHA2_256 || matchingType == SHA2_512);
  }

  /** As in a zone file: {@code 3 1 1 <hex>}. */
  public String presentation() {
    return usage + " " + selector + " " + matchingType + " " + HexFormat.of().formatHex(data);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Tlsa that && usage == that.usage && selector == that.selector
        && matchingType == that.matchingType && Arrays.equals(data, that.data);
  }

  @Override
  public int hashCode() {
    return ((usage * 31 + selector) * 31 + matchingType) * 31 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "TLSA " + presentation();
  }
}
