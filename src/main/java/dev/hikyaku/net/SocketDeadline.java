package dev.hikyaku.net;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a socket when a deadline passes, for the blocking calls a socket timeout does not bound:
 * a write (Java sockets time out reads only), or a whole TLS handshake (its timeout is per read, so
 * a peer dribbling a record one octet at a time would hold it for ever). The call blocked on the
 * socket then fails, and is told apart from any other failure as a {@link SocketTimeoutException}.
 *
 * <p>One guard per socket, one call at a time (the connection's own thread). A call costs two
 * volatile stores and a {@link System#nanoTime()}: it sets its deadline before and clears it after.
 * One daemon thread, the {@link Watchdog}, looks at the deadlines of every watched socket at least
 * every {@link Watchdog#TICK} (sooner when a deadline falls earlier) and closes the socket of a call
 * whose deadline has passed. Issue 15 point 3: a timer task scheduled and cancelled per write cost
 * 3 % of submission CPU. A guard stays watched until {@link #close()}, and the watchdog drops any
 * guard whose socket it finds closed, so a closed socket is never kept reachable.
 */
final class SocketDeadline implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SocketDeadline.class);

  /** No call in progress. */
  private static final long IDLE = 0;

  private final Socket socket;
  private volatile long deadline = IDLE;
  private volatile boolean hasExpired;

  private SocketDeadline(Socket socket) {
    this.socket = socket;
  }

  /** A guard for the calls on {@code socket}, watched until it is closed (or the socket is). */
  static SocketDeadline watch(Socket socket) {
    SocketDeadline guard = new SocketDeadline(socket);
    Watchdog.INSTANCE.watched.add(guard);
    return guard;
  }

  /** A blocking call on a socket. */
  @FunctionalInterface
  interface Call {
    void run() throws IOException;
  }

  /**
   * Runs {@code call} once, closing {@code socket} if it has not returned within {@code limit}; for
   * a call made once per connection (a handshake, a TLS close).
   *
   * @throws SocketTimeoutException when the deadline cut it off, saying that {@code what} did not finish
   */
  static void bound(Socket socket, Duration limit, String what, Call call) throws IOException {
    try (SocketDeadline guard = watch(socket)) {
      guard.run(limit, what, call);
    }
  }

  /**
   * Runs {@code call}, closing the socket if it has not returned within {@code limit}.
   *
   * @throws SocketTimeoutException when the deadline cut it off, saying that {@code what} did not finish
   */
  void run(Duration limit, String what, Call call) throws IOException {
    arm(nanos(limit));
    try {
      call.run();
    } catch (IOException e) {
      throw failure(e, what, limit);
    } finally {
      disarm();
    }
  }

  /**
   * Starts a call that must return within {@code nanos}; {@link #disarm()} must follow in a
   * {@code finally}. For the per-write path, which this spares a capturing lambda per write.
   */
  void arm(long nanos) {
    long due = System.nanoTime() + nanos;
    deadline = due == IDLE ? 1 : due;
    if (nanos < Watchdog.TICK) {
      Watchdog.INSTANCE.wake(); // a limit shorter than a tick: let the watchdog plan for it
    }
  }

  /** Ends the call {@link #arm(long)} started. */
  void disarm() {
    deadline = IDLE;
  }

  /** What a failed call throws: a {@link SocketTimeoutException} if the deadline closed the socket, else {@code e}. */
  IOException failure(IOException e, String what, Duration limit) {
    return hasExpired ? new SocketTimeoutException(what + " did not finish within " + limit) : e;
  }

  /** Whether the watchdog still holds a guard of {@code socket} (for tests: it must not after close). */
  static boolean isWatched(Socket socket) {
    return Watchdog.INSTANCE.watched.stream().anyMatch(guard -> guard.socket == socket);
  }

  /** Whether a call on {@code socket} is in progress (for tests). */
  static boolean isBusy(Socket socket) {
    return Watchdog.INSTANCE.watched.stream().anyMatch(guard -> guard.socket == socket && guard.deadline != IDLE);
  }

  @Override
  public void close() {
    Watchdog.INSTANCE.watched.remove(this);
  }

  /** {@code limit} in nanoseconds, at most a year. */
  static long nanos(Duration limit) {
    // Duration.toNanos overflows past 292 years; a limit that long is no limit.
    return limit.compareTo(Duration.ofDays(365)) > 0 ? TimeUnit.DAYS.toNanos(365) : Math.max(0, limit.toNanos());
  }

  private void expire() {
    hasExpired = true;
    try {
      socket.close();
    } catch (IOException e) {
      // The call blocked on this socket fails either way; nothing else to do with a close error.
      log.debug("closing a timed-out socket failed", e);
    }
  }

  /** The one thread that closes the sockets of calls past their deadline; it does nothing else. */
  private static final class Watchdog implements Runnable {

    /**
     * The longest the watchdog sleeps: a call is cut off at most this late (or sooner, when its limit
     * is shorter: then the watchdog sleeps until the deadline itself). Limits in use are seconds to
     * minutes (RFC 5321 §4.5.3.2), so 100 ms late is nothing, and a scan of ten thousand idle
     * connections ten times a second is a few microseconds of one core.
     */
    static final long TICK = TimeUnit.MILLISECONDS.toNanos(100);

    static final Watchdog INSTANCE = new Watchdog();

    final Set<SocketDeadline> watched = ConcurrentHashMap.newKeySet();
    private final Thread thread;

    private Watchdog() {
      thread = Thread.ofPlatform().name("socket-deadline").daemon().unstarted(this);
      thread.start();
    }

    void wake() {
      LockSupport.unpark(thread);
    }

    @Override
    public void run() {
      while (true) {
        try {
          LockSupport.parkNanos(scan());
        } catch (RuntimeException e) {
          // This thread must outlive any one socket's failure, or no deadline would hold again.
          log.warn("socket deadline scan failed", e);
        }
      }
    }

    /** Closes the sockets past their deadline; returns how long to sleep before the next scan. */
    private long scan() {
      long now = System.nanoTime();
      long next = now + TICK;
      for (SocketDeadline guard : watched) {
        if (guard.socket.isClosed()) {
          watched.remove(guard); // closed by its owner (or by us): nothing left to bound
          continue;
        }
        long due = guard.deadline;
        if (due == IDLE) {
          continue;
        }
        if (now - due >= 0) {
          watched.remove(guard); // first: once the socket is closed, nothing may still hold it
          guard.expire();
        } else if (due - next < 0) {
          next = due;
        }
      }
      return next - now;
    }
  }
}
