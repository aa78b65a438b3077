package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.net.TlsEngineKind;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link ScramInteropTest} again with {@code tls.engine: boringssl}: SCRAM-SHA-256-PLUS with gsasl (the tls-exporter from the key log, RFC 9266) and SCRAM with msmtp. */
@Tag("interop")
class BoringSslScramInteropTest extends ScramInteropTest {

  @BeforeAll
  static void start() throws Exception {
    // After ScramInteropTest.start() (JUnit runs both): replaces its JDK-engine server.
    startWith(TlsEngineKind.BORINGSSL);
  }

  @Test
  void theListenersServeBoringSsl() {
    assertThat(server.server().tls().engine()).isEqualTo(TlsEngineKind.BORINGSSL);
  }
}
