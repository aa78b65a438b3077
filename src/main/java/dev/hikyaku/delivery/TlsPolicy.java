package dev.hikyaku.delivery;

/**
 * How an {@link OutboundSession} uses TLS towards one destination.
 *
 * <p>Every failure that TLS causes is transient: a broken handshake, a missing STARTTLS or an
 * unverifiable certificate may be fixed by the receiving side, so the message waits in the queue
 * rather than bouncing, and it is never sent in plaintext instead.
 */
public enum TlsPolicy {
  /**
   * RFC 3207 and RFC 7435 (opportunistic security): STARTTLS when the server offers it, certificate
   * not verified. A server that does not offer STARTTLS, or refuses the command, gets plaintext; a
   * handshake that starts and fails fails the attempt (transient), since falling back after a failed
   * handshake is what a downgrade attacker wants.
   */
  OPPORTUNISTIC,
  /** STARTTLS must be offered and succeed; the certificate is not verified. */
  REQUIRE,
  /**
   * STARTTLS must succeed and the certificate chain must verify against the JDK trust store (or the
   * given context's trust managers), with the MX host name checked as HTTPS does (RFC 6125 / RFC
   * 2818 §3.1 rules).
   */
  VERIFY,
  /** TLS from the first byte (RFC 8314 §3.3, port 465 smarthosts), verified as {@link #VERIFY}. */
  IMPLICIT,
  /**
   * RFC 7672: STARTTLS must succeed and the certificate must match the MX host's DNSSEC-validated
   * TLSA records (the context given is {@link DaneTrust}'s). Chosen per host by {@link Dane}, never
   * configured.
   */
  DANE;

  /** Whether the peer's certificate is authenticated (WebPKI or DANE). */
  boolean isVerified() {
    return this == VERIFY || this == IMPLICIT || this == DANE;
  }

  /** Whether the certificate must name the host as HTTPS checks it (RFC 6125); DANE checks its own way. */
  boolean checksNameAsHttps() {
    return this == VERIFY || this == IMPLICIT;
  }
}
