package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes "last login" and "app password last used" times in the background, so a login never waits
 * for the database, and a burst of logins costs one UPDATE per account.
 *
 * <p>Recordings go into maps keyed by account address and app-password id; a later recording for the
 * same key replaces the pending one (last write wins). One virtual thread takes both maps whole,
 * writes them in one transaction, then rests for {@link #REST} before taking the next, so an account
 * logging in many times a second is written about once a second. {@link #close()} cuts the rest short
 * and flushes what is pending. These times are informational: a failed flush is logged and dropped,
 * never retried, and never reaches the caller.
 */
final class LastUseRecorder {

  static final Duration REST = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(LastUseRecorder.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

  private final AccountWriter writer;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition workArrived = lock.newCondition();
  private final Condition closing = lock.newCondition();
  private Map<String, Long> logins = new HashMap<>(); // guarded by lock
  private Map<Long, Long> appPasswordUses = new HashMap<>(); // guarded by lock
  private Map<Long, Long> apiKeyUses = new HashMap<>(); // guarded by lock
  private boolean isClosing; // guarded by lock
  private final AtomicLong rowsUpdated = new AtomicLong();
  private final Thread thread;

  private LastUseRecorder(AccountWriter writer) {
    this.writer = writer;
    this.thread = Thread.ofVirtual().name("hikyaku-last-use-recorder").unstarted(this::run);
  }

  static LastUseRecorder start(AccountWriter writer) {
    LastUseRecorder recorder = new LastUseRecorder(writer);
    recorder.thread.start();
    return recorder;
  }

  /** Notes a login by {@code address} (already lower-case) at epoch ms {@code at}. Never blocks on the DB. */
  void recordLogin(String address, long at) {
    lock.lock();
    try {
      if (isClosing) {
        log.debug("store closing; last login of {} not recorded", address);
        return;
      }
      logins.put(address, at);
      workArrived.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Notes a use of app password {@code id} at epoch ms {@code at}. Never blocks on the DB. */
  void recordAppPasswordUse(long id, long at) {
    lock.lock();
    try {
      if (isClosing) {
        log.debug("store closing; use of app password {} not recorded", id);
        return;
      }
      appPasswordUses.put(id, at);
      workArrived.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Notes a use of API key {@code id} at epoch ms {@code at}. Never blocks on the DB. */
  void recordApiKeyUse(long id, long at) {
    lock.lock();
    try {
      if (isClosing) {
        log.debug("store closing; use of API key {} not recorded", id);
        return;
      }
      apiKeyUses.put(id, at);
      workArrived.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Flushes what is pending, then stops the thread. Later recordings are dropped. */
  void close() {
    lock.lock();
    try {
      isClosing = true;
      workArrived.signalAll();
      closing.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      if (!thread.join(CLOSE_WAIT)) {
        log.warn("last-use recorder still busy after {}; closing without it", CLOSE_WAIT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.warn("interrupted while waiting for the last-use recorder to flush");
    }
  }

  /** For tests: UPDATEs written so far, one per account or app password per flush. */
  long rowsUpdated() {
    return rowsUpdated.get();
  }

  private record Pending(Map<String, Long> logins, Map<Long, Long> appPasswordUses, Map<Long, Long> apiKeyUses) {
    int size() {
      return logins.size() + appPasswordUses.size() + apiKeyUses.size();
    }
  }

  private void run() {
    try {
      Pending pending;
      while ((pending = awaitPending()) != null) {
        flush(pending);
        rest();
      }
    } catch (InterruptedException e) {
      log.warn("last-use recorder interrupted; pending recordings dropped");
    }
  }

  /** Takes everything pending, waiting for some; null once closing with nothing left. */
  private Pending awaitPending() throws InterruptedException {
    lock.lock();
    try {
      while (logins.isEmpty() && appPasswordUses.isEmpty() && apiKeyUses.isEmpty()) {
        if (isClosing) {
          return null;
        }
        workArrived.await();
      }
      Pending taken = new Pending(logins, appPasswordUses, apiKeyUses);
      logins = new HashMap<>();
      appPasswordUses = new HashMap<>();
      apiKeyUses = new HashMap<>();
      return taken;
    } finally {
      lock.unlock();
    }
  }

  /** Lets recordings gather between flushes; cut short by close. */
  private void rest() throws InterruptedException {
    lock.lock();
    try {
      long nanos = REST.toNanos();
      while (!isClosing && nanos > 0) {
        nanos = closing.awaitNanos(nanos);
      }
    } finally {
      lock.unlock();
    }
  }

  private void flush(Pending pending) {
    try {
      writer.writeDuringClose("recording " + pending.size() + " last-use time(s)",
          connection -> {
            write(connection, pending);
            return null;
          });
      rowsUpdated.addAndGet(pending.size());
    } catch (StoreException | RuntimeException e) {
      // Best effort by design: a lost "last login" time must not fail or slow a login.
      log.warn("dropped {} last-use recording(s): {}", pending.size(), e.getMessage());
    }
  }

  private static void write(Connection connection, Pending pending) throws SQLException {
    if (!pending.logins().isEmpty()) {
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE account SET last_login_at = ? WHERE address = ?")) {
        for (Map.Entry<String, Long> login : pending.logins().entrySet()) {
          update.setLong(1, login.getValue());
          update.setString(2, login.getKey());
          update.addBatch();
        }
        update.executeBatch();
      }
    }
    writeUses(connection, "UPDATE app_password SET last_used_at = ? WHERE id = ?", pending.appPasswordUses());
    writeUses(connection, "UPDATE api_key SET last_used_at = ? WHERE id = ?", pending.apiKeyUses());
  }

  private static void writeUses(Connection connection, String sql, Map<Long, Long> uses) throws SQLException {
    if (!uses.isEmpty()) {
      try (PreparedStatement update = connection.prepareStatement(sql)) {
        for (Map.Entry<Long, Long> use : uses.entrySet()) {
          update.setLong(1, use.getValue());
          update.setLong(2, use.getKey());
          update.addBatch();
        }
        update.executeBatch();
      }
    }
  }
}
