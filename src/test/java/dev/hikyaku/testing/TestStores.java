package dev.hikyaku.testing;

import dev.hikyaku.store.NodeIdentity;
import dev.hikyaku.store.PostgresSettings;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens the store a test works on, on the engine the test run names: SQLite in the test's
 * directory by default, or a fresh database on the embedded PostgreSQL when the run sets {@code
 * -Dhikyaku.test.store=postgres} (the build's {@code store-on-postgres} execution runs the store
 * tests so). The same directory opens the same database again, so a test that closes and reopens
 * its store sees what it wrote on either engine.
 */
public final class TestStores {

  /** The system property that chooses the engine: {@code sqlite} (default) or {@code postgres}. */
  public static final String ENGINE_PROPERTY = "hikyaku.test.store";

  /**
   * The tag of a test of the SQLite engine itself (its file, WAL, PRAGMAs, query plans): the run on
   * PostgreSQL leaves these out, and runs everything else in the store's tests.
   */
  public static final String SQLITE_ONLY = "sqlite-only";

  /**
   * The tag of the tests that start an embedded PostgreSQL themselves (its initdb costs seconds of
   * CPU): left out of bin/test --fast, run by the full bin/test.
   */
  public static final String STARTS_POSTGRES = "postgres";

  /**
   * The tag of the tests of the opt-in BoringSSL TLS engine (tls.engine: boringssl), the default
   * engine's tests again with it: left out of bin/test --fast, run by the full bin/test.
   */
  public static final String BORINGSSL = "boringssl";

  private static final Map<Path, String> DATABASES = new ConcurrentHashMap<>();

  private TestStores() {}

  /** Whether this run puts the stores on PostgreSQL. */
  public static boolean onPostgres() {
    return "postgres".equals(System.getProperty(ENGINE_PROPERTY, "sqlite"));
  }

  /** The store of {@code directory} on this run's engine, migrated. */
  public static Store open(Path directory, Clock clock) throws StoreException {
    return open(directory, clock, NodeIdentity.LOCAL);
  }

  /** {@link #open(Path, Clock)} as node {@code node}: several of them on one directory share its store. */
  public static Store open(Path directory, Clock clock, NodeIdentity node) throws StoreException {
    if (!onPostgres()) {
      return Store.openSqlite(directory, clock, node);
    }
    String url = DATABASES.computeIfAbsent(directory.toAbsolutePath(), ignored -> TestPostgres.freshDatabase());
    return Store.openPostgres(settings(url), node, true, clock);
  }

  /**
   * A plain JDBC connection to the database of {@code directory} on this run's engine, for a test
   * that sets a state up or looks at rows the store's API does not show. The caller closes it.
   */
  public static Connection raw(Path directory) throws SQLException {
    if (!onPostgres()) {
      return DriverManager.getConnection("jdbc:sqlite:" + directory.resolve(Store.SQLITE_FILE_NAME));
    }
    String url = DATABASES.get(directory.toAbsolutePath());
    if (url == null) {
      throw new IllegalStateException("no store was opened in " + directory);
    }
    return DriverManager.getConnection(url, TestPostgres.USER, "");
  }

  /** How a node logs in to the test database at {@code url}. */
  public static PostgresSettings settings(String url) {
    return new PostgresSettings(url, TestPostgres.USER, "", 4);
  }
}
