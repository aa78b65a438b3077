package dev.hikyaku.store;

import dev.hikyaku.store.StoreException.Kind;
import java.sql.SQLException;
import java.util.Optional;
import org.sqlite.SQLiteException;

/**
 * What differs between the two database engines the one store runs on: SQLite, embedded, for one
 * node (the default), and PostgreSQL, shared by several nodes. Everything else, the statements
 * included, is the same code: the differences are few enough to name here (SCALE.md §2.8), and a
 * second store implementation would drift from the first.
 */
sealed interface Dialect permits Dialect.Sqlite, Dialect.Postgres {

  /** The folder of this engine's migrations, with the same version numbers in both. */
  String migrations();

  /**
   * Begins a transaction that writes. SQLite's IMMEDIATE takes the database's one write lock at
   * once, so a second process on the file waits under busy_timeout rather than failing at COMMIT;
   * PostgreSQL locks rows as they are written.
   */
  String beginWrite();

  /** Begins a read of one consistent snapshot. */
  String beginRead();

  /** How a caller should answer for this failure of the engine. */
  Kind kindOf(SQLException failure);

  /** Whether {@code failure} means the connection itself is gone and a new one is needed. */
  boolean isConnectionLost(SQLException failure);

  /**
   * The join whose left table stays the outer loop, where the store has chosen the driving index:
   * SQLite's CROSS JOIN (https://sqlite.org/optoverview.html#crossjoin); PostgreSQL's planner
   * chooses the order by its statistics and takes no such hint.
   */
  String outerLoopJoin();

  /**
   * The statement that reads the database's clock in epoch milliseconds, where leases are timed by
   * it (several nodes, whose clocks may differ); empty where the one process's clock is the store's
   * (SQLite: the caller's clock, settable in tests).
   */
  Optional<String> clockQuery();

  /**
   * The WHERE clause of an UPDATE of one row of {@code table} by {@code id = ?} that meets {@code
   * condition}, passing over the row when another transaction has it locked (PostgreSQL's {@code
   * FOR UPDATE SKIP LOCKED}): a node that stalls inside a transaction (SIGSTOP, a long pause) then
   * holds up nobody's claims. SQLite has one writer at a time and nothing to skip. Parameters: the
   * id, then the condition's.
   */
  String unlessLocked(String table, String condition);

  /**
   * How many due messages a claim of {@code limit} reads as candidates. SQLite: the limit, as a
   * pass always read (one writer, nothing is locked by another node). PostgreSQL: four times as
   * many, at most a thousand, since the claim passes over rows another node's open transaction has
   * locked ({@link #unlessLocked}), and those must not fill the window and starve the pass.
   */
  int claimWindow(int limit);

  /** The embedded engine: one file, one writer at a time, result codes in the exception. */
  record Sqlite() implements Dialect {

    @Override
    public String migrations() {
      return "classpath:db/migration/sqlite";
    }

    @Override
    public String beginWrite() {
      return "BEGIN IMMEDIATE";
    }

    @Override
    public String beginRead() {
      // In WAL mode a read transaction sees the snapshot of its first read until it ends.
      return "BEGIN";
    }

    /** By the primary result code (https://sqlite.org/rescode.html: the low 8 bits of an extended code). */
    @Override
    public Kind kindOf(SQLException failure) {
      int code = failure instanceof SQLiteException sqlite ? sqlite.getResultCode().code : failure.getErrorCode();
      return switch (code & 0xFF) {
        case 13 -> Kind.DISK_FULL; // SQLITE_FULL
        case 11, 26 -> Kind.CORRUPT; // SQLITE_CORRUPT, SQLITE_NOTADB
        default -> Kind.UNAVAILABLE; // SQLITE_IOERR (10), SQLITE_BUSY (5), SQLITE_CANTOPEN (14), ...
      };
    }

    @Override
    public boolean isConnectionLost(SQLException failure) {
      return false; // a file does not hang up
    }

    @Override
    public String outerLoopJoin() {
      return "CROSS JOIN";
    }

    @Override
    public Optional<String> clockQuery() {
      return Optional.empty();
    }

    @Override
    public String unlessLocked(String table, String condition) {
      return "id = ? AND " + condition;
    }

    @Override
    public int claimWindow(int limit) {
      return limit;
    }
  }

  /** The shared engine: a server reached over the network, SQLSTATE in the exception. */
  record Postgres() implements Dialect {

    @Override
    public String migrations() {
      return "classpath:db/migration/postgres";
    }

    @Override
    public String beginWrite() {
      return "BEGIN";
    }

    @Override
    public String beginRead() {
      // READ COMMITTED would let each statement of a read see a different snapshot.
      return "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    }

    /** By SQLSTATE class (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
    @Override
    public Kind kindOf(SQLException failure) {
      String state = failure.getSQLState();
      if (state == null) {
        return Kind.UNAVAILABLE;
      }
      return switch (state) {
        case "53100", "54000" -> Kind.DISK_FULL; // disk_full, program_limit_exceeded
        case "XX001", "XX002" -> Kind.CORRUPT; // data_corrupted, index_corrupted
        default -> Kind.UNAVAILABLE; // connection (08), serialization (40), lock (55P03), ...
      };
    }

    @Override
    public boolean isConnectionLost(SQLException failure) {
      String state = failure.getSQLState();
      // 08: connection exception; 57P01..57P03: the server is shutting down or cannot connect now.
      return state != null && (state.startsWith("08") || state.startsWith("57P"));
    }

    @Override
    public String outerLoopJoin() {
      return "JOIN";
    }

    @Override
    public Optional<String> clockQuery() {
      // clock_timestamp(), not now(): now() is the transaction's start, and a lease is timed by the
      // moment the statement runs.
      return Optional.of("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint");
    }

    @Override
    public String unlessLocked(String table, String condition) {
      return "id = (SELECT id FROM " + table + " WHERE id = ? AND " + condition + " FOR UPDATE SKIP LOCKED)";
    }

    @Override
    public int claimWindow(int limit) {
      return Math.max(limit, Math.min(1000, limit * 4));
    }
  }
}
