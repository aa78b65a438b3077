package dev.hikyaku.net;

import static dev.hikyaku.net.TlsLoopback.HOSTNAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.net.TlsLoopback.ClientView;
import dev.hikyaku.net.TlsLoopback.ServerOutcome;
import dev.hikyaku.testing.TestStores;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link TlsContextsHandshakeTest} again with {@code tls.engine: boringssl} (netty-tcnative), where
 * BoringSSL differs only in what it is allowed to: its TLS 1.3 suite follows the client's order, and
 * its words for a refusal are its own.
 */
@Tag(TestStores.BORINGSSL)
class BoringSslHandshakeTest extends TlsContextsHandshakeTest {

  @Override
  TlsEngineKind engine() {
    return TlsEngineKind.BORINGSSL;
  }

  @Override
  @Test
  void tls13HandshakeSucceedsWithEcdsaKey() throws Exception {
    TestCertificates server = TestCertificates.ecdsa(HOSTNAME);
    try (TlsContexts tls = serve(server);
        var loopback = new TlsLoopback(tls)) {
      ClientView client = loopback.handshake(server.clientContext(), List.of("TLSv1.3"), null);

      assertThat(client.protocol()).isEqualTo("TLSv1.3");
      // BoringSSL's TLS 1.3 suites cannot be ordered by the server (all three are AEAD).
      assertThat(client.cipherSuite()).isIn("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");
      assertThat(client.leaf()).isEqualTo(server.certificate());
      assertThat(loopback.nextOutcome())
          .isEqualTo(new ServerOutcome.Completed(new TlsFacts("TLSv1.3", client.cipherSuite())));
    }
  }

  @Override
  @Test
  void jdkClientLimitedToACbcSuiteFailsTheHandshake() throws Exception {
    TestCertificates server = TestCertificates.ecdsa(HOSTNAME);
    try (TlsContexts tls = serve(server);
        var loopback = new TlsLoopback(tls)) {
      assertThatThrownBy(
              () -> loopback.handshake(
                  server.clientContext(), List.of("TLSv1.2"), List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256")))
          .isInstanceOf(SSLHandshakeException.class);
      assertThat(loopback.nextOutcome())
          .isInstanceOfSatisfying(
              ServerOutcome.Failed.class,
              failed -> assertThat(failed.exception()).isInstanceOf(javax.net.ssl.SSLException.class)
                  .hasMessageContaining("NO_SHARED_CIPHER"));
    }
  }

  @Test
  void connectionsFailedOrNotLeaveNoExporterSecretAndAReloadFreesTheOldContext() throws Exception {
    TestCertificates server = TestCertificates.ecdsa(HOSTNAME);
    try (TlsContexts tls = serve(server);
        var loopback = new TlsLoopback(tls)) {
      var first = (BoringSslEngine) tls.inboundEngine();
      for (int i = 0; i < 20; i++) {
        loopback.handshake(server.clientContext(), List.of("TLSv1.3"), null);
        assertThat(loopback.nextOutcome()).isInstanceOf(ServerOutcome.Completed.class);
        RawClientHello.send(loopback.address(), RawClientHello.TLS_1_2, 0x002f); // refused
        assertThat(loopback.nextOutcome()).isInstanceOf(ServerOutcome.Failed.class);
      }
      // The key log keeps a secret from the server's Finished to the end of the handshake only.
      org.awaitility.Awaitility.await().untilAsserted(() -> assertThat(first.keptExporterSecrets()).isZero());

      assertThat(tls.reload()).isTrue();
      // Every connection from the first context has closed: the reload freed it.
      org.awaitility.Awaitility.await().untilAsserted(() -> assertThat(first.isFreed()).isTrue());
      var second = (BoringSslEngine) tls.inboundEngine();
      assertThat(second).isNotSameAs(first);
      assertThat(loopback.handshake(server.clientContext()).leaf()).isEqualTo(server.certificate());
    }
  }
}
