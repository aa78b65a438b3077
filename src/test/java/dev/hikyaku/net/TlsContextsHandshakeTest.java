package dev.hikyaku.net;

import static dev.hikyaku.net.TlsLoopback.HOSTNAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.net.TlsLoopback.ClientView;
import dev.hikyaku.net.TlsLoopback.ServerOutcome;
import dev.hikyaku.testing.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real handshakes on 127.0.0.1 through the engine the SMTP listeners use ({@link TlsContexts#open}),
 * here JSSE ({@code tls.engine: jdk}); {@link BoringSslHandshakeTest} runs the same with BoringSSL.
 */
@ResourceLock(TestServers.CAPTURED_LOGS)
class TlsContextsHandshakeTest {

  @TempDir Path dir;

  /** The engine under test. */
  TlsEngineKind engine() {
    return TlsEngineKind.JDK;
  }

  TlsContexts serve(TestCertificates certificates) throws TlsSetupException {
    TestCertificates.PemFiles files = certificates.writeTo(dir);
    return TlsContexts.fromPem(files.certificateChain(), files.privateKey(), Duration.ZERO, engine());
  }

  @Test
  void tls13HandshakeSucceedsWithEcdsaKey() throws Exception {
    TestCertificates server = TestCertificates.ecdsa(HOSTNAME);
    try (TlsContexts tls = serve(server);
        var loopback = new TlsLoopback(tls)) {
      ClientView client = loopback.handshake(server.clientContext(), List.of("TLSv1.3"), null);

      assertThat(client.protocol()).isEqualTo("TLSv1.3");
      assertThat(client.cipherSuite()).isEqualTo("TLS_AES_128_GCM_SHA256");
      assertThat(client.leaf()).isEqualTo(server.certificate());
      assertThat(loopback.nextOutcome())
          .isEqualTo(
              new ServerOutcome.Completed(new TlsFacts("TLSv1.3", "TLS_AES_128_GCM_SHA256")));
    }
  }

  @Test
  void tls13HandshakeSucceedsWithRsaKey() throws Exception {
    TestCertificates server = TestCertificates.rsa(HOSTNAME);
    try (TlsContexts tls = serve(server);
        var loopback = new TlsLoopback(tls)) {
      ClientView client = loopback.handshake(server.clientContext());

      assertThat(client.protocol()).isEqualTo("TLSv1.3");
      assertThat(client.leaf()).isEqualTo(server.certificate());
      assertThat(loopback.nextOutcome()).isInstanceOf(ServerOutcome.Completed.class);
    }
  }

  @Test
  void anRsaKeyIsServedAndTheLogSaysWhatAnEcdsaKeyWouldSave() throws Exception {
    TestCertificates rsa = TestCertificates.rsa(HOSTNAME);
    TestCertificates ecdsa = TestCertificates.ecdsa(HOSTNAME);
    // Every server start logs through TlsContexts: this thread's lines are this test's.
    try (var logs = CapturedLogs.ofThisThread(TlsContexts.class, ch.qos.logback.classic.Level.INFO)) {
      try (TlsContexts tls = serve(ecdsa)) {
        assertThat(logs.at(ch.qos.logback.classic.Level.INFO)).isNotEmpty(); // "TLS serving ..."

        assertThat(logs.lines()).noneMatch(line -> line.message().contains("ECDSA P-256"));
      }
      try (TlsContexts tls = serve(rsa);
          var loopback = new TlsLoopback(tls)) {
        assertThat(loopback.handshake(rsa.clientContext()).leaf()).isEqualTo(rsa.certificate());
        // Issue 15, bench/README.md "TLS handshakes": JSSE's RSA-2048 handshake costs the server
        // about twice the CPU of ECDSA P-256.
        assertThat(logs.at(ch.qos.logback.classic.Level.INFO))
            .anyMatch(line -> line.message().startsWith("TLS key is RSA: an ECDSA P-256 certificate"));
      }
    }
  }

  @ParameterizedTest(name = "{0} key, client offers only {1}")
  @CsvSource({
    "EC_P256, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "EC_P256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "EC_P256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "RSA_2048, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "RSA_2048, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "RSA_2048, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
  })
  void tls12HandshakeSucceedsWithEcdheAead(TestCertificates.KeyAlgorithm algorithm, String suite)
      throws Exception {
    TestCertificates server =
        TestCertificates.selfSigned(
            algorithm,
            HOSTNAME,
            java.time.Instant.now().minusSeconds(3600),
            java.time.Instant.now().plus(Duration.ofDays(1)));
    try (TlsContexts tls = serve(server);
        var loopback = new TlsLoopback(tls)) {
      ClientView client =
          loopback.handshake(server.clientContext(), List.of("TLSv1.2"), List.of(suite));

      assertThat(client.protocol()).isEqualTo("TLSv1.2");
      assertThat(client.cipherSuite()).isEqualTo(suite);
      assertThat(loopback.nextOutcome())
          .isEqualTo(new ServerOutcome.Completed(new TlsFacts("TLSv1.2", suite)));
    }
  }

  @Test
  void serverChoosesItsOwnSuiteOrder() throws Exception {
    TestCertificates server = TestCertificates.ecdsa(HOSTNAME);
    try (TlsContexts tls = serve(server);
        var loopback = new TlsLoopback(tls)) {
      // The client prefers ChaCha20 and AES-256; the server's list starts with AES-128-GCM.
      ClientView client =
          loopback.handshake(
              server.clientContext(),
              List.of("TLSv1.2"),
              List.of(
                  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));

      assertThat(client.cipherSuite()).isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    }
  }

  @Test
  void enablesOnlyTls13And12WithForwardSecretAeadSuites() throws Exception {
    try (TlsContexts tls = serve(TestCertificates.ecdsa(HOSTNAME))) {
      assertThat(tls.enabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
      assertThat(tls.enabledCipherSuites())
          .containsExactly(
              "TLS_AES_128_GCM_SHA256",
              "TLS_AES_256_GCM_SHA384",
              "TLS_CHACHA20_POLY1305_SHA256",
              "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
              "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
              "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
              "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
              "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
              "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
      // And wrapServer really applies them, not just reports them.
      try (var socket = new java.net.Socket()) {
        try (var listener =
            new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
          socket.connect(listener.getLocalSocketAddress());
          try (var accepted = listener.accept();
              var wrapped = tls.wrapServer(accepted, true)) {
            assertThat(wrapped.getUseClientMode()).isFalse();
            assertThat(wrapped.getEnabledProtocols())
                .containsExactlyElementsOf(tls.enabledProtocols());
            assertThat(wrapped.getEnabledCipherSuites())
                .containsExactlyElementsOf(tls.enabledCipherSuites());
            assertThat(wrapped.getSSLParameters().getUseCipherSuitesOrder()).isTrue();
          }
        }
      }
    }
  }

  @Test
  void rawHelloControlWithEcdheGcmGetsServerHello() throws Exception {
    // Proves the hand-built hello is well formed, so the refusals below are the server's policy.
    try (TlsContexts tls = serve(TestCertificates.rsa(HOSTNAME));
        var loopback = new TlsLoopback(tls)) {
      RawClientHello.ServerAnswer answer =
          RawClientHello.send(loopback.address(), RawClientHello.TLS_1_2, 0xc02f);

      assertThat(answer.isServerHello()).as("answer %s", answer).isTrue();
      assertThat(answer.chosenSuite()).isEqualTo(0xc02f); // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    }
  }

  @ParameterizedTest(name = "client offering only {0} is refused")
  @CsvSource({"TLSv1.1, 0x0302", "TLSv1, 0x0301"})
  void oldProtocolVersionsAreRefused(String name, String version) throws Exception {
    try (TlsContexts tls = serve(TestCertificates.rsa(HOSTNAME));
        var loopback = new TlsLoopback(tls)) {
      // Suites a TLS 1.0/1.1 client would offer, and ones this server would accept under TLS 1.2.
      RawClientHello.ServerAnswer answer =
          RawClientHello.send(
              loopback.address(), Integer.decode(version), 0xc013, 0xc014, 0x002f, 0xc02f);

      assertThat(answer.isRefusal()).as("answer %s", answer).isTrue();
      assertThat(answer.alertDescription()).isEqualTo(RawClientHello.PROTOCOL_VERSION);
      assertThat(loopback.nextOutcome())
          .isInstanceOfSatisfying(
              ServerOutcome.Failed.class,
              failed -> assertThat(failed.exception()).isInstanceOf(SSLHandshakeException.class));
    }
  }

  @ParameterizedTest(name = "TLS 1.2 client offering only {0} is refused")
  @CsvSource({
    "TLS_RSA_WITH_AES_128_CBC_SHA, 0x002f",
    "TLS_RSA_WITH_AES_128_GCM_SHA256, 0x009c",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, 0xc013",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, 0xc027",
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, 0x009e",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA, 0x000a",
    "TLS_RSA_WITH_NULL_SHA256, 0x003b",
    "TLS_DH_anon_WITH_AES_128_GCM_SHA256, 0x00a6",
  })
  void weakTls12SuitesAreRefused(String name, String suite) throws Exception {
    // An RSA server: every suite above could be used with its key, so only the policy refuses it.
    try (TlsContexts tls = serve(TestCertificates.rsa(HOSTNAME));
        var loopback = new TlsLoopback(tls)) {
      RawClientHello.ServerAnswer answer =
          RawClientHello.send(loopback.address(), RawClientHello.TLS_1_2, Integer.decode(suite));

      assertThat(answer.isRefusal()).as("answer %s", answer).isTrue();
      assertThat(answer.alertDescription()).isEqualTo(RawClientHello.HANDSHAKE_FAILURE);
      assertThat(tls.enabledCipherSuites()).doesNotContain(name);
      assertThat(loopback.nextOutcome()).isInstanceOf(ServerOutcome.Failed.class);
    }
  }

  @Test
  void jdkClientLimitedToACbcSuiteFailsTheHandshake() throws Exception {
    // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 is enabled by the JDK client by default, so this is
    // the server refusing, which the server-side outcome confirms.
    TestCertificates server = TestCertificates.ecdsa(HOSTNAME);
    try (TlsContexts tls = serve(server);
        var loopback = new TlsLoopback(tls)) {
      assertThatThrownBy(
              () ->
                  loopback.handshake(
                      server.clientContext(),
                      List.of("TLSv1.2"),
                      List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256")))
          .isInstanceOf(SSLHandshakeException.class);
      assertThat(loopback.nextOutcome())
          .isInstanceOfSatisfying(
              ServerOutcome.Failed.class,
              failed ->
                  assertThat(failed.exception())
                      .isInstanceOf(SSLHandshakeException.class)
                      .hasMessageContaining("no cipher suites in common"));
    }
  }

  @Test
  void chainWithIntermediateIsPresentedInFull() throws Exception {
    TestCertificates server = TestCertificates.ecdsaWithIntermediate(HOSTNAME);
    try (TlsContexts tls = serve(server);
        var loopback = new TlsLoopback(tls)) {
      // The client trusts only the root: the handshake succeeds only if the intermediate is sent.
      ClientView client = loopback.handshake(server.clientContext());

      assertThat(client.peerChain()).containsExactlyElementsOf(server.chain());
      assertThat(client.peerChain()).hasSize(2);
      assertThat(tls.currentCertificate()).isEqualTo(server.certificate());
    }
  }

  @ParameterizedTest(name = "TLS 1.3 with {0}")
  @CsvSource({"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"})
  void theServersTlsExporterEqualsTheClients(String suite) throws Exception {
    // RFC 9266 tls-exporter, what SCRAM-SHA-256-PLUS binds to; SHA-384 for the AES-256 suite.
    TestCertificates server = TestCertificates.ecdsa(HOSTNAME);
    try (TlsContexts tls = serve(server);
        var loopback = new TlsLoopback(tls)) {
      ClientView client = loopback.handshake(server.clientContext(), List.of("TLSv1.3"), List.of(suite));

      assertThat(client.cipherSuite()).isEqualTo(suite);
      assertThat(client.exporter()).hasSize(32);
      assertThat(loopback.nextChannelBinding()).hasValueSatisfying(binding -> assertThat(binding).isEqualTo(client.exporter()));
    }
  }

  @Test
  void noTlsExporterOverTls12() throws Exception {
    // RFC 9266 §3: without TLS 1.3 (or extended master secret, which we do not rely on) no binding.
    TestCertificates server = TestCertificates.ecdsa(HOSTNAME);
    try (TlsContexts tls = serve(server);
        var loopback = new TlsLoopback(tls)) {
      loopback.handshake(server.clientContext(), List.of("TLSv1.2"), null);

      assertThat(loopback.nextChannelBinding()).isEmpty();
    }
  }
}
