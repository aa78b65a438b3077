package dev.hikyaku.net;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLSocket;

/** A {@link Transport} over a TCP socket, upgraded in place by JSSE. */
public final class SocketTransport implements Transport {

  // Large enough for a full EHLO reply or a pipelined batch of replies in one TLS record.
  private static final int OUTPUT_BUFFER = 8192;

  private final TlsContexts tlsContexts;
  private final InetSocketAddress remote;
  private final InetSocketAddress local;
  private final Socket tcp;
  private Socket socket;
  private InputStream in;
  private OutputStream out;
  private TlsFacts tls;

  public SocketTransport(Socket socket, TlsContexts tlsContexts) throws IOException {
    this.tcp = socket;
    this.socket = socket;
    this.tlsContexts = tlsContexts;
    this.remote = (InetSocketAddress) socket.getRemoteSocketAddress();
    this.local = (InetSocketAddress) socket.getLocalSocketAddress();
    socket.setTcpNoDelay(true);
    this.in = socket.getInputStream();
    this.out = new BufferedOutputStream(socket.getOutputStream(), OUTPUT_BUFFER);
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
    ssl.setSoTimeout((int) handshakeTimeout.toMillis());
    ssl.startHandshake();
    socket = ssl;
    in = ssl.getInputStream();
    out = new BufferedOutputStream(ssl.getOutputStream(), OUTPUT_BUFFER);
    tls = TlsFacts.of(ssl.getSession());
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
  public InetSocketAddress localAddress() {
    return local;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
