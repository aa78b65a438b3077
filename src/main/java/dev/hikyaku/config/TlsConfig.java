package dev.hikyaku.config;

import dev.hikyaku.net.TlsEngineKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the server certificate comes from.
 *
 * @param certificate PEM certificate chain; when absent (together with {@code privateKey}) the TLS
 *     code generates a self-signed certificate in {@link HikyakuConfig#selfSignedTlsDirectory()}
 * @param privateKey PEM private key; present exactly when {@code certificate} is. Never read here:
 *     the config package only checks that the file exists and is readable.
 * @param reloadCheckInterval how often the files are checked for a renewed certificate; {@link
 *     Duration#ZERO} disables the watcher
 * @param engine the TLS implementation of the SMTP listeners ({@code tls.engine}); the HTTP API
 *     always uses the JDK's
 */
public record TlsConfig(
    Optional<Path> certificate, Optional<Path> privateKey, Duration reloadCheckInterval, TlsEngineKind engine) {

  public TlsConfig {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(reloadCheckInterval, "reloadCheckInterval");
    Objects.requireNonNull(engine, "engine");
    if (certificate.isPresent() != privateKey.isPresent()) {
      throw new IllegalArgumentException("certificate and privateKey must be given together");
    }
  }

  /** With the default engine, {@link Defaults#TLS_ENGINE}. */
  public TlsConfig(Optional<Path> certificate, Optional<Path> privateKey, Duration reloadCheckInterval) {
    this(certificate, privateKey, reloadCheckInterval, Defaults.TLS_ENGINE);
  }

  /** The same with {@code engine} serving the SMTP listeners. */
  public TlsConfig withEngine(TlsEngineKind engine) {
    return new TlsConfig(certificate, privateKey, reloadCheckInterval, engine);
  }

  /** Whether the operator supplied certificate files (otherwise a self-signed one is generated). */
  public boolean hasCertificateFiles() {
    return certificate.isPresent();
  }
}
