package dev.hikyaku.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * One server-side TLS connection over a connected TCP socket, made by a {@link TlsEngine}: what
 * {@link SocketTransport} needs from it, whichever engine made it.
 *
 * <p>Life: {@link #handshake()} once (the caller bounds it with a deadline); then the streams, the
 * facts and the channel binding; then {@link #close()} once. A failed handshake has already freed
 * whatever the connection held (native memory, exporter secret); the caller still closes the socket.
 */
sealed interface TlsConnection permits JdkTlsConnection, EngineTlsConnection {

  /** The server side of the handshake, blocking on the socket (its read timeout applies to each read). */
  void handshake() throws IOException;

  /** Plaintext from the client; -1 at close_notify or end of stream. Valid after the handshake. */
  InputStream input() throws IOException;

  /** Plaintext to the client, unbuffered: each write goes out as records at once. */
  OutputStream output() throws IOException;

  /** Protocol and suite, from the session the handshake made. */
  TlsFacts facts();

  /** Whether {@link #channelBinding()} can be had (TLS 1.3 and an exporter), without computing it. */
  boolean hasChannelBinding();

  /** RFC 9266 tls-exporter: 32 octets, label "EXPORTER-Channel-Binding", empty context. */
  Optional<byte[]> channelBinding();

  /** Sends close_notify (RFC 8446 §6.1) if it can, frees the connection's resources and closes the socket. */
  void close() throws IOException;
}
