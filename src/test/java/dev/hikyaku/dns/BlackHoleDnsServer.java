package dev.hikyaku.dns;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A DNS server that hangs: it listens on 127.0.0.1 over UDP and TCP (one ephemeral port for both,
 * as port 53 is), takes every query and never answers one. TCP connections are accepted and read,
 * and stay open until {@link #close}. What a resolver sees of a name server that has wedged, or of
 * a firewall that drops its replies.
 */
public final class BlackHoleDnsServer implements AutoCloseable {

  private final DatagramSocket udp;
  private final ServerSocket tcp;
  private final AtomicInteger queries = new AtomicInteger();
  private final List<Socket> held = new CopyOnWriteArrayList<>();

  private BlackHoleDnsServer(DatagramSocket udp, ServerSocket tcp) {
    this.udp = udp;
    this.tcp = tcp;
    Thread.ofPlatform().daemon().name("black-hole-dns-udp").start(this::swallowDatagrams);
    Thread.ofPlatform().daemon().name("black-hole-dns-tcp").start(this::holdConnections);
  }

  /** Binds UDP on an ephemeral port of 127.0.0.1, then TCP on the same port. */
  public static BlackHoleDnsServer start() throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
    try {
      return new BlackHoleDnsServer(udp, new ServerSocket(udp.getLocalPort(), 50, loopback));
    } catch (IOException e) {
      udp.close();
      throw e;
    }
  }

  /** Where to send queries. */
  public InetSocketAddress address() {
    return (InetSocketAddress) udp.getLocalSocketAddress();
  }

  /** Queries received (UDP datagrams and TCP connections), none of them answered. */
  public int queries() {
    return queries.get();
  }

  private void swallowDatagrams() {
    byte[] buffer = new byte[65_535];
    while (!udp.isClosed()) {
      try {
        udp.receive(new DatagramPacket(buffer, buffer.length));
        queries.incrementAndGet();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void holdConnections() {
    while (!tcp.isClosed()) {
      try {
        Socket connection = tcp.accept();
        queries.incrementAndGet();
        held.add(connection);
        Thread.ofVirtual().start(() -> drain(connection));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void drain(Socket connection) {
    try (InputStream in = connection.getInputStream()) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    } catch (IOException e) {
      // Closed by close() or by the resolver giving up.
    }
  }

  @Override
  public void close() {
    udp.close();
    try {
      tcp.close();
    } catch (IOException ignored) {
      // Nothing more to stop.
    }
    for (Socket connection : held) {
      try {
        connection.close();
      } catch (IOException ignored) {
        // Already gone.
      }
    }
  }
}
