package dev.hikyaku.net;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;

/**
 * A socket's output with a deadline on each write. Java sockets time out reads only; a peer that
 * stops reading would block a write forever. Each write to the socket (one buffer-full from the
 * {@code BufferedOutputStream} above) must finish within the current limit, or the socket is closed
 * and the write fails with {@link java.net.SocketTimeoutException}. Outbound, RFC 5321 §4.5.3.2.5 gives each
 * data block 3 minutes; inbound, a client that pipelines commands and never reads the replies is
 * cut off at the command timeout (RFC 5321 §4.5.3.2.7), as Postfix's smtpd_timeout bounds writes.
 * A write costs two volatile stores and a clock read ({@link SocketDeadline}); closing this stream
 * stops the watch of the socket.
 */
public final class DeadlineOutputStream extends OutputStream {

  // A constant label: it is only read when the deadline cut a write off.
  private static final String WHAT = "a write";

  private final OutputStream out;
  private final SocketDeadline guard;
  private volatile Duration limit;
  private volatile long limitNanos;

  public DeadlineOutputStream(OutputStream out, Socket socket, Duration limit) {
    this(out, SocketDeadline.watch(socket), limit);
  }

  /** Over a guard shared with the socket's other calls (the output before and after STARTTLS). */
  DeadlineOutputStream(OutputStream out, SocketDeadline guard, Duration limit) {
    this.out = out;
    this.guard = guard;
    limit(limit);
  }

  /** The time each following write may take. */
  public void limit(Duration limit) {
    this.limitNanos = SocketDeadline.nanos(limit);
    this.limit = limit;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    guard.arm(limitNanos);
    try {
      out.write(b, off, len);
    } catch (IOException e) {
      throw guard.failure(e, WHAT, limit);
    } finally {
      guard.disarm();
    }
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    try {
      out.close();
    } finally {
      guard.close();
    }
  }
}
