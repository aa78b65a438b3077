package dev.hikyaku.net;

import java.util.List;
import java.util.Locale;

/**
 * The TLS key exchange groups the SMTP listeners offer, in order of preference ({@code
 * tls.key-exchange}; RFC 8446 §4.2.7).
 */
public enum KeyExchange {
  /** X25519 (what mail clients send a key share for), then P-256 and P-384. */
  CLASSIC(List.of("X25519", "P-256", "P-384")),
  /**
   * X25519MLKEM768 first (draft-ietf-tls-ecdhe-mlkem: X25519 together with ML-KEM-768 of FIPS 203,
   * so that traffic recorded today stays secret from a quantum computer later, and no weaker than
   * X25519 alone should ML-KEM fail), then the classic groups for clients without it. BoringSSL only:
   * the JDK's TLS (25) has no hybrid group.
   */
  HYBRID(List.of("X25519MLKEM768", "X25519", "P-256", "P-384"));

  private final List<String> groups;

  KeyExchange(List<String> groups) {
    this.groups = groups;
  }

  /** The groups as BoringSSL names them. */
  public List<String> groups() {
    return groups;
  }

  /** As in the config file. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
