package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.Set;

/**
 * Connections to the shared PostgreSQL store, each set up for its part: the writers with the
 * durability a 250 rests on checked, the readers read-only. Every connection gives up on a silent
 * server (a network partition, a stopped host) within {@link #SOCKET_TIMEOUT_SECONDS}, so a
 * session answers 451 rather than hang, and a transaction left idle is ended by the server.
 */
final class PostgresConnections {

  /** Longer than any statement the store runs; a dead peer is noticed by then at the latest. */
  static final int SOCKET_TIMEOUT_SECONDS = 60;
  private static final int CONNECT_TIMEOUT_SECONDS = 10;
  private static final Set<String> DURABLE_COMMITS = Set.of("on", "local", "remote_apply");

  private PostgresConnections() {}

  /** A connection that writes; refused when the server would acknowledge a commit before it is durable. */
  static Connection openWriter(PostgresSettings settings, NodeIdentity node) throws SQLException, StoreException {
    Connection connection = open(settings, node);
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET synchronous_commit = on");
      statement.execute("SET idle_in_transaction_session_timeout = '60s'");
      // A node stopped inside a transaction keeps its row locks until it runs again: a writer that
      // meets one gives up after this rather than stall every write behind it (the batch is then
      // retried write by write, and only the write that needs the row fails).
      statement.execute("SET lock_timeout = '2s'");
      String synchronousCommit = single(statement, "SHOW synchronous_commit");
      String fsync = single(statement, "SHOW fsync");
      // "local" waits for the local flush only, which is what one server without standbys gives
      // anyway; "off" and "remote_write" may acknowledge a commit a crash then loses.
      if (!"on".equals(fsync) || !DURABLE_COMMITS.contains(synchronousCommit)) {
        throw new StoreException(StoreException.Kind.UNAVAILABLE, settings.safeName()
            + ": need fsync=on and synchronous_commit=on, got fsync=" + fsync
            + " synchronous_commit=" + synchronousCommit);
      }
      requireBytewiseText(statement, settings);
      return connection;
    } catch (SQLException | StoreException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  /** A connection that only reads: nothing but the writers' commits changes the store. */
  static Connection openReader(PostgresSettings settings, NodeIdentity node) throws SQLException {
    Connection connection = open(settings, node);
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET default_transaction_read_only = on");
      statement.execute("SET idle_in_transaction_session_timeout = '60s'");
      return connection;
    } catch (SQLException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  private static Connection open(PostgresSettings settings, NodeIdentity node) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", settings.user());
    properties.setProperty("password", settings.password());
    // pg_stat_activity and the server's log say which node a session belongs to.
    properties.setProperty("ApplicationName", "hikyaku " + node.id());
    properties.setProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
    properties.setProperty("socketTimeout", String.valueOf(SOCKET_TIMEOUT_SECONDS));
    properties.setProperty("tcpKeepAlive", "true");
    // One round trip for a batch of inserts (a message's recipients) instead of one per row.
    properties.setProperty("reWriteBatchedInserts", "true");
    return DriverManager.getConnection(settings.url(), properties);
  }

  /**
   * Text must compare and fold as on SQLite: by code point, and lower() on ASCII letters only. The
   * store's unique keys (a suppression per lower-cased address) and its orders rest on that, and a
   * database created with a language's locale (en_US.UTF-8 folds 'É' to 'é' and sorts 'a' before
   * 'B') would make a node on PostgreSQL decide differently from one on SQLite.
   */
  private static void requireBytewiseText(Statement statement, PostgresSettings settings)
      throws SQLException, StoreException {
    try (ResultSet row = statement.executeQuery("SELECT lower('\u00c9') = '\u00c9' AND 'B' < 'a'")) {
      if (!row.next() || !row.getBoolean(1)) {
        throw new StoreException(StoreException.Kind.UNAVAILABLE, settings.safeName()
            + ": the database must use the C locale (text compared and lower-cased by code point);"
            + " create it with CREATE DATABASE ... TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'");
      }
    }
  }

  private static String single(Statement statement, String sql) throws SQLException {
    try (ResultSet rows = statement.executeQuery(sql)) {
      return rows.next() ? rows.getString(1) : null;
    }
  }
}
