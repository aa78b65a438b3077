package dev.hikyaku.net;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * A byte stream to one client that can switch to TLS in place. The session reads and writes through
 * this and never sees a socket, so the same session runs over TCP, TLS, or in memory in tests.
 */
public interface Transport extends Closeable {

  /**
   * Reads available bytes, blocking until at least one arrives.
   *
   * @return the number read, or -1 at end of stream
   * @throws java.net.SocketTimeoutException when nothing arrived within the read timeout
   */
  int read(byte[] buffer, int offset, int length) throws IOException;

  /** Buffers bytes for the client; {@link #flush()} sends them. */
  void write(byte[] bytes) throws IOException;

  void flush() throws IOException;

  /** The longest a {@link #read} may block; {@code Duration.ZERO} means no limit. */
  void setReadTimeout(Duration timeout) throws IOException;

  /**
   * Performs the server side of a TLS handshake on the connection (RFC 3207 §4 after STARTTLS, or at
   * once for implicit TLS, RFC 8314 §3.3). The caller must have discarded any bytes it read ahead.
   */
  void startTls(Duration handshakeTimeout) throws IOException;

  /**
   * Makes a read that is blocked, or the next one, end as at end of stream, without closing the
   * write side: the session can still say goodbye (graceful shutdown, 421 4.3.2).
   */
  void stopReading() throws IOException;

  /**
   * The RFC 9266 tls-exporter channel binding of the TLS session (32 octets exported with the label
   * "EXPORTER-Channel-Binding" and an empty context), when TLS 1.3 is active and the JDK can export
   * keying material (JDK 25+). SCRAM-SHA-256-PLUS is offered only when this is present.
   */
  Optional<byte[]> channelBinding();

  /** Whether {@link #channelBinding()} can be had, without computing it (it costs an export). */
  default boolean hasChannelBinding() {
    return channelBinding().isPresent();
  }

  /** The negotiated TLS parameters, once a handshake completed. */
  Optional<TlsFacts> tls();

  InetSocketAddress remoteAddress();
}
