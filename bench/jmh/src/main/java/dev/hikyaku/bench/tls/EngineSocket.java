package dev.hikyaku.bench.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * A server-side {@link SSLEngine} driven over a connected blocking socket: what a transport for
 * Netty's OpenSslEngine would have to do, since tcnative offers only the engine, never an
 * SSLSocket. Reads and writes through its own buffers, runs delegated tasks on the calling thread.
 * Enough for a handshake, a few bytes each way and close_notify; not a general transport.
 */
final class EngineSocket implements AutoCloseable {

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final SSLEngine engine;
  private final ByteBuffer netIn; // read mode: position..limit is unread ciphertext
  private final ByteBuffer netOut;
  private ByteBuffer appIn; // read mode: position..limit is unread plaintext

  EngineSocket(Socket socket, SSLEngine engine) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
    this.engine = engine;
    int packet = engine.getSession().getPacketBufferSize();
    this.netIn = ByteBuffer.allocate(packet);
    this.netIn.limit(0);
    this.netOut = ByteBuffer.allocate(packet);
    this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
    this.appIn.limit(0);
  }

  SSLEngine engine() {
    return engine;
  }

  void handshake() throws IOException {
    try {
      handshakeSteps();
    } catch (SSLException e) {
      // The engine has the alert that says why (RFC 8446 §6.2); send it before giving up.
      try {
        engine.closeOutbound();
        wrap(EMPTY);
      } catch (IOException | RuntimeException alertNotSent) {
        e.addSuppressed(alertNotSent);
      }
      throw e;
    }
  }

  private void handshakeSteps() throws IOException {
    engine.beginHandshake();
    SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
    while (true) {
      switch (status) {
        case NEED_WRAP -> status = wrap(EMPTY).getHandshakeStatus();
        case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> status = unwrap().getHandshakeStatus();
        case NEED_TASK -> {
          for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
            task.run();
          }
          status = engine.getHandshakeStatus();
        }
        case FINISHED, NOT_HANDSHAKING -> {
          return;
        }
      }
    }
  }

  /** One plaintext byte, or -1 at close_notify. */
  int read() throws IOException {
    while (!appIn.hasRemaining()) {
      SSLEngineResult result = unwrap();
      if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
        return -1;
      }
      if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
        wrap(EMPTY); // e.g. a post-handshake message the engine still owes
      }
    }
    return appIn.get() & 0xFF;
  }

  void write(byte[] bytes) throws IOException {
    ByteBuffer source = ByteBuffer.wrap(bytes);
    while (source.hasRemaining()) {
      wrap(source);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      engine.closeOutbound();
      while (!engine.isOutboundDone()) {
        if (wrap(EMPTY).getStatus() == SSLEngineResult.Status.CLOSED) {
          break;
        }
      }
    } finally {
      socket.close();
    }
  }

  private SSLEngineResult wrap(ByteBuffer source) throws IOException {
    netOut.clear();
    SSLEngineResult result;
    try {
      result = engine.wrap(source, netOut);
    } catch (SSLException e) {
      // Netty's engine produces the alert and throws in the same call: the alert still goes out.
      netOut.flip();
      out.write(netOut.array(), netOut.arrayOffset() + netOut.position(), netOut.remaining());
      out.flush();
      throw e;
    }
    if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
      throw new SSLException("wrap overflow with a packet-sized buffer: " + result);
    }
    netOut.flip();
    if (netOut.hasRemaining()) {
      out.write(netOut.array(), netOut.arrayOffset() + netOut.position(), netOut.remaining());
      out.flush();
    }
    return result;
  }

  /** One unwrap that consumed a whole record (reading from the socket as often as needed). */
  private SSLEngineResult unwrap() throws IOException {
    while (true) {
      appIn.compact();
      SSLEngineResult result;
      try {
        result = engine.unwrap(netIn, appIn);
      } finally {
        appIn.flip();
      }
      switch (result.getStatus()) {
        case BUFFER_UNDERFLOW -> fill();
        case BUFFER_OVERFLOW -> {
          ByteBuffer larger = ByteBuffer.allocate(appIn.capacity() * 2);
          larger.put(appIn).flip();
          appIn = larger;
        }
        case OK, CLOSED -> {
          if (result.bytesConsumed() == 0 && result.bytesProduced() == 0
              && result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_UNWRAP) {
            fill(); // the engine wants more than it has, without saying underflow
          } else {
            return result;
          }
        }
      }
    }
  }

  private void fill() throws IOException {
    netIn.compact();
    if (!netIn.hasRemaining()) {
      netIn.flip();
      throw new SSLException("a TLS record larger than the packet buffer");
    }
    int n = in.read(netIn.array(), netIn.arrayOffset() + netIn.position(), netIn.remaining());
    if (n < 0) {
      netIn.flip();
      throw new java.io.EOFException("peer closed during TLS");
    }
    netIn.position(netIn.position() + n);
    netIn.flip();
  }
}
