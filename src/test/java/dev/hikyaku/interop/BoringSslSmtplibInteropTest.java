package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.net.TlsEngineKind;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link SmtplibInteropTest} again with {@code tls.engine: boringssl}: Python smtplib's STARTTLS and implicit TLS sessions. */
@Tag("interop")
class BoringSslSmtplibInteropTest extends SmtplibInteropTest {

  @BeforeAll
  static void start() throws Exception {
    // After SmtplibInteropTest.start() (JUnit runs both): replaces its JDK-engine server.
    startWith(TlsEngineKind.BORINGSSL);
  }

  @Test
  void theListenersServeBoringSsl() {
    assertThat(server.server().tls().engine()).isEqualTo(TlsEngineKind.BORINGSSL);
  }
}
