package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only writer of the queue tables: one platform thread that owns the writing connection and
 * turns many callers' messages into few commits.
 *
 * <p>Group commit: when the thread wakes it takes everything pending (up to {@link
 * #MAX_BATCH_MESSAGES} messages or {@link #MAX_BATCH_BYTES} of content), writes it in one
 * transaction, commits once and only then completes every caller's future. With {@code
 * synchronous=FULL} in WAL mode that commit is one fsync of the WAL, shared by the whole batch, so the
 * fsync rate is not the message rate. While a batch is being written the next one gathers.
 *
 * <p>One bad message must not fail its batch-mates: when a batch fails, each of its messages is
 * tried again in a transaction of its own, and only those that fail alone are failed.
 *
 * <p>Changes to queued messages (a delivery outcome crossing a recipient off, hold, release, delete)
 * go through the same thread as {@link Change}s, so the queue keeps one writer and a recorded outcome
 * shares the commit, and its fsync, of whatever else is pending.
 *
 * <p>When the disk runs short, the same thread also checkpoints the WAL and truncates it ({@link
 * #truncateWal}), between two transactions: a checkpoint cannot run inside one, and on this thread it
 * never races a batch for the connection.
 */
final class GroupCommitWriter {

  static final int MAX_BATCH_MESSAGES = 256;
  static final long MAX_BATCH_BYTES = 64L * 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
  private static final Duration CLOSE_WAIT = Duration.ofMinutes(1);
  // How long a WAL truncation waits for readers and the other writing connection to let go of the
  // WAL. Commits wait behind it, so it is short: a truncation that cannot happen now is tried later.
  static final Duration CHECKPOINT_PATIENCE = Duration.ofMillis(250);

  /** The transaction never started, so no message in the batch is to blame. */
  private static final class BeginFailed extends SQLException {
    private static final long serialVersionUID = 1L;

    BeginFailed(SQLException cause) {
      super(cause.getMessage(), cause.getSQLState(), cause.getErrorCode(), cause);
    }

    BeginFailed(StoreException cause) {
      super(cause.getMessage(), null, 0, cause);
    }
  }

  /**
   * Where a fault test makes the store fail as only a broken disk would: asked inside every
   * transaction, after its writes and before COMMIT, with the number of writes it holds. A failure
   * thrown here takes the path a failed COMMIT takes (rollback, each write alone, the callers told).
   * Production has {@link #NONE}; there is no setting that changes it.
   */
  @FunctionalInterface
  interface CommitFault {
    CommitFault NONE = writes -> {};

    void beforeCommit(int writes) throws SQLException;
  }

  /** Work on the queue tables done by the writer thread inside a batch's transaction. */
  @FunctionalInterface
  interface Change<T> {
    T apply(Connection connection) throws SQLException, StoreException;
  }

  /**
   * One unit of a batch: an insert of a new message or a change. {@code result} is set by the writer
   * thread inside the transaction and handed to the caller only after COMMIT.
   */
  private static final class PendingWrite {
    final String action;
    final boolean isMessage; // counted in the stats as a message written
    final long size;
    final Change<?> change;
    final CompletableFuture<Object> committed = new CompletableFuture<>();
    Object result;

    PendingWrite(String action, boolean isMessage, long size, Change<?> change) {
      this.action = action;
      this.isMessage = isMessage;
      this.size = size;
      this.change = change;
    }

    CompletableFuture<Object> committed() {
      return committed;
    }
  }

  private final Dialect dialect;
  private final Reconnect reconnect;
  private final NodeIdentity node;
  // The writer thread's (and whoever holds connectionGate): null after the connection was lost,
  // until the next batch opens a new one.
  private Connection connection;
  private AcceptStatements statements;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition workArrived = lock.newCondition();
  private final ArrayDeque<PendingWrite> pending = new ArrayDeque<>(); // guarded by lock
  private boolean isClosing; // guarded by lock
  private CompletableFuture<Boolean> walTruncation; // guarded by lock: asked for, not yet begun

  /**
   * Held by the writer thread while it takes and writes a batch or truncates the WAL, and by anyone
   * else who touches the connection. A test holds it to let a known set of messages gather into one
   * batch.
   */
  private final ReentrantLock connectionGate = new ReentrantLock();

  private volatile CommitFault commitFault = CommitFault.NONE;
  private volatile Throwable stoppedBy; // what ended the writer thread, if anything did

  private final AtomicLong messagesCommitted = new AtomicLong();
  private final AtomicLong commits = new AtomicLong();
  private final Thread thread;

  private GroupCommitWriter(Connection connection, Dialect dialect, Reconnect reconnect, NodeIdentity node)
      throws SQLException {
    this.connection = connection;
    this.dialect = dialect;
    this.reconnect = reconnect;
    this.statements = new AcceptStatements(connection, node);
    this.node = node;
    // A platform thread: it lives as long as the store and spends its time in JNI calls, which would
    // pin a virtual thread's carrier anyway. Daemon, because a caller not yet released has not been
    // promised anything: an exit without close() loses no acknowledged message.
    this.thread = Thread.ofPlatform().name("hikyaku-store-writer").daemon(true).unstarted(this::run);
  }

  /** Starts the writer thread on {@code connection}, which it owns from now on (but does not close). */
  static GroupCommitWriter start(Connection connection, Dialect dialect, Reconnect reconnect, NodeIdentity node)
      throws SQLException {
    GroupCommitWriter writer = new GroupCommitWriter(connection, dialect, reconnect, node);
    writer.thread.start();
    return writer;
  }

  /**
   * Queues {@code message}; the future completes once its transaction has committed, or fails with
   * a {@link StoreException}.
   */
  @SuppressWarnings("unchecked")
  CompletableFuture<Void> submit(NewMessage message) throws StoreException {
    // Its feed entry is made here, on the caller's thread: the writer thread only writes.
    Optional<NewMessageEvent> accepted = FeedEntries.accepted(message);
    PendingWrite write = new PendingWrite(
        "storing message " + message.id(), true, message.size(), connection -> {
          statements.insert(message, accepted);
          return null;
        });
    enqueue(write, "store is closing; message " + message.id() + " not stored");
    // The insert's result is null, so the future is a CompletableFuture<Void> in all but name.
    return (CompletableFuture<Void>) (CompletableFuture<?>) write.committed();
  }

  /**
   * Inside a {@link Change}, on the writer thread: stores {@code message} in that change's
   * transaction, with everything {@link #accept} stores with it.
   */
  void insertWithin(NewMessage message) throws SQLException, StoreException {
    statements.insert(message, FeedEntries.accepted(message));
  }

  /**
   * Queues {@code change}; the future completes with its result once its transaction has committed
   * (and the WAL has been fsync'd), or fails with a {@link StoreException}. A change that throws
   * rolls back alone: it is retried in a transaction of its own like a bad message.
   */
  @SuppressWarnings("unchecked")
  <T> CompletableFuture<T> submit(String action, Change<T> change) throws StoreException {
    PendingWrite write = new PendingWrite(action, false, 0, change);
    enqueue(write, "store is closing; not done: " + action);
    return (CompletableFuture<T>) write.committed();
  }

  /**
   * Runs {@code change} on the writer thread and waits for its commit (and WAL fsync); returns its
   * result. A failure comes back as a {@link StoreException} raised in the caller's thread.
   */
  <T> T apply(String action, Change<T> change) throws StoreException {
    return await(submit(action, change), action,
        "interrupted while waiting for the commit of: " + action + "; it may or may not be done");
  }

  /**
   * Stores {@code message} and waits for its commit (and WAL fsync). A failure comes back as a
   * {@link StoreException} raised in the caller's thread.
   */
  void accept(NewMessage message) throws StoreException {
    await(submit(message), "accepting message " + message.id(),
        "interrupted while waiting for the commit of message " + message.id() + "; it may or may not be stored");
  }

  private static <T> T await(CompletableFuture<T> committed, String action, String uncertain) throws StoreException {
    try {
      return committed.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StoreException cause) {
        // A fresh exception so the stack trace shows this caller, not only the writer thread.
        throw new StoreException(cause.kind(), cause.reason(), cause);
      }
      throw StoreException.from(action, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(StoreException.Kind.UNAVAILABLE, uncertain, e);
    }
  }

  private void enqueue(PendingWrite write, String refusal) throws StoreException {
    lock.lock();
    try {
      if (isClosing) {
        throw new StoreException(StoreException.Kind.CLOSED, refusal);
      }
      pending.addLast(write);
      workArrived.signal();
    } finally {
      lock.unlock();
    }
  }

  GroupCommitStats stats() {
    // Read commits first: messages is bumped before commits, so the pair never shows a commit
    // without its messages.
    long commitCount = commits.get();
    return new GroupCommitStats(messagesCommitted.get(), commitCount);
  }

  /**
   * Lets queued writes finish, then stops the thread. New submissions fail with {@code CLOSED}
   * from the moment this is called.
   */
  void close() {
    lock.lock();
    try {
      isClosing = true;
      workArrived.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      if (!thread.join(CLOSE_WAIT)) {
        log.error("store writer still busy after {}; closing anyway", CLOSE_WAIT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.warn("interrupted while waiting for the store writer to drain");
    }
  }

  /**
   * Asks the writer thread to copy every frame of the WAL back into the database and truncate the
   * WAL file to zero bytes ({@code PRAGMA wal_checkpoint(TRUNCATE)}), once the batch it is writing,
   * if any, has committed. Requests made while one waits share it. Completes with true when SQLite
   * did so; with false when it could not now (a reader still on the WAL or the account connection
   * writing for longer than {@link #CHECKPOINT_PATIENCE}, an I/O error, the store closing): then the
   * WAL keeps its octets and nothing is lost, SQLite only goes on appending to it.
   */
  CompletableFuture<Boolean> truncateWal() {
    lock.lock();
    try {
      if (isClosing) {
        return CompletableFuture.completedFuture(false);
      }
      if (walTruncation == null) {
        walTruncation = new CompletableFuture<>();
        workArrived.signal();
      }
      return walTruncation;
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code PRAGMA statement} on the writing connection and returns the first value, if any. */
  String pragma(String statement) throws SQLException {
    connectionGate.lock();
    try (Statement s = connection.createStatement();
        ResultSet rows = s.executeQuery("PRAGMA " + statement)) {
      return rows.next() ? rows.getString(1) : null;
    } finally {
      connectionGate.unlock();
    }
  }

  /** Closes the writing connection; after {@link #close()}, when the writer thread has stopped. */
  void closeConnection() throws SQLException {
    connectionGate.lock();
    try {
      if (connection != null) {
        connection.close();
        connection = null;
      }
    } finally {
      connectionGate.unlock();
    }
  }

  /** For tests: hold this to keep the writer from taking a batch. */
  ReentrantLock connectionGate() {
    return connectionGate;
  }

  /** What stopped the writer thread, when something other than close() did: no message is stored until a restart. */
  Optional<String> failure() {
    Throwable cause = stoppedBy;
    return cause == null ? Optional.empty() : Optional.of("store writer stopped: " + cause);
  }

  /** For fault tests: every transaction from now on passes through {@code fault} before COMMIT. */
  void commitFault(CommitFault fault) {
    this.commitFault = fault;
  }

  /** For tests: how many messages wait for the writer. */
  int pendingCount() {
    lock.lock();
    try {
      return pending.size();
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    List<PendingWrite> batch = List.of();
    try {
      while (awaitWork()) {
        connectionGate.lock();
        try {
          batch = takeBatch();
          if (!batch.isEmpty()) {
            write(batch);
          }
          batch = List.of();
          CompletableFuture<Boolean> truncation = takeWalTruncation();
          if (truncation != null) {
            try {
              truncation.complete(checkpointAndTruncateWal());
            } finally {
              truncation.complete(false); // does nothing once completed; false if the checkpoint threw
            }
          }
        } finally {
          connectionGate.unlock();
        }
      }
    } catch (Throwable bug) {
      // write() turns SQL failures into failed futures; anything reaching here is a bug or an Error.
      // Fail every waiting caller rather than leave them blocked forever, and refuse new work.
      log.error("store writer stopped by an unexpected failure", bug);
      failEverything(bug, batch);
    }
  }

  /**
   * Waits until something is pending or a WAL truncation is asked for; false once closing with
   * nothing left to write.
   */
  private boolean awaitWork() throws InterruptedException {
    lock.lock();
    try {
      while (pending.isEmpty() && walTruncation == null) {
        if (isClosing) {
          return false;
        }
        workArrived.await();
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  private CompletableFuture<Boolean> takeWalTruncation() {
    lock.lock();
    try {
      CompletableFuture<Boolean> truncation = walTruncation;
      walTruncation = null;
      return truncation;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs on the writer thread, outside any transaction.
   * https://sqlite.org/pragma.html#pragma_wal_checkpoint answers one row (busy, log, checkpointed): busy is 0 only when every frame was copied into the
   * database and, in TRUNCATE mode, the WAL file was truncated to zero bytes; it is 1 when a reader
   * or writer kept the checkpoint from finishing within the busy timeout, which is lowered for this
   * call so that pending commits do not wait the full one.
   */
  private boolean checkpointAndTruncateWal() {
    try (Statement statement = connection.createStatement()) {
      String busyTimeout;
      try (ResultSet row = statement.executeQuery("PRAGMA busy_timeout")) {
        busyTimeout = row.next() ? row.getString(1) : "0";
      }
      statement.execute("PRAGMA busy_timeout = " + CHECKPOINT_PATIENCE.toMillis());
      try (ResultSet row = statement.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
        return row.next() && row.getInt(1) == 0;
      } finally {
        statement.execute("PRAGMA busy_timeout = " + busyTimeout);
      }
    } catch (SQLException failure) {
      // E.g. SQLITE_FULL: copying frames back grows the database file first, which a full disk refuses.
      log.warn("checkpointing and truncating the WAL failed: {}", failure.toString());
      return false;
    }
  }

  private List<PendingWrite> takeBatch() {
    lock.lock();
    try {
      List<PendingWrite> batch = new ArrayList<>(Math.min(pending.size(), MAX_BATCH_MESSAGES));
      long bytes = 0;
      while (!pending.isEmpty() && batch.size() < MAX_BATCH_MESSAGES) {
        long size = pending.peekFirst().size;
        if (!batch.isEmpty() && bytes + size > MAX_BATCH_BYTES) {
          break;
        }
        batch.add(pending.pollFirst());
        bytes += size;
      }
      return batch;
    } finally {
      lock.unlock();
    }
  }

  private void write(List<PendingWrite> batch) {
    try {
      commit(batch);
      batch.forEach(write -> write.committed().complete(write.result));
      return;
    } catch (SQLException | StoreException | RuntimeException failure) {
      if (batch.size() == 1 || failure instanceof BeginFailed) {
        // BEGIN failing (lock held past busy_timeout, I/O error) is nothing any one message did;
        // retrying each alone would only multiply the wait.
        batch.forEach(write -> fail(write, failure));
        return;
      }
      log.warn("batch of {} messages failed ({}); writing each alone", batch.size(), failure.toString());
    }
    for (PendingWrite write : batch) {
      try {
        commit(List.of(write));
        write.committed().complete(write.result);
      } catch (SQLException | StoreException | RuntimeException failure) {
        fail(write, failure);
      }
    }
  }

  private void fail(PendingWrite write, Exception failure) {
    StoreException error = failure instanceof StoreException expected
        // Expected refusals (NOT_FOUND from an admin change) keep their kind and text.
        ? expected
        : StoreException.from(write.action, failure);
    log.warn("{} failed: {}", write.action, error.getMessage());
    write.committed().completeExceptionally(error);
  }

  /** One transaction for {@code writes}; returns only after COMMIT (and so the WAL fsync) is done. */
  private void commit(List<PendingWrite> writes) throws SQLException, StoreException {
    Connection connection = connected();
    try (Statement control = connection.createStatement()) {
      // IMMEDIATE takes the write lock now, so a second process on the same file (admin CLI) makes
      // us wait here under busy_timeout instead of failing at COMMIT.
      try {
        control.execute(dialect.beginWrite());
      } catch (SQLException failure) {
        dropIfLost(failure);
        throw new BeginFailed(failure);
      }
      try {
        for (PendingWrite write : writes) {
          write.result = write.change.apply(connection);
        }
        commitFault.beforeCommit(writes.size());
        control.execute("COMMIT");
      } catch (SQLException | StoreException | RuntimeException failure) {
        rollback(control, failure);
        if (!dropIfLost(failure)) {
          statements.renew(failure);
        }
        throw failure;
      } catch (Error error) {
        // The writer stops on an Error (see run()), but not inside its transaction: left open, it
        // would hold the database's write lock, and every other writer (accounts, counters, the
        // admin CLI) would wait out busy_timeout and fail until a restart.
        rollback(control, error);
        throw error;
      }
    }
    messagesCommitted.addAndGet(writes.stream().filter(write -> write.isMessage).count());
    commits.incrementAndGet();
  }

  /**
   * The writing connection, opened again if the last one was lost. Failing to open it fails the
   * batch as a BEGIN that failed would: no message is to blame, each caller gets a 451.
   */
  private Connection connected() throws BeginFailed {
    if (connection == null) {
      try {
        Connection fresh = reconnect.open();
        statements = new AcceptStatements(fresh, node);
        connection = fresh;
        log.info("store writer connected again");
      } catch (SQLException failure) {
        throw new BeginFailed(failure);
      } catch (StoreException failure) {
        throw new BeginFailed(failure);
      }
    }
    return connection;
  }

  /**
   * Forgets the connection when {@code failure} says it is gone (by the dialect's rules), so the
   * next batch opens a new one instead of failing on a dead socket for ever. Whether a COMMIT that
   * failed so had reached the server is unknown: its callers are told 451, and a client that sends
   * again may make a duplicate, never a loss (RFC 5321 §6.1 prefers the first).
   */
  private boolean dropIfLost(Throwable failure) {
    boolean isLost = false;
    for (Throwable t = failure; t != null && !isLost; t = t.getCause() == t ? null : t.getCause()) {
      isLost = t instanceof SQLException sql && dialect.isConnectionLost(sql);
    }
    if (!isLost) {
      return false;
    }
    log.warn("store writer lost its connection: {}", failure.toString());
    try {
      connection.close();
    } catch (SQLException closeFailure) {
      failure.addSuppressed(closeFailure);
    }
    connection = null;
    return true;
  }

  private void rollback(Statement control, Throwable failure) {
    try {
      control.execute("ROLLBACK");
    } catch (SQLException rollbackFailure) {
      // SQLite may already have rolled back by itself (SQLITE_FULL, SQLITE_IOERR during COMMIT);
      // keep the second failure with the first rather than hide it.
      failure.addSuppressed(rollbackFailure);
    }
  }

  private void failEverything(Throwable cause, List<PendingWrite> inFlight) {
    stoppedBy = cause;
    List<PendingWrite> stranded = new ArrayList<>(inFlight);
    CompletableFuture<Boolean> truncation;
    lock.lock();
    try {
      isClosing = true;
      stranded.addAll(pending);
      pending.clear();
      truncation = walTruncation;
      walTruncation = null;
    } finally {
      lock.unlock();
    }
    if (truncation != null) {
      truncation.complete(false);
    }
    StoreException error =
        new StoreException(StoreException.Kind.UNAVAILABLE, "store writer stopped: " + cause, cause);
    // A future already completed (committed) ignores this.
    stranded.forEach(write -> write.committed().completeExceptionally(error));
  }
}
