package dev.hikyaku.net;

/**
 * {@link TlsContextsReloadTest} with {@code tls.engine: boringssl}: a reload builds a new Netty
 * context from the new files, new handshakes present the new certificate, old tickets are refused,
 * a broken replacement keeps the old context serving, and the watcher and SIGHUP work the same.
 */
class BoringSslReloadTest extends TlsContextsReloadTest {

  @Override
  TlsEngineKind engine() {
    return TlsEngineKind.BORINGSSL;
  }
}
