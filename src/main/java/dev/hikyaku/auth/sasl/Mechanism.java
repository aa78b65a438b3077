package dev.hikyaku.auth.sasl;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The SASL mechanisms this server implements (RFC 4954 §3 announces them by these names). */
public enum Mechanism {
  /** RFC 4616: the password in the clear. */
  PLAIN("PLAIN"),
  /** draft-murchison-sasl-login: the password in the clear, in two steps. */
  LOGIN("LOGIN"),
  /** RFC 2195: challenge-response over a plaintext-equivalent secret. */
  CRAM_MD5("CRAM-MD5"),
  /** RFC 5802 / RFC 7677. */
  SCRAM_SHA_256("SCRAM-SHA-256"),
  /** RFC 5802 with tls-exporter channel binding (RFC 9266): proves the TLS session is the client's. */
  SCRAM_SHA_256_PLUS("SCRAM-SHA-256-PLUS"),
  /** Google's XOAUTH2: a bearer token. */
  XOAUTH2("XOAUTH2"),
  /** RFC 7628: a bearer token. */
  OAUTHBEARER("OAUTHBEARER");

  private final String saslName;

  Mechanism(String saslName) {
    this.saslName = saslName;
  }

  public String saslName() {
    return saslName;
  }

  public boolean needsChannelBinding() {
    return this == SCRAM_SHA_256_PLUS;
  }

  public boolean isBearer() {
    return this == XOAUTH2 || this == OAUTHBEARER;
  }

  public static Optional<Mechanism> bySaslName(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    return Arrays.stream(values()).filter(m -> m.saslName.equals(upper)).findFirst();
  }
}
