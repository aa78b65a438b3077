package dev.hikyaku.net;

import java.io.IOException;
import java.net.Socket;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** JSSE ({@code tls.engine: jdk}): an {@link SSLSocket} layered over the connection. */
record JdkTlsEngine(SSLContext context, List<String> protocols, List<String> cipherSuites) implements TlsEngine {

  @Override
  public Optional<TlsConnection> open(Socket tcp) throws IOException {
    return Optional.of(new JdkTlsConnection(wrap(tcp, true)));
  }

  @Override
  public void retire() {
    // Nothing to free: JSSE's context is garbage once no socket refers to it.
  }

  /**
   * A server-mode {@link SSLSocket} over {@code connected} with only our protocols and suites, in
   * server preference order; the handshake not started.
   */
  SSLSocket wrap(Socket connected, boolean autoClose) throws IOException {
    var socket =
        (SSLSocket)
            context
                .getSocketFactory()
                .createSocket(connected, connected.getInetAddress().getHostAddress(), connected.getPort(), autoClose);
    socket.setUseClientMode(false);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setProtocols(protocols.toArray(String[]::new));
    parameters.setCipherSuites(cipherSuites.toArray(String[]::new));
    // Our order, not the client's: a client listing CHACHA20 or AES-256 first still gets our choice.
    parameters.setUseCipherSuitesOrder(true);
    parameters.setNeedClientAuth(false);
    socket.setSSLParameters(parameters);
    return socket;
  }
}
