package dev.hikyaku.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Optional;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/** A JSSE {@link SSLSocket} as a {@link TlsConnection}. */
final class JdkTlsConnection implements TlsConnection {

  /**
   * {@code ExtendedSSLSession.exportKeyingMaterialData(String, byte[], int)}, added in JDK 25 (RFC
   * 5705 exporters); looked up at run time because the code is compiled for Java 21.
   */
  private static final MethodHandle EXPORT_KEYING_MATERIAL = exporter();

  private final SSLSocket socket;
  private SSLSession session;

  JdkTlsConnection(SSLSocket socket) {
    this.socket = socket;
  }

  @Override
  public void handshake() throws IOException {
    socket.startHandshake();
    session = socket.getSession();
  }

  @Override
  public InputStream input() throws IOException {
    return socket.getInputStream();
  }

  @Override
  public OutputStream output() throws IOException {
    return socket.getOutputStream();
  }

  @Override
  public TlsFacts facts() {
    return TlsFacts.of(session);
  }

  @Override
  public boolean hasChannelBinding() {
    // RFC 9266 §3: tls-exporter is defined for TLS 1.3; the JDK must be able to export (25+).
    return EXPORT_KEYING_MATERIAL != null
        && session instanceof ExtendedSSLSession
        && "TLSv1.3".equals(session.getProtocol());
  }

  @Override
  public Optional<byte[]> channelBinding() {
    if (!hasChannelBinding()) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable((byte[]) EXPORT_KEYING_MATERIAL.invoke(
          (ExtendedSSLSession) session, TlsExporter.CHANNEL_BINDING_LABEL, new byte[0], TlsExporter.CHANNEL_BINDING_LENGTH));
    } catch (Throwable e) {
      return Optional.empty(); // no binding: SCRAM-SHA-256-PLUS is simply not offered on this connection
    }
  }

  @Override
  public void close() throws IOException {
    if (!socket.isClosed() && !socket.isOutputShutdown()) {
      try {
        // RFC 8446 §6.1: end with close_notify. Closing the socket outright makes JSSE send a
        // user_canceled alert first, which GnuTLS clients (gsasl, msmtp) report as a fatal error.
        socket.shutdownOutput();
      } catch (IOException | UnsupportedOperationException alreadyGone) {
        // The peer closed first, or the handshake never finished; the TCP socket closes regardless.
      }
    }
    // Not socket.close(): after our close_notify, JSSE's close of a TLS 1.3 socket waits to read the
    // peer's close_notify, which a client that has what it wanted may never send; the session then
    // held its thread and permit until the write deadline (10 s in SocketTransportEnginesTest).
    // The transport closes the TCP socket under this one, which is all that is left to release.
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
}
