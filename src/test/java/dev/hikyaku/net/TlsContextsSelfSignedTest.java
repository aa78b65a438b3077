package dev.hikyaku.net;

import static dev.hikyaku.net.TlsLoopback.HOSTNAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.hikyaku.testing.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/** The first-start certificate: generated once, reused, replaced only when it no longer fits. */
class TlsContextsSelfSignedTest {

  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

  @TempDir Path dir;

  private static Clock at(Instant instant) {
    return Clock.fixed(instant, ZoneOffset.UTC);
  }

  private TlsContexts selfSigned(String hostname, Instant now) throws TlsSetupException {
    return TlsContexts.selfSigned(hostname, dir, Duration.ZERO, at(now), new SecureRandom());
  }

  @Test
  void generatesAnEcdsaP256ServerCertificateForTheHostname() throws Exception {
    X509Certificate certificate;
    try (TlsContexts tls = selfSigned(HOSTNAME, NOW)) {
      certificate = tls.currentCertificate();
    }

    assertThat(certificate.getVersion()).isEqualTo(3);
    assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=" + HOSTNAME);
    assertThat(certificate.getIssuerX500Principal()).isEqualTo(certificate.getSubjectX500Principal());
    certificate.verify(certificate.getPublicKey()); // self-signed
    assertThat(certificate.getSubjectAlternativeNames()).containsExactly(List.of(2, HOSTNAME));
    assertThat(certificate.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(certificate.getKeyUsage()[0]).as("digitalSignature").isTrue();
    assertThat(certificate.getBasicConstraints()).as("not a CA").isEqualTo(-1);
    assertThat(certificate.getPublicKey()).isInstanceOf(ECPublicKey.class);
    assertThat(((ECPublicKey) certificate.getPublicKey()).getParams().getCurve().getField().getFieldSize())
        .isEqualTo(256);
    assertThat(certificate.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(Duration.between(
            certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant()))
        .isEqualTo(Duration.ofDays(825));
    assertThat(certificate.getNotBefore().toInstant()).isBefore(NOW);
    assertThat(Files.readString(dir.resolve("selfsigned-key.pem")))
        .startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(Files.getPosixFilePermissions(dir.resolve("selfsigned-key.pem")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(dir).isDirectoryNotContaining("glob:**.tmp");
  }

  @Test
  void aClientVerifyingTheHostnameAcceptsIt() throws Exception {
    try (TlsContexts tls = TlsContexts.selfSigned(HOSTNAME, dir, Duration.ZERO);
        var loopback = new TlsLoopback(tls)) {
      // TlsLoopback's client checks the certificate names mail.example.test (RFC 6125).
      var client = TestCertificates.clientContextTrusting(tls.currentCertificate());

      assertThat(loopback.handshake(client).leaf()).isEqualTo(tls.currentCertificate());
    }
  }

  @Test
  void reusesTheFilesOnTheNextStart() throws Exception {
    X509Certificate first;
    try (TlsContexts tls = selfSigned(HOSTNAME, NOW)) {
      first = tls.currentCertificate();
    }
    String keyBefore = Files.readString(dir.resolve("selfsigned-key.pem"));

    try (TlsContexts tls = selfSigned(HOSTNAME, NOW.plus(Duration.ofDays(800)))) {
      assertThat(tls.currentCertificate()).isEqualTo(first);
    }
    assertThat(Files.readString(dir.resolve("selfsigned-key.pem"))).isEqualTo(keyBefore);
  }

  @Test
  void hostnameIsMatchedWithoutRegardToCaseOrTheRootDot() throws Exception {
    X509Certificate first;
    try (TlsContexts tls = selfSigned("Mail.Example.Test.", NOW)) {
      first = tls.currentCertificate();
      assertThat(first.getSubjectAlternativeNames()).containsExactly(List.of(2, HOSTNAME));
    }
    try (TlsContexts tls = selfSigned(HOSTNAME, NOW)) {
      assertThat(tls.currentCertificate()).isEqualTo(first);
    }
  }

  @Test
  void regeneratesForAnotherHostname() throws Exception {
    X509Certificate first;
    try (TlsContexts tls = selfSigned(HOSTNAME, NOW)) {
      first = tls.currentCertificate();
    }

    try (TlsContexts tls = selfSigned("smtp.example.test", NOW)) {
      assertThat(tls.currentCertificate()).isNotEqualTo(first);
      assertThat(SelfSignedCertificate.coversHost(tls.currentCertificate(), "smtp.example.test"))
          .isTrue();
      assertThat(SelfSignedCertificate.coversHost(tls.currentCertificate(), HOSTNAME)).isFalse();
    }
  }

  @Test
  void regeneratesOnceExpired() throws Exception {
    X509Certificate first;
    try (TlsContexts tls = selfSigned(HOSTNAME, NOW)) {
      first = tls.currentCertificate();
    }
    Instant afterExpiry = first.getNotAfter().toInstant().plusSeconds(1);

    try (TlsContexts tls = selfSigned(HOSTNAME, afterExpiry)) {
      assertThat(tls.currentCertificate()).isNotEqualTo(first);
      assertThat(tls.currentCertificate().getNotAfter().toInstant()).isAfter(afterExpiry);
    }
  }

  @Test
  void regeneratesWhenTheKeyFileIsDamaged() throws Exception {
    X509Certificate first;
    try (TlsContexts tls = selfSigned(HOSTNAME, NOW)) {
      first = tls.currentCertificate();
    }
    Files.writeString(dir.resolve("selfsigned-key.pem"), "truncated");

    try (TlsContexts tls = selfSigned(HOSTNAME, NOW)) {
      assertThat(tls.currentCertificate()).isNotEqualTo(first);
    }
  }

  @Test
  void coversAnIpLiteralWithAnIpAddressName() throws Exception {
    try (TlsContexts tls = selfSigned("127.0.0.1", NOW)) {
      assertThat(tls.currentCertificate().getSubjectAlternativeNames())
          .containsExactly(List.of(7, "127.0.0.1"));
      assertThat(SelfSignedCertificate.coversHost(tls.currentCertificate(), "127.0.0.1")).isTrue();
    }
  }

  @Test
  @ResourceLock(TestServers.CAPTURED_LOGS)
  void warnsLoudlyHowToConfigureARealCertificate() throws Exception {
    // Every test server starts with a self-signed certificate and says so: this thread's warning is this test's.
    try (var logs = CapturedLogs.ofThisThread(TlsContexts.class, null);
        TlsContexts tls = selfSigned(HOSTNAME, NOW)) {
      assertThat(logs.at(Level.WARN))
          .filteredOn(line -> line.message().contains(dir.toString()))
          .singleElement()
          .satisfies(
              line ->
                  assertThat(line.message())
                      .contains("SELF-SIGNED")
                      .contains(HOSTNAME)
                      .contains("tls.certificate:")
                      .contains("tls.private-key:")
                      .contains(dir.resolve("selfsigned-cert.pem").toString())
                      .satisfies(text -> assertThat(text.lines().count()).isGreaterThan(10)));
      assertThat(tls.currentCertificate()).isNotNull();
    }
  }

  @Test
  void refusesSomethingThatIsNoHostname() {
    assertThatThrownBy(() -> selfSigned("mail example", NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'mail example'");
    assertThatThrownBy(() -> selfSigned(" ", NOW)).isInstanceOf(IllegalArgumentException.class);
  }
}
