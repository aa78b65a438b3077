package dev.hikyaku.mailauth;

import java.security.PrivateKey;
import java.util.Locale;
import java.util.Objects;

/**
 * A signing key of one domain, published under {@code selector._domainkey.domain} (RFC 6376
 * §3.6.2.1). The private key never appears in {@link #toString()}.
 *
 * @param publicKeyData the p= value of its DNS record
 */
public record DkimKey(String domain, String selector, DkimAlgorithm algorithm, PrivateKey privateKey, String publicKeyData) {

  public DkimKey {
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(publicKeyData, "publicKeyData");
    domain = domain.toLowerCase(Locale.ROOT);
    selector = selector.toLowerCase(Locale.ROOT);
  }

  /** Where the key record lives in DNS. */
  public String recordName() {
    return selector + "._domainkey." + domain;
  }

  /** The TXT record to publish (RFC 6376 §3.6.1; RFC 8463 §4 for k=ed25519). */
  public String record() {
    return "v=DKIM1; k=" + algorithm.keyType() + "; p=" + publicKeyData;
  }

  /**
   * The record as a zone-file line: TXT character-strings hold at most 255 octets (RFC 1035
   * §3.3.14), so a 2048-bit RSA key is split; verifiers join the strings (RFC 6376 §3.6.2.2).
   */
  public String zoneLine() {
    String record = record();
    StringBuilder strings = new StringBuilder();
    for (int i = 0; i < record.length(); i += 250) {
      strings.append(strings.length() == 0 ? "" : " ").append('"').append(record, i, Math.min(record.length(), i + 250)).append('"');
    }
    return recordName() + ". IN TXT ( " + strings + " )";
  }

  @Override
  public String toString() {
    return "DkimKey[" + recordName() + ", " + algorithm.tag() + ", private key (hidden)]";
  }
}
