package dev.hikyaku.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.testing.TestPostgres;
import dev.hikyaku.testing.TestStores;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared database goes away and comes back (README "Running several nodes"): while it is gone
 * every accept fails (the session answers 451 4.3.0, never 250), and once it is back the node's
 * writer opens a new connection by itself and accepts again, with nothing it had stored lost. A
 * PostgreSQL server of its own, stopped and started on the same port and data directory. Runs in
 * the default execution only (it is about PostgreSQL whatever the engine the other tests use).
 */
@Tag(TestStores.SQLITE_ONLY)
@Tag(TestStores.STARTS_POSTGRES)
class PostgresOutageTest {

  @TempDir Path data;
  private final TestMessages messages = new TestMessages();

  @Test
  void acceptsFailWhileTheDatabaseIsDownAndSucceedAgainOnceItIsBack() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    EmbeddedPostgres database = start(port);
    String jdbc = "jdbc:postgresql://127.0.0.1:" + port + "/hikyaku";
    try (Connection admin = database.getPostgresDatabase().getConnection(); Statement statement = admin.createStatement()) {
      statement.execute("CREATE DATABASE hikyaku TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'");
    }
    PostgresSettings settings = new PostgresSettings(jdbc, TestPostgres.USER, "", 2);
    Store.migratePostgres(settings);
    try (Store store = Store.openPostgres(settings, new NodeIdentity("n1", Duration.ofSeconds(60)), false, Clock.systemUTC())) {
      NewMessage before = messages.message(Instant.now(), "s@example.org", "r@example.net");
      store.queue().accept(before);

      database.close(); // the server stops: every connection to it is gone
      NewMessage during = messages.message(Instant.now(), "s@example.org", "r@example.net");
      assertThatThrownBy(() -> store.queue().accept(during))
          .as("no message is reported stored while the database is down")
          .isInstanceOf(StoreException.class);

      database = start(port);
      AtomicReference<NewMessage> after = new AtomicReference<>();
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(StoreException.class)
          .untilAsserted(() -> {
            NewMessage next = messages.message(Instant.now(), "s@example.org", "r@example.net");
            store.queue().accept(next); // a fresh id each try: a failed try may have committed
            after.set(next);
          });
      assertThat(store.queueAdmin().find(after.get().id())).as("accepted once the database is back").isPresent();
      assertThat(store.queueAdmin().find(before.id())).as("stored before the outage").isPresent();
    } finally {
      database.close();
    }
  }

  /** The test's own server, on {@code port} and a data directory kept across a stop. */
  private EmbeddedPostgres start(int port) throws IOException {
    return EmbeddedPostgres.builder()
        .setPort(port)
        .setDataDirectory(data.resolve("pg"))
        .setCleanDataDirectory(false)
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("fsync", "on")
        .setServerConfig("listen_addresses", "127.0.0.1")
        .start();
  }
}
