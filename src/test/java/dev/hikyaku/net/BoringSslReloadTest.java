package dev.hikyaku.net;

import dev.hikyaku.testing.TestStores;
import org.junit.jupiter.api.Tag;

/**
 * {@link TlsContextsReloadTest} with {@code tls.engine: boringssl}: a reload builds a new Netty
 * context from the new files, new handshakes present the new certificate, old tickets are refused,
 * a broken replacement keeps the old context serving, and the watcher and SIGHUP work the same.
 */
@Tag(TestStores.BORINGSSL)
class BoringSslReloadTest extends TlsContextsReloadTest {

  @Override
  TlsEngineKind engine() {
    return TlsEngineKind.BORINGSSL;
  }
}
