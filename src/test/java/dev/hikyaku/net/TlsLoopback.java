package dev.hikyaku.net;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * A TLS server on 127.0.0.1 (ephemeral port) that wraps every accepted socket with {@link
 * TlsContexts#wrapServer} and records how each server-side handshake ended, plus a plain JDK client.
 */
final class TlsLoopback implements AutoCloseable {

  /** How one server-side handshake ended. */
  sealed interface ServerOutcome {
    record Completed(TlsFacts facts) implements ServerOutcome {}

    record Failed(IOException exception) implements ServerOutcome {}
  }

  /** What the client saw after a successful handshake. */
  record ClientView(String protocol, String cipherSuite, List<X509Certificate> peerChain) {
    X509Certificate leaf() {
      return peerChain.getFirst();
    }
  }

  static final String HOSTNAME = "mail.example.test";

  private static final int TIMEOUT_MILLIS = 10_000;

  private final TlsContexts contexts;
  private final ServerSocket server;
  private final BlockingQueue<ServerOutcome> outcomes = new LinkedBlockingQueue<>();
  private final Thread acceptor;

  TlsLoopback(TlsContexts contexts) throws IOException {
    this.contexts = contexts;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = Thread.ofVirtual().name("tls-loopback-accept").start(this::acceptLoop);
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
  }

  /** The next server-side outcome, waiting at most the test timeout. */
  ServerOutcome nextOutcome() throws InterruptedException {
    ServerOutcome outcome = outcomes.poll(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    if (outcome == null) {
      throw new AssertionError("the server saw no handshake within " + TIMEOUT_MILLIS + " ms");
    }
    return outcome;
  }

  /** Handshakes with the JDK's defaults for protocols and suites, verifying the hostname. */
  ClientView handshake(SSLContext client) throws IOException {
    return handshake(client, null, null);
  }

  /**
   * Connects a plain JDK client offering only {@code protocols} and {@code suites} (null: the JDK's
   * defaults), with hostname verification for {@link #HOSTNAME}, and handshakes.
   */
  ClientView handshake(SSLContext client, List<String> protocols, List<String> suites)
      throws IOException {
    try (SSLSocket socket = connect(client, protocols, suites)) {
      socket.startHandshake();
      SSLSession session = socket.getSession();
      Certificate[] peer = session.getPeerCertificates();
      return new ClientView(
          session.getProtocol(),
          session.getCipherSuite(),
          Arrays.stream(peer).map(X509Certificate.class::cast).toList());
    }
  }

  /** A connected client socket, not yet handshaken. */
  SSLSocket connect(SSLContext client, List<String> protocols, List<String> suites)
      throws IOException {
    var plain = new Socket();
    plain.connect(address(), TIMEOUT_MILLIS);
    plain.setSoTimeout(TIMEOUT_MILLIS);
    var socket =
        (SSLSocket) client.getSocketFactory().createSocket(plain, HOSTNAME, address().getPort(), true);
    SSLParameters parameters = socket.getSSLParameters();
    // A real client checks the certificate names the host it wanted (RFC 6125).
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    if (protocols != null) {
      parameters.setProtocols(protocols.toArray(String[]::new));
    }
    if (suites != null) {
      parameters.setCipherSuites(suites.toArray(String[]::new));
    }
    socket.setSSLParameters(parameters);
    return socket;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket accepted;
      try {
        accepted = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      Thread.ofVirtual().start(() -> serve(accepted));
    }
  }

  private void serve(Socket accepted) {
    try (SSLSocket tls = contexts.wrapServer(accepted, true)) {
      tls.setSoTimeout(TIMEOUT_MILLIS);
      try {
        tls.startHandshake();
      } catch (IOException e) {
        outcomes.add(new ServerOutcome.Failed(e));
        return;
      }
      outcomes.add(new ServerOutcome.Completed(TlsFacts.of(tls.getSession())));
      drain(tls.getInputStream());
    } catch (IOException e) {
      outcomes.add(new ServerOutcome.Failed(e));
    }
  }

  private static void drain(InputStream in) {
    try {
      while (in.read() >= 0) {
        // until the client closes
      }
    } catch (SocketException e) {
      // client went away
    } catch (IOException e) {
      // the client may close without close_notify; nothing to record after a completed handshake
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    try {
      acceptor.join(TIMEOUT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
