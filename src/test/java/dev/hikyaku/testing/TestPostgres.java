package dev.hikyaku.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL for tests, one per test JVM, started on first use on 127.0.0.1 (zonky's
 * embedded binaries: no Docker, no system package). Every caller gets a database of its own, so
 * tests on PostgreSQL are as isolated as tests on a fresh SQLite file.
 *
 * <p>{@code synchronous_commit} and {@code fsync} are set back to {@code on}: zonky turns both
 * off, under which a commit returns before its WAL is on disk, a test of the 250-after-DATA promise
 * would prove nothing, and the store refuses to open (it checks both).
 */
public final class TestPostgres {

  /** The superuser zonky creates; it has no password and listens on loopback only. */
  public static final String USER = "postgres";

  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgres server;

  private TestPostgres() {}

  /** A new, empty database on the shared test server; its JDBC URL. */
  public static String freshDatabase() {
    String name = "hikyaku_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection admin = server().getPostgresDatabase().getConnection();
        Statement statement = admin.createStatement()) {
      // The C locale, as the store requires (see the README's "Running several nodes").
      statement.execute("CREATE DATABASE " + name + " TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name, e);
    }
    return url(name);
  }

  /** The JDBC URL of {@code database} on the shared test server. */
  public static String url(String database) {
    return "jdbc:postgresql://127.0.0.1:" + server().getPort() + "/" + database;
  }

  /** The port the shared test server listens on. */
  public static int port() {
    return server().getPort();
  }

  private static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.builder()
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("fsync", "on")
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setServerConfig("max_connections", "300")
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
      }
      EmbeddedPostgres started = server;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          started.close();
        } catch (IOException ignored) {
          // the JVM is going; the data directory is in /tmp
        }
      }, "test-postgres-stop"));
    }
    return server;
  }
}
