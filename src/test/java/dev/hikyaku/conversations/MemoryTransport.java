package dev.hikyaku.conversations;

import dev.hikyaku.net.TlsFacts;
import dev.hikyaku.net.Transport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * The server's end of an in-memory connection. STARTTLS here only records that TLS is on: the
 * protocol rules are what these runs test; the same scripts run again over real TLS sockets.
 *
 * <p>Like the socket transport's buffered output, what the server writes reaches the client only
 * when it flushes (STARTTLS flushes first, as there); a close drops what was never flushed. So a
 * reply the server forgets to flush is never read, and the script waiting for it fails, in memory
 * as it would stall a real client.
 */
final class MemoryTransport implements Transport {

  final MemoryPipe toServer = new MemoryPipe();
  final MemoryPipe toClient = new MemoryPipe();
  private final InetSocketAddress remote;
  private Duration readTimeout = Duration.ZERO;
  private final ByteArrayOutputStream unflushed = new ByteArrayOutputStream();
  private TlsFacts tls;

  MemoryTransport(String clientAddress) throws IOException {
    this.remote = new InetSocketAddress(InetAddress.getByName(clientAddress), 40000);
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    return toServer.read(buffer, offset, length, readTimeout);
  }

  @Override
  public void write(byte[] bytes) {
    unflushed.writeBytes(bytes);
  }

  @Override
  public void flush() throws IOException {
    if (unflushed.size() > 0) {
      toClient.write(unflushed.toByteArray(), 0, unflushed.size());
      unflushed.reset();
    }
  }

  @Override
  public void setReadTimeout(Duration timeout) {
    this.readTimeout = timeout;
  }

  @Override
  public void startTls(Duration handshakeTimeout) throws IOException {
    flush(); // as SocketTransport does: the 220 goes out in clear before the handshake
    tls = new TlsFacts("TLSv1.3", "TLS_AES_128_GCM_SHA256");
  }

  @Override
  public void stopReading() {
    toServer.close();
  }

  @Override
  public Optional<byte[]> channelBinding() {
    return Optional.empty(); // no real TLS here: SCRAM-SHA-256-PLUS is tested over sockets
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
  public void close() {
    unflushed.reset(); // never flushed: lost, as in a socket's buffer at close
    toServer.close();
    toClient.close();
  }
}
