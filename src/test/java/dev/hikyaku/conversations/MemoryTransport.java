package dev.hikyaku.conversations;

import dev.hikyaku.net.TlsFacts;
import dev.hikyaku.net.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * The server's end of an in-memory connection. STARTTLS here only records that TLS is on: the
 * protocol rules are what these runs test; the same scripts run again over real TLS sockets.
 */
final class MemoryTransport implements Transport {

  final MemoryPipe toServer = new MemoryPipe();
  final MemoryPipe toClient = new MemoryPipe();
  private final InetSocketAddress remote;
  private Duration readTimeout = Duration.ZERO;
  private TlsFacts tls;

  MemoryTransport(String clientAddress) throws IOException {
    this.remote = new InetSocketAddress(InetAddress.getByName(clientAddress), 40000);
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    return toServer.read(buffer, offset, length, readTimeout);
  }

  @Override
  public void write(byte[] bytes) throws IOException {
    toClient.write(bytes, 0, bytes.length);
  }

  @Override
  public void flush() {}

  @Override
  public void setReadTimeout(Duration timeout) {
    this.readTimeout = timeout;
  }

  @Override
  public void startTls(Duration handshakeTimeout) {
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
    toServer.close();
    toClient.close();
  }
}
