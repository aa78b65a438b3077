package dev.hikyaku.store;

import java.sql.SQLException;
import java.util.Objects;
import org.postgresql.util.PSQLException;
import org.sqlite.SQLiteException;

/**
 * The store could not do what was asked. {@link #kind()} tells the caller how to answer its own
 * client: every kind means "not stored", so a session answers a temporary failure (RFC 5321 §4.2.5:
 * 451 after DATA) and never 250. {@link Kind#NOT_FOUND} and {@link Kind#CONFLICT} come from admin
 * operations on accounts and say what the operator asked for is wrong, not that the store is.
 */
public final class StoreException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Why the store failed, coarse enough for a caller to choose a reply or an alert. */
  public enum Kind {
    /** I/O error, lock timeout, constraint or any other failure that may pass on retry. */
    UNAVAILABLE,
    /** The file system (or a size limit of the database) is full. */
    DISK_FULL,
    /** The database file is damaged or is not a database. Needs an operator. */
    CORRUPT,
    /** {@link Store#close()} has begun: no new work is taken. */
    CLOSED,
    /** The thing named (an account, domain, sender, app password) does not exist. */
    NOT_FOUND,
    /** The thing named already exists, or others still depend on it. */
    CONFLICT
  }

  private static final Dialect SQLITE = new Dialect.Sqlite();
  private static final Dialect POSTGRES = new Dialect.Postgres();

  private final Kind kind;

  public StoreException(Kind kind, String message) {
    super(message);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public StoreException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public Kind kind() {
    return kind;
  }

  /** The message without the kind prefix. */
  String reason() {
    return super.getMessage();
  }

  @Override
  public String getMessage() {
    return kind + ": " + super.getMessage();
  }

  /**
   * Maps a failure from JDBC or Flyway to a kind by the first {@link SQLException} in the cause
   * chain, read by the rules of the engine that threw it ({@link Dialect#kindOf}).
   */
  static StoreException from(String action, Throwable failure) {
    return new StoreException(kindOf(failure), action + ": " + describe(failure), failure);
  }

  static Kind kindOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof StoreException store) {
        return store.kind();
      }
      if (t instanceof SQLiteException sqlite) {
        return SQLITE.kindOf(sqlite);
      }
      if (t instanceof PSQLException postgres) {
        return POSTGRES.kindOf(postgres);
      }
      if (t instanceof SQLException sql && sql.getErrorCode() != 0) {
        return SQLITE.kindOf(sql);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return Kind.UNAVAILABLE;
  }

  private static String describe(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException) {
        return t.getMessage();
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return String.valueOf(failure.getMessage());
  }
}
