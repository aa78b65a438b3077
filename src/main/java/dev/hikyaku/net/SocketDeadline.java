package dev.hikyaku.net;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Closes a socket when a deadline passes, for the blocking calls a socket timeout does not bound:
 * a write (Java sockets time out reads only), or a whole TLS handshake (its timeout is per read, so
 * a peer dribbling a record one octet at a time would hold it for ever). The call blocked on the
 * socket then fails, and is told apart from any other failure as a {@link SocketTimeoutException}.
 */
final class SocketDeadline implements AutoCloseable {

  /** One daemon thread for every connection's deadlines; it only closes sockets. */
  private static final ScheduledThreadPoolExecutor TIMER = timer();

  private final Socket socket;
  private final AtomicBoolean hasExpired = new AtomicBoolean();
  private final ScheduledFuture<?> task;

  private SocketDeadline(Socket socket, Duration limit) {
    this.socket = socket;
    this.task = TIMER.schedule(this::expire, limit.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** A blocking call on a socket. */
  @FunctionalInterface
  interface Call {
    void run() throws IOException;
  }

  /**
   * Runs {@code call}, closing {@code socket} if it has not returned within {@code limit}.
   *
   * @throws SocketTimeoutException when the deadline cut it off, saying that {@code what} did not finish
   */
  static void bound(Socket socket, Duration limit, String what, Call call) throws IOException {
    try (SocketDeadline deadline = new SocketDeadline(socket, limit)) {
      try {
        call.run();
      } catch (IOException e) {
        if (deadline.hasExpired.get()) {
          throw new SocketTimeoutException(what + " did not finish within " + limit);
        }
        throw e;
      }
    }
  }

  private static ScheduledThreadPoolExecutor timer() {
    var timer = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(runnable, "socket-deadline");
      thread.setDaemon(true);
      return thread;
    });
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }

  @Override
  public void close() {
    task.cancel(false);
  }

  private void expire() {
    hasExpired.set(true);
    try {
      socket.close();
    } catch (IOException e) {
      // The call blocked on this socket fails either way; nothing else to do with a close error.
      org.slf4j.LoggerFactory.getLogger(SocketDeadline.class).debug("closing a timed-out socket failed", e);
    }
  }
}
