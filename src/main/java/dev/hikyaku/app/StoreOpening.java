package dev.hikyaku.app;

import dev.hikyaku.app.Server.StartupException;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.StoreConfig;
import dev.hikyaku.store.NodeIdentity;
import dev.hikyaku.store.PostgresSettings;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;

/**
 * Opens the store the configuration names, for the server and for every admin command alike:
 * SQLite in the data directory, or the shared PostgreSQL database ({@code store.url}).
 */
final class StoreOpening {

  private StoreOpening() {}

  /**
   * The store, migrated when it is SQLite (a file this process owns) and only checked when it is
   * PostgreSQL ({@code hikyaku migrate} brings a shared schema up to date, once, before the nodes).
   */
  static Store open(HikyakuConfig config, Clock clock) throws StartupException, StoreException {
    StoreConfig store = config.store();
    NodeIdentity node = new NodeIdentity(store.nodeId(), store.lease());
    if (!store.isShared()) {
      return Store.openSqlite(config.dataDirectory(), clock, node);
    }
    return Store.openPostgres(postgres(store), node, false, clock);
  }

  /** Whether there is a store to open: false for an SQLite file not yet created (no server started). */
  static boolean exists(HikyakuConfig config) {
    return config.store().isShared() || Files.exists(sqliteFile(config));
  }

  /** The SQLite file of {@code config}'s data directory. */
  static Path sqliteFile(HikyakuConfig config) {
    return config.dataDirectory().resolve(Store.SQLITE_FILE_NAME);
  }

  /** Brings the schema up to date and says where it stands. */
  static String migrate(HikyakuConfig config) throws StartupException, StoreException {
    StoreConfig store = config.store();
    if (!store.isShared()) {
      try (Store opened = Store.openSqlite(config.dataDirectory(), Clock.systemUTC())) {
        return sqliteFile(config).toAbsolutePath() + ": schema up to date";
      }
    }
    PostgresSettings settings = postgres(store);
    Store.migratePostgres(settings);
    return settings + ": schema up to date";
  }

  /** How to reach the shared database; the password read from its file now. */
  static PostgresSettings postgres(StoreConfig store) throws StartupException {
    char[] password = store.passwordFile().isPresent()
        ? PasswordFile.read(store.passwordFile().get(), "store.password-file")
        : new char[0];
    try {
      return new PostgresSettings(store.jdbcUrl(), store.user().orElseThrow(), new String(password), store.pool());
    } finally {
      Arrays.fill(password, '\0');
    }
  }
}
