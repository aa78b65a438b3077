package dev.hikyaku.net;

import java.io.IOException;
import java.net.Socket;
import java.util.Optional;

/**
 * The seam between the transport and a TLS implementation ({@code tls.engine}): one engine per
 * loaded certificate, made again on every reload by {@link TlsContexts}, turning a connected socket
 * into a {@link TlsConnection}. {@link SocketTransport} does not know which one it has.
 */
sealed interface TlsEngine permits JdkTlsEngine, BoringSslEngine {

  /**
   * A server connection over {@code tcp}, handshake not begun; empty when this engine was retired by a
   * reload in between (the caller asks the newest engine instead).
   */
  Optional<TlsConnection> open(Socket tcp) throws IOException;

  /** No new connections from this engine; those open keep what they hold until they close. */
  void retire();
}
