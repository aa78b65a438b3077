package dev.hikyaku.delivery;

import dev.hikyaku.protocol.EnhancedStatus;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.util.Locale;
import java.util.Optional;

/** The RFC 8460 §4.3 result type of a session that failed on TLS, from what the failure says. */
final class TlsFailures {

  private TlsFailures() {}

  /**
   * The result type of {@code failure}: {@code starttls-not-supported} when a policy needed TLS
   * and the server offered none ({@code 4.7.10}); for a handshake that failed ({@code 4.7.5}), an
   * expired certificate, a name that does not match, a chain that leads to no trusted root, a
   * certificate none of the TLSA records match, or else {@code validation-failure}. Empty for
   * failures that are not TLS's (no connection, a refusal).
   */
  static Optional<TlsSession.Failure> of(OutboundException failure) {
    EnhancedStatus status = failure.status().status();
    if (status.equals(EnhancedStatus.of(4, 7, 10))) {
      return Optional.of(TlsSession.Failure.STARTTLS_NOT_SUPPORTED);
    }
    if (!status.equals(EnhancedStatus.of(4, 7, 5))) {
      return Optional.empty();
    }
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof CertificateExpiredException) {
        return Optional.of(TlsSession.Failure.CERTIFICATE_EXPIRED);
      }
    }
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
      if (message.contains("tlsa record")) {
        return Optional.of(TlsSession.Failure.TLSA_INVALID);
      }
      // The JDK's endpoint identification: "No subject alternative DNS name matching ... found."
      if (message.contains("no subject alternative") || message.contains("no name matching")) {
        return Optional.of(TlsSession.Failure.CERTIFICATE_HOST_MISMATCH);
      }
      if (cause instanceof CertPathBuilderException || cause instanceof CertPathValidatorException
          || message.contains("unable to find valid certification path")) {
        return Optional.of(TlsSession.Failure.CERTIFICATE_NOT_TRUSTED);
      }
    }
    return Optional.of(TlsSession.Failure.VALIDATION_FAILURE);
  }
}
