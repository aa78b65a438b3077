package dev.hikyaku.net;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;

/**
 * Netty's BoringSSL {@code SSLEngine} driven over a connected blocking socket, as a {@link
 * TlsConnection}: tcnative offers only the engine, never a socket. One virtual thread per connection
 * still; the socket's read timeout bounds each read, the caller's deadline the whole handshake.
 *
 * <p>Invariants: ciphertext is read into {@code netIn} and written from {@code netOut}, both sized
 * from the session and grown only if the engine asks; each {@code write} goes out as whole records
 * at once (the caller buffers); the alert an engine call produces is sent even when that call
 * throws; the engine (native memory) is released exactly once, failed handshakes included; the
 * exporter secret is held from the end of the handshake until the binding is derived or the
 * connection closes, and nothing else of the key schedule.
 */
final class EngineTlsConnection implements TlsConnection {

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private final Socket tcp;
  private final InputStream rawIn;
  private final OutputStream rawOut;
  private final ReferenceCountedOpenSslEngine engine;
  private final long ssl; // the native SSL's address, the key log's key; kept because release zeroes it
  private final ExporterKeyLog keyLog;
  private final AtomicBoolean isReleased = new AtomicBoolean();
  private ByteBuffer netIn; // read mode: position..limit is unread ciphertext
  private ByteBuffer netOut;
  private ByteBuffer appIn; // read mode: position..limit is unread plaintext
  private boolean isInboundDone;
  private TlsFacts facts;
  private byte[] exporterSecret; // TLS 1.3 only; zeroed once the binding is derived
  private String exporterHash;
  private byte[] channelBinding;

