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
 */
public final class DeadlineOutputStream extends OutputStream {

  private final OutputStream out;
  private final Socket socket;
  private volatile Duration limit;

  public DeadlineOutputStream(OutputStream out, Socket socket, Duration limit) {
    this.out = out;
    this.socket = socket;
    this.limit = limit;
  }

  /** The time each following write may take. */
  public void limit(Duration limit) {
    this.limit = limit;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    // A constant label: this runs once per flush of every reply, and the text is only read when the
    // deadline cut the write off.
    SocketDeadline.bound(socket, limit, "a write", () -> out.write(b, off, len));
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
