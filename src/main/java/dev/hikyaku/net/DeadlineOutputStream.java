package dev.hikyaku.net;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A socket's output with a deadline on each write. Java sockets time out reads only; a peer that
 * stops reading would block a write forever. Each write to the socket (one buffer-full from the
 * {@code BufferedOutputStream} above) must finish within the current limit, or the socket is closed
 * and the write fails with {@link SocketTimeoutException}. Outbound, RFC 5321 §4.5.3.2.5 gives each
 * data block 3 minutes; inbound, a client that pipelines commands and never reads the replies is
 * cut off at the command timeout (RFC 5321 §4.5.3.2.7), as Postfix's smtpd_timeout bounds writes.
 */
public final class DeadlineOutputStream extends OutputStream {

  /** One daemon thread for every session's deadlines; it only closes sockets. */
  private static final ScheduledThreadPoolExecutor TIMER = timer();

  private final OutputStream out;
  private final Socket socket;
  private final AtomicBoolean hasExpired = new AtomicBoolean();
  private volatile Duration limit;

  public DeadlineOutputStream(OutputStream out, Socket socket, Duration limit) {
    this.out = out;
    this.socket = socket;
    this.limit = limit;
  }

  private static ScheduledThreadPoolExecutor timer() {
    var timer = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(runnable, "write-deadline");
      thread.setDaemon(true);
      return thread;
    });
    timer.setRemoveOnCancelPolicy(true);
    return timer;
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
    Duration current = limit;
    ScheduledFuture<?> deadline = TIMER.schedule(this::expire, current.toNanos(), TimeUnit.NANOSECONDS);
    try {
      out.write(b, off, len);
    } catch (IOException e) {
      if (hasExpired.get()) {
        throw new SocketTimeoutException("write of " + len + " octets did not finish within " + current);
      }
      throw e;
    } finally {
      deadline.cancel(false);
    }
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  private void expire() {
    hasExpired.set(true);
    try {
      socket.close();
    } catch (IOException e) {
      // The write blocked on this socket fails either way; nothing else to do with a close error.
      org.slf4j.LoggerFactory.getLogger(DeadlineOutputStream.class).debug("closing a timed-out socket failed", e);
    }
  }
}