  EngineTlsConnection(Socket tcp, ReferenceCountedOpenSslEngine engine, ExporterKeyLog keyLog) throws IOException {
    this.tcp = tcp;
    this.engine = engine;
    this.keyLog = keyLog;
    this.ssl = engine.sslPointer();
    try {
      engine.setUseClientMode(false);
      this.rawIn = tcp.getInputStream();
      this.rawOut = tcp.getOutputStream();
    } catch (IOException | RuntimeException e) {
      release();
      throw e;
    }
    int packet = engine.getSession().getPacketBufferSize();
    this.netIn = ByteBuffer.allocate(packet).limit(0);
    this.netOut = ByteBuffer.allocate(packet);
    this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()).limit(0);
  }

  @Override
  public void handshake() throws IOException {
    boolean isDone = false;
    try {
      try {
        handshakeSteps();
      } catch (SSLException e) {
        // The engine holds the alert that says why (RFC 8446 §6.2); send it before giving up.
        try {
          engine.closeOutbound();
          wrap(EMPTY);
        } catch (IOException | RuntimeException alertNotSent) {
          e.addSuppressed(alertNotSent);
        }
        throw e;
      }
      var session = engine.getSession();
      facts = TlsFacts.of(session);
      byte[] secret = keyLog.take(ssl);
      if ("TLSv1.3".equals(session.getProtocol()) && secret != null) {
        exporterSecret = secret;
        exporterHash = TlsExporter.hashOf(session.getCipherSuite());
      } else if (secret != null) {
        Arrays.fill(secret, (byte) 0);
      }
      isDone = true;
    } finally {
      if (!isDone) {
        release();
      }
    }
  }

  private void handshakeSteps() throws IOException {
    engine.beginHandshake();
    HandshakeStatus status = engine.getHandshakeStatus();
    while (true) {
      switch (status) {
        case NEED_WRAP -> status = wrap(EMPTY).getHandshakeStatus();
        case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
          SSLEngineResult result = unwrap();
          if (result == null) {
            throw new EOFException("the client closed the connection during the TLS handshake");
          }
          status = result.getHandshakeStatus();
        }
        case NEED_TASK -> {
          runTasks();
          status = engine.getHandshakeStatus();
        }
        case FINISHED, NOT_HANDSHAKING -> {
          return;
        }
      }
    }
  }

  private void runTasks() {
    for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
      task.run();
    }
  }

  @Override
  public InputStream input() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
      }

      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        return EngineTlsConnection.this.read(buffer, offset, length);
      }

      @Override
      public int available() {
        return appIn.remaining();
      }
    };
  }

  @Override
  public OutputStream output() {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        EngineTlsConnection.this.write(bytes, offset, length);
      }
    };
  }

  private int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    while (!appIn.hasRemaining()) {
      if (isInboundDone) {
        return -1;
      }
      SSLEngineResult result;
      try {
        result = unwrap();
      } catch (SSLException e) {
        // A bad record, or a renegotiation BoringSSL refuses: the engine holds the alert; send it.
        try {
          wrap(EMPTY);
        } catch (IOException | RuntimeException alertNotSent) {
          e.addSuppressed(alertNotSent);
        }
        throw e;
      }
      if (result == null) {
        // End of stream without close_notify: an end all the same, as JSSE's SSLSocket reports it
        // (and what stopReading's shutdownInput produces).
        isInboundDone = true;
        return -1;
      }
      if (result.getStatus() == Status.CLOSED) {
        isInboundDone = true; // close_notify (RFC 8446 §6.1)
      }
      switch (result.getHandshakeStatus()) {
        case NEED_WRAP -> wrap(EMPTY); // e.g. the answer to a KeyUpdate (RFC 8446 §4.6.3)
        case NEED_TASK -> runTasks();
        default -> {}
      }
    }
    int n = Math.min(length, appIn.remaining());
    appIn.get(buffer, offset, n);
    return n;
  }

  private void write(byte[] bytes, int offset, int length) throws IOException {
    ByteBuffer source = ByteBuffer.wrap(bytes, offset, length);
    while (source.hasRemaining()) {
      if (wrap(source).getStatus() == Status.CLOSED) {
        throw new SSLException("the TLS connection is closed for writing");
      }
    }
  }

  /** One wrap, its output sent at once; the alert of a wrap that throws is sent too. */
  private SSLEngineResult wrap(ByteBuffer source) throws IOException {
    while (true) {
      netOut.clear();
      SSLEngineResult result;
      try {
        result = engine.wrap(source, netOut);
      } catch (SSLException e) {
        // Netty's engine produces the alert and throws in the same call: the alert still goes out.
        send();
        throw e;
      }
      if (result.getStatus() == Status.BUFFER_OVERFLOW) {
        netOut = ByteBuffer.allocate(Math.max(netOut.capacity() * 2, engine.getSession().getPacketBufferSize()));
        continue;
      }
      send();
      return result;
    }
  }

  private void send() throws IOException {
    netOut.flip();
    if (netOut.hasRemaining()) {
      rawOut.write(netOut.array(), netOut.arrayOffset() + netOut.position(), netOut.remaining());
      rawOut.flush();
    }
    netOut.clear();
  }

  /**
   * Unwraps until a record was consumed or something was produced, reading from the socket as often
   * as needed; null at end of stream with no partial record pending.
   */
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
        case BUFFER_UNDERFLOW -> {
          // Netty's engine finishes a handshake only when called again after the client's
          // Finished, and says so beside an underflow: waiting for more input here would hang a
          // server that speaks first (implicit TLS, RFC 8314 §3.3).
          HandshakeStatus status = result.getHandshakeStatus();
          if (status == HandshakeStatus.FINISHED || status == HandshakeStatus.NEED_WRAP
              || status == HandshakeStatus.NEED_TASK) {
            return result;
          }
          if (!fill()) {
            return null;
          }
        }
        case BUFFER_OVERFLOW -> {
          ByteBuffer larger = ByteBuffer.allocate(appIn.capacity() * 2);
          larger.put(appIn).flip();
          appIn = larger;
        }
        case OK, CLOSED -> {
          if (result.getStatus() == Status.OK && result.bytesConsumed() == 0 && result.bytesProduced() == 0
              && result.getHandshakeStatus() != HandshakeStatus.NEED_WRAP
              && result.getHandshakeStatus() != HandshakeStatus.NEED_TASK) {
            // The engine wants more than it has without saying underflow.
            if (!fill()) {
              return null;
            }
          } else {
            return result;
          }
        }
      }
    }
  }

  /** Reads more ciphertext; false at end of stream with nothing pending, EOFException mid-record. */
  private boolean fill() throws IOException {
    netIn.compact();
    if (!netIn.hasRemaining()) {
      if (netIn.capacity() >= 4 * engine.getSession().getPacketBufferSize()) {
        netIn.flip();
        throw new SSLException("a TLS record larger than the packet buffer");
      }
      ByteBuffer larger = ByteBuffer.allocate(netIn.capacity() * 2);
      netIn.flip();
      larger.put(netIn);
      netIn = larger;
    }
    int n;
    try {
      n = rawIn.read(netIn.array(), netIn.arrayOffset() + netIn.position(), netIn.remaining());
    } catch (IOException e) {
      netIn.flip();
      throw e;
    }
    if (n < 0) {
      boolean isPartial = netIn.position() > 0;
      netIn.flip();
      if (isPartial) {
        throw new EOFException("the client closed the connection in the middle of a TLS record");
      }
      return false;
    }
    netIn.position(netIn.position() + n);
    netIn.flip();
    return true;
  }

  @Override
  public TlsFacts facts() {
    return facts;
  }

  @Override
  public boolean hasChannelBinding() {
    // RFC 9266 §3: tls-exporter is defined for TLS 1.3.
    return channelBinding != null || exporterSecret != null;
  }

  @Override
  public Optional<byte[]> channelBinding() {
    if (channelBinding == null && exporterSecret != null) {
      try {
        channelBinding = TlsExporter.export(
            exporterSecret, exporterHash, TlsExporter.CHANNEL_BINDING_LABEL, new byte[0], TlsExporter.CHANNEL_BINDING_LENGTH);
      } catch (GeneralSecurityException e) {
        channelBinding = null; // no binding: SCRAM-SHA-256-PLUS is simply not offered
      } finally {
        // Only this one value is ever exported: the secret has done its work.
        Arrays.fill(exporterSecret, (byte) 0);
        exporterSecret = null;
      }
    }
    return Optional.ofNullable(channelBinding);
  }

  @Override
  public void close() throws IOException {
    try {
      if (facts != null && !isReleased.get() && !tcp.isClosed() && !tcp.isOutputShutdown()) {
        // RFC 8446 §6.1: end with close_notify.
        engine.closeOutbound();
        for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
          SSLEngineResult result = wrap(EMPTY);
          if (result.getStatus() == Status.CLOSED || result.bytesProduced() == 0) {
            break;
          }
        }
      }
    } catch (IOException | RuntimeException peerGone) {
      // The peer closed first or the socket timed out; close below regardless.
    } finally {
      release();
      tcp.close();
    }
  }

  /** Frees the native engine and anything kept of its key schedule; once. */
  private void release() {
    if (isReleased.compareAndSet(false, true)) {
      keyLog.forget(ssl);
      if (exporterSecret != null) {
        Arrays.fill(exporterSecret, (byte) 0);
        exporterSecret = null;
      }
      engine.release();
    }
  }
}
