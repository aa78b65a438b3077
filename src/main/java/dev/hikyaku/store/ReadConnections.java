package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A few query-only connections, apart from the writer's: in WAL mode readers see the last committed
 * snapshot and neither wait for nor delay the writer (https://sqlite.org/wal.html). Opened lazily,
 * at most {@code capacity} at once; a reader beyond that waits for one to come back.
 */
final class ReadConnections {

  /** Opens one connection; each is set query-only by the opener. */
  @FunctionalInterface
  interface Opener {
    Connection open() throws SQLException;
  }

  /** Work done inside one read transaction, i.e. on one consistent snapshot. */
  @FunctionalInterface
  interface ReadWork<T> {
    T apply(Connection connection) throws SQLException, StoreException;
  }

  private static final Logger log = LoggerFactory.getLogger(ReadConnections.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

  private final Opener opener;
  private final int capacity;
  private final Dialect dialect;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Connection> idle = new ArrayDeque<>(); // guarded by lock
  private int open; // guarded by lock: idle + lent
  private boolean isClosed; // guarded by lock

  ReadConnections(Opener opener, int capacity, Dialect dialect) {
    this.opener = opener;
    this.capacity = capacity;
    this.dialect = dialect;
  }

  /** The engine the connections are to. */
  Dialect dialect() {
    return dialect;
  }

  /** Runs {@code work} in a read transaction on a borrowed connection. */
  <T> T read(String action, ReadWork<T> work) throws StoreException {
    Connection connection = borrow(action);
    boolean isReusable = false;
    try (Statement control = connection.createStatement()) {
      control.execute(dialect.beginRead());
      try {
        T result = work.apply(connection);
        control.execute("COMMIT");
        isReusable = true;
        return result;
      } catch (SQLException | StoreException | RuntimeException failure) {
        try {
          control.execute("ROLLBACK");
          isReusable = true;
        } catch (SQLException rollbackFailure) {
          failure.addSuppressed(rollbackFailure);
        }
        throw failure;
      }
    } catch (SQLException failure) {
      throw StoreException.from(action, failure);
    } finally {
      giveBack(connection, isReusable);
    }
  }

  /** Waits for borrowed connections to come back (bounded), then closes all. */
  void close() {
    lock.lock();
    try {
      isClosed = true;
      long nanos = CLOSE_WAIT.toNanos();
      while (open > idle.size() && nanos > 0) {
        nanos = changed.awaitNanos(nanos);
      }
      if (open > idle.size()) {
        log.warn("{} read connections still in use after {}; closing the rest", open - idle.size(),
            CLOSE_WAIT);
      }
      while (!idle.isEmpty()) {
        closeQuietly(idle.pollFirst());
        open--;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }

  private Connection borrow(String action) throws StoreException {
    lock.lock();
    try {
      while (true) {
        if (isClosed) {
          throw new StoreException(StoreException.Kind.CLOSED, action + ": store is closed");
        }
        if (!idle.isEmpty()) {
          return idle.pollFirst();
        }
        if (open < capacity) {
          open++;
          break;
        }
        if (!changed.await(30, TimeUnit.SECONDS)) {
          throw new StoreException(
              StoreException.Kind.UNAVAILABLE, action + ": no read connection free for 30 s");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(StoreException.Kind.UNAVAILABLE, action + ": interrupted", e);
    } finally {
      lock.unlock();
    }
    try {
      return opener.open();
    } catch (SQLException | RuntimeException failure) {
      forget();
      throw StoreException.from(action + ": opening a read connection", failure);
    }
  }

  private void giveBack(Connection connection, boolean isReusable) {
    lock.lock();
    try {
      if (isReusable && !isClosed) {
        idle.addFirst(connection);
      } else {
        closeQuietly(connection);
        open--;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void forget() {
    lock.lock();
    try {
      open--;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      log.warn("closing a read connection failed: {}", e.toString());
    }
  }
}
