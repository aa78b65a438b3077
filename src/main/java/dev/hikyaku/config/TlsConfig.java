package dev.hikyaku.config;

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
 */
public record TlsConfig(
    Optional<Path> certificate, Optional<Path> privateKey, Duration reloadCheckInterval) {

  public TlsConfig {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(reloadCheckInterval, "reloadCheckInterval");
    if (certificate.isPresent() != privateKey.isPresent()) {
      throw new IllegalArgumentException("certificate and privateKey must be given together");
    }
  }

  /** Whether the operator supplied certificate files (otherwise a self-signed one is generated). */
  public boolean hasCertificateFiles() {
    return certificate.isPresent();
  }
}
