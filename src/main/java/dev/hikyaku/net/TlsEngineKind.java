package dev.hikyaku.net;

import java.util.Locale;
import java.util.Optional;

/**
 * Which TLS implementation serves the inbound SMTP listeners ({@code tls.engine}). Both offer the same
 * protocols, suites, certificate and reload; they differ in cost (issue 15: BoringSSL's full TLS 1.3
 * handshake takes 0.36x JSSE's server CPU with the same ECDSA key, bench/README.md).
 */
public enum TlsEngineKind {
  /** JSSE, the JDK's own TLS: an {@code SSLSocket} over the connection. The default. */
  JDK,
  /** BoringSSL through netty-tcnative: Netty's {@code SSLEngine} driven over the blocking socket. */
  BORINGSSL;

  /**
   * Why this engine cannot run in this process, or empty when it can. BoringSSL is native code
   * (linux-x86_64 only); asking loads it.
   */
  public Optional<String> unavailability() {
    return switch (this) {
      case JDK -> Optional.empty();
      case BORINGSSL -> BoringSslEngine.unavailability();
    };
  }

  /** The name used in config files and logs. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
