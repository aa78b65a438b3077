package dev.hikyaku.net;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;

/**
 * A {@link Transport} over a TCP socket, upgraded in place by the TLS engine of {@code tls.engine}
 * (JSSE or BoringSSL, see {@link TlsEngine}); which one is not this class's concern.
 */
public final class SocketTransport implements Transport {

  // Large enough for a full EHLO reply or a pipelined batch of replies in one TLS record.
  private static final int OUTPUT_BUFFER = 8192;

  private final TlsContexts tlsContexts;
  private final InetSocketAddress remote;
  private final Socket tcp;
  private final Duration writeTimeout;
  private final SocketDeadline deadline; // the session thread's calls: writes, the handshake
  private InputStream in;
  private OutputStream out;
  private TlsConnection connection;
  private TlsFacts tls;
  private byte[] channelBinding; // exported on first use: only SCRAM-SHA-256-PLUS needs it

  /**
   * @param writeTimeout the longest one write to the client may block (a client that sends and never
   *     reads fills the socket buffers); then the connection is closed and the write fails with
   *     {@link java.net.SocketTimeoutException}
   */
  public SocketTransport(Socket socket, TlsContexts tlsContexts, Duration writeTimeout) throws IOException {
    this.tcp = socket;
    this.tlsContexts = tlsContexts;
    this.writeTimeout = writeTimeout;
    this.remote = (InetSocketAddress) socket.getRemoteSocketAddress();
    this.deadline = SocketDeadline.watch(socket);
    socket.setTcpNoDelay(true);
    this.in = socket.getInputStream();
    this.out = output(socket.getOutputStream());
  }

  /** Buffered output over {@code stream}, each write within the write timeout (on the TCP socket, which closing unblocks). */
  private OutputStream output(OutputStream stream) {
    return new BufferedOutputStream(new DeadlineOutputStream(stream, deadline, writeTimeout), OUTPUT_BUFFER);
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
    // On the TCP socket under TLS too: both engines read the ciphertext from it (JSSE's layered
    // SSLSocket passes its own timeout down to it as well).
    tcp.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
  }

  @Override
  public void startTls(Duration handshakeTimeout) throws IOException {
    if (tls != null) {
      throw new IllegalStateException("TLS is already active");
    }
    out.flush();
    TlsConnection upgraded = tlsContexts.open(tcp);
    tcp.setSoTimeout((int) Math.max(1, handshakeTimeout.toMillis()));
    // The read timeout bounds each read only: a client dribbling its ClientHello one octet just
    // inside it would hold the handshake for ever. The whole handshake has the timeout.
    deadline.run(handshakeTimeout, "TLS handshake", upgraded::handshake);
    connection = upgraded;
    in = upgraded.input();
    out = output(upgraded.output());
    tls = upgraded.facts();
  }

  @Override
  public boolean hasChannelBinding() {
    return connection != null && connection.hasChannelBinding();
  }

  @Override
  public Optional<byte[]> channelBinding() {
    if (channelBinding == null && connection != null) {
      channelBinding = connection.channelBinding().orElse(null);
    }
    return Optional.ofNullable(channelBinding).map(byte[]::clone);
  }

  @Override
  public void stopReading() throws IOException {
    // On the TCP socket even under TLS: SSLSocket does not support half-close, and a TLS read that
    // meets end of stream ends, which is what we want.
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
    try {
      if (connection != null) {
        // close_notify is a write like any other: a client that stopped reading cannot hold it.
        // A guard of its own: close may come from another thread while a write is blocked.
        SocketDeadline.bound(tcp, writeTimeout, "TLS close", connection::close);
      }
    } finally {
      deadline.close();
      try {
        lingerOverUnreadInput();
      } finally {
        tcp.close();
      }
    }
  }

  /** How long, and how many octets, a close waits out a client still sending. */
  private static final Duration LINGER = Duration.ofSeconds(1);
  private static final int LINGER_OCTETS = 1 << 20;

  /**
   * A close with input the server never read makes the kernel answer with a reset, and a reset
   * throws away what the client has received but not yet read: a client that pipelined past a
   * limit would lose the very replies (and the final 421) that say why. As a web server's lingering
   * close: only when unread input is waiting, send FIN after the last reply, then read and discard
   * what still arrives, for at most {@link #LINGER} and {@link #LINGER_OCTETS}, before closing.
   */
  private void lingerOverUnreadInput() {
    try {
      InputStream in = tcp.getInputStream();
      if (tcp.isClosed() || in.available() == 0) {
        return;
      }
      tcp.shutdownOutput();
      long end = System.nanoTime() + LINGER.toNanos();
      byte[] discard = new byte[16 * 1024];
      for (int total = 0; total < LINGER_OCTETS; ) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return;
        }
        tcp.setSoTimeout((int) Math.max(1, left / 1_000_000));
        int n = in.read(discard);
        if (n < 0) {
          return;
        }
        total += n;
      }
    } catch (IOException endedAnyway) {
      // A timeout, a reset or a closed socket: the close below is all that is left to do.
    }
  }
}
