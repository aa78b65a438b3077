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

  /**
   * What the client saw after a successful handshake; {@code exporter} is the JDK client's own RFC
   * 9266 tls-exporter value (TLS 1.3), null otherwise.
   */
  record ClientView(String protocol, String cipherSuite, List<X509Certificate> peerChain, byte[] exporter) {
    X509Certificate leaf() {
      return peerChain.getFirst();
    }
  }

  static final String HOSTNAME = "mail.example.test";

  private static final int TIMEOUT_MILLIS = 10_000;

  private final TlsContexts contexts;
  private final ServerSocket server;
  private final BlockingQueue<ServerOutcome> outcomes = new LinkedBlockingQueue<>();
  private final BlockingQueue<java.util.Optional<byte[]>> bindings = new LinkedBlockingQueue<>();
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

  /** The server's tls-exporter of the next completed handshake (empty without one), waiting at most the test timeout. */
  java.util.Optional<byte[]> nextChannelBinding() throws InterruptedException {
    java.util.Optional<byte[]> binding = bindings.poll(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    if (binding == null) {
      throw new AssertionError("the server completed no handshake within " + TIMEOUT_MILLIS + " ms");
    }
    return binding;
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
          Arrays.stream(peer).map(X509Certificate.class::cast).toList(),
          "TLSv1.3".equals(session.getProtocol()) ? clientExporter(session) : null);
    }
  }

  /** One whole client exchange: the certificate the client saw, and every octet the server sent it. */
  record Exchange(X509Certificate leaf, long octetsReceived) {}

  /**
   * Connects with the JDK's defaults, handshakes, closes its side (close_notify) and reads until the
   * server's close_notify, so that a TLS 1.3 NewSessionTicket (RFC 8446 §4.6.1), which arrives after
   * the handshake, reaches the client's session cache: the next exchange with the same context can
   * resume. Counts what the server sent; a resumed handshake has no Certificate message.
   */
  Exchange exchange(SSLContext client) throws IOException {
    var plain = new CountingSocket();
    try (SSLSocket socket = connect(client, null, null, plain)) {
      socket.startHandshake();
      var leaf = (X509Certificate) socket.getSession().getPeerCertificates()[0];
      socket.shutdownOutput();
      while (socket.getInputStream().read() >= 0) {
        // the server sends nothing but its close_notify
      }
      return new Exchange(leaf, plain.received);
    }
  }

  /** A connected client socket, not yet handshaken. */
  SSLSocket connect(SSLContext client, List<String> protocols, List<String> suites)
      throws IOException {
    return connect(client, protocols, suites, new Socket());
  }

  private SSLSocket connect(SSLContext client, List<String> protocols, List<String> suites, Socket plain)
      throws IOException {
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

  /** Counts the octets read from the server, below TLS. */
  private static final class CountingSocket extends Socket {
    private long received;
    private InputStream counting;

    @Override
    public InputStream getInputStream() throws IOException {
      if (counting == null) {
        counting =
            new java.io.FilterInputStream(super.getInputStream()) {
              @Override
              public int read() throws IOException {
                int b = super.read();
                received += b < 0 ? 0 : 1;
                return b;
              }

              @Override
              public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                received += Math.max(n, 0);
                return n;
              }
            };
      }
      return counting;
    }
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

  /** JDK 25's ExtendedSSLSession.exportKeyingMaterialData, by reflection (the code is compiled for 21). */
  private static byte[] clientExporter(SSLSession session) {
    try {
      return (byte[]) javax.net.ssl.ExtendedSSLSession.class
          .getMethod("exportKeyingMaterialData", String.class, byte[].class, int.class)
          .invoke(session, "EXPORTER-Channel-Binding", new byte[0], 32);
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  /** Through the engine of {@code tls.engine}, as the SMTP listeners do ({@link TlsContexts#open}). */
  private void serve(Socket accepted) {
    TlsConnection tls;
    try {
      accepted.setSoTimeout(TIMEOUT_MILLIS);
      tls = contexts.open(accepted);
    } catch (IOException e) {
      outcomes.add(new ServerOutcome.Failed(e));
      closeQuietly(accepted);
      return;
    }
    try {
      try {
        tls.handshake();
      } catch (IOException e) {
        outcomes.add(new ServerOutcome.Failed(e));
        return;
      }
      bindings.add(tls.channelBinding());
      outcomes.add(new ServerOutcome.Completed(tls.facts()));
      drain(tls.input());
    } catch (IOException e) {
      outcomes.add(new ServerOutcome.Failed(e));
    } finally {
      try {
        tls.close();
      } catch (IOException e) {
        // the client went first
      }
      closeQuietly(accepted);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing to do
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
