package dev.hikyaku.net;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/** A {@link Transport} over a TCP socket, upgraded in place by JSSE. */
public final class SocketTransport implements Transport {

  /**
   * {@code ExtendedSSLSession.exportKeyingMaterialData(String, byte[], int)}, added in JDK 25 (RFC
   * 5705 exporters); looked up at run time because the code is compiled for Java 21.
   */
  private static final MethodHandle EXPORT_KEYING_MATERIAL = exporter();

  // RFC 9266 §2: label and length of the tls-exporter channel binding.
  private static final String CHANNEL_BINDING_LABEL = "EXPORTER-Channel-Binding";
  private static final int CHANNEL_BINDING_LENGTH = 32;

  // Large enough for a full EHLO reply or a pipelined batch of replies in one TLS record.
  private static final int OUTPUT_BUFFER = 8192;

  private final TlsContexts tlsContexts;
  private final InetSocketAddress remote;
  private final Socket tcp;
  private final Duration writeTimeout;
  private Socket socket;
  private InputStream in;
  private OutputStream out;
  private TlsFacts tls;
  private SSLSession tlsSession;
  private byte[] channelBinding; // exported on first use: only SCRAM-SHA-256-PLUS needs it

  /**
   * @param writeTimeout the longest one write to the client may block (a client that sends and never
   *     reads fills the socket buffers); then the connection is closed and the write fails with
   *     {@link java.net.SocketTimeoutException}
   */
  public SocketTransport(Socket socket, TlsContexts tlsContexts, Duration writeTimeout) throws IOException {
    this.tcp = socket;
    this.socket = socket;
    this.tlsContexts = tlsContexts;
    this.writeTimeout = writeTimeout;
    this.remote = (InetSocketAddress) socket.getRemoteSocketAddress();
    socket.setTcpNoDelay(true);
    this.in = socket.getInputStream();
    this.out = output(socket);
  }

  /** Buffered output over {@code stream}'s socket, each write within the write timeout (on the TCP socket, which closing unblocks). */
  private OutputStream output(Socket stream) throws IOException {
    return new BufferedOutputStream(new DeadlineOutputStream(stream.getOutputStream(), tcp, writeTimeout), OUTPUT_BUFFER);
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    return in.read(buffer, offset, length);
  }

  @Override
  public void write(byte[] bytes) throws IOException {
    out.write(bytes);
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void setReadTimeout(Duration timeout) throws IOException {
    socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
  }

  @Override
  public void startTls(Duration handshakeTimeout) throws IOException {
    if (tls != null) {
      throw new IllegalStateException("TLS is already active");
    }
    out.flush();
    SSLSocket ssl = tlsContexts.wrapServer(socket, true);
    ssl.setSoTimeout((int) Math.max(1, handshakeTimeout.toMillis()));
    // The read timeout bounds each read only: a client dribbling its ClientHello one octet just
    // inside it would hold the handshake for ever. The whole handshake has the timeout.
    SocketDeadline.bound(tcp, handshakeTimeout, "TLS handshake", ssl::startHandshake);
    socket = ssl;
    in = ssl.getInputStream();
    out = output(ssl);
    tls = TlsFacts.of(ssl.getSession());
    tlsSession = ssl.getSession();
  }

  private static byte[] exportChannelBinding(SSLSession session) {
    // RFC 9266 §3: tls-exporter is defined for TLS 1.3 (1.2 would need extended master secret).
    if (EXPORT_KEYING_MATERIAL == null || !"TLSv1.3".equals(session.getProtocol())
        || !(session instanceof ExtendedSSLSession extended)) {
      return null;
    }
    try {
      return (byte[]) EXPORT_KEYING_MATERIAL.invoke(extended, CHANNEL_BINDING_LABEL, new byte[0], CHANNEL_BINDING_LENGTH);
    } catch (Throwable e) {
      return null; // no binding: SCRAM-SHA-256-PLUS is simply not offered on this connection
    }
  }

  private static MethodHandle exporter() {
    try {
      return MethodHandles.publicLookup()
          .findVirtual(
              ExtendedSSLSession.class,
              "exportKeyingMaterialData",
              MethodType.methodType(byte[].class, String.class, byte[].class, int.class));
    } catch (ReflectiveOperationException e) {
      return null; // JDK 21-24
    }
  }

  @Override
  public boolean hasChannelBinding() {
    // RFC 9266 §3: tls-exporter is defined for TLS 1.3; the JDK must be able to export (25+).
    return EXPORT_KEYING_MATERIAL != null
        && tlsSession instanceof ExtendedSSLSession
        && "TLSv1.3".equals(tlsSession.getProtocol());
  }

  @Override
  public Optional<byte[]> channelBinding() {
    if (channelBinding == null && hasChannelBinding()) {
      channelBinding = exportChannelBinding(tlsSession);
    }
    return Optional.ofNullable(channelBinding).map(byte[]::clone);
  }

  @Override
  public void stopReading() throws IOException {
    // On the TCP socket even under TLS: SSLSocket does not support half-close, and a TLS read that
    // meets end of stream fails, which is what we want.
    if (!tcp.isInputShutdown() && !tcp.isClosed()) {
      tcp.shutdownInput();
    }
  }

  @Override
  public Optional<TlsFacts> tls() {
    return Optional.ofNullable(tls);
  }

  @Override
  public InetSocketAddress remoteAddress() {
    return remote;
  }

  @Override
  public void close() throws IOException {
    if (socket instanceof SSLSocket ssl && !ssl.isClosed() && !ssl.isOutputShutdown()) {
      try {
        // RFC 8446 §6.1: end with close_notify. Closing the socket outright makes JSSE send a
        // user_canceled alert first, which GnuTLS clients (gsasl, msmtp) report as a fatal error.
        ssl.shutdownOutput();
      } catch (IOException | UnsupportedOperationException alreadyGone) {
        // The peer closed first, or the handshake never finished; close below regardless.
      }
    }
    socket.close();
  }
}
