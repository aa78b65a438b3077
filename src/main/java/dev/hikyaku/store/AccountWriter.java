package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writing connection for the account tables, apart from the queue's group-commit writer so that
 * an admin change never waits behind a batch of messages (nor delays one for longer than its own
 * short transaction).
 *
 * <p>Admin operations are rare and may come from another process at the same time (the CLI while the
 * server runs): each is one short {@code BEGIN IMMEDIATE} transaction, which takes SQLite's write
 * lock at once and waits for it under {@code busy_timeout} (https://sqlite.org/lang_transaction.html),
 * so the checks a transaction makes still hold when it writes. One caller at a time in this process.
 */
final class AccountWriter {

  /** Work done inside one write transaction. */
  @FunctionalInterface
  interface WriteWork<T> {
    T apply(Connection connection) throws SQLException, StoreException;
  }

  private static final Logger log = LoggerFactory.getLogger(AccountWriter.class);

  private final Dialect dialect;
  private final Reconnect reconnect;
  private Connection connection; // guarded by lock: null after it was lost, until the next write
  private final ReentrantLock lock = new ReentrantLock();
  private boolean isClosing; // guarded by lock: admin writes refused
  private boolean isClosed; // guarded by lock: everything refused, connection closed
  private final AtomicLong writes = new AtomicLong();

  AccountWriter(Connection connection, Dialect dialect, Reconnect reconnect) {
    this.dialect = dialect;
    this.connection = connection;
    this.reconnect = reconnect;
  }

  /** Runs {@code work} in one write transaction; refused once the store has begun to close. */
  <T> T write(String action, WriteWork<T> work) throws StoreException {
    lock.lock();
    try {
      if (isClosing) {
        throw new StoreException(StoreException.Kind.CLOSED, action + ": store is closed");
      }
      return transaction(action, work);
    } finally {
      // After the commit (or the failure): a reader that saw the count before it read the rows
      // holds rows no newer than the count says.
      writes.incrementAndGet();
      lock.unlock();
    }
  }

  /** How many {@link #write}s (accounts, credentials, keys, blocks...) this process has made. */
  long writes() {
    return writes.get();
  }

  /**
   * Like {@link #write} but still taken while the store closes, until {@link #close()}: the
   * last-use recorder's final flush happens then.
   */
  <T> T writeDuringClose(String action, WriteWork<T> work) throws StoreException {
    lock.lock();
    try {
      if (isClosed) {
        throw new StoreException(StoreException.Kind.CLOSED, action + ": store is closed");
      }
      return transaction(action, work);
    } finally {
      lock.unlock();
    }
  }

  /** From now on {@link #write} fails with {@code CLOSED}; waits for a write in progress. */
  void beginClose() {
    lock.lock();
    try {
      isClosing = true;
    } finally {
      lock.unlock();
    }
  }

  /** Refuses everything and closes the connection. Idempotent. */
  void close() {
    lock.lock();
    try {
      isClosing = true;
      if (isClosed) {
        return;
      }
      isClosed = true;
      if (connection != null) {
        connection.close();
      }
    } catch (SQLException e) {
      log.warn("closing the store's account connection failed: {}", e.toString());
    } finally {
      lock.unlock();
    }
  }

  private <T> T transaction(String action, WriteWork<T> work) throws StoreException {
    Connection connection = connected(action);
    try (Statement control = connection.createStatement()) {
      control.execute(dialect.beginWrite());
      try {
        T result = work.apply(connection);
        control.execute("COMMIT");
        return result;
      } catch (SQLException | StoreException | RuntimeException failure) {
        try {
          control.execute("ROLLBACK");
        } catch (SQLException rollbackFailure) {
          // SQLite may have rolled back by itself (SQLITE_FULL, SQLITE_IOERR); keep both.
          failure.addSuppressed(rollbackFailure);
        }
        throw failure;
      }
    } catch (SQLException failure) {
      if (dialect.isConnectionLost(failure)) {
        // The next write opens a new connection rather than fail on a dead socket for ever.
        log.warn("the store's account connection was lost: {}", failure.toString());
        closeQuietly(connection);
        this.connection = null;
      }
      throw StoreException.from(action, failure);
    }
  }

  private Connection connected(String action) throws StoreException {
    if (connection == null) {
      try {
        connection = reconnect.open();
        log.info("the store's account connection is open again");
      } catch (SQLException failure) {
        throw StoreException.from(action + ": connecting to the store", failure);
      }
    }
    return connection;
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // it is gone already
    }
  }
}
