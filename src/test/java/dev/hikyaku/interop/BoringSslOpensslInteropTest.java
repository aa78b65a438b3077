package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.net.TlsEngineKind;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link OpensslInteropTest} again with {@code tls.engine: boringssl}: openssl s_client: TLS 1.3 over STARTTLS and implicit TLS, TLS 1.2 ECDHE-ECDSA-AES-GCM accepted; TLS 1.1, static RSA with CBC and no common version refused by the server. */
@Tag("interop")
class BoringSslOpensslInteropTest extends OpensslInteropTest {

  @BeforeAll
  static void start() throws Exception {
    // After OpensslInteropTest.start() (JUnit runs both): replaces its JDK-engine server.
    startWith(TlsEngineKind.BORINGSSL);
  }

  @Test
  void theListenersServeBoringSsl() {
    assertThat(server.server().tls().engine()).isEqualTo(TlsEngineKind.BORINGSSL);
  }
}
