package dev.hikyaku.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Backing up the embedded store while the server runs, and restoring it into a data directory
 * (issue 19). A backup is SQLite's {@code VACUUM INTO}: one read transaction on a connection of its
 * own, so it is a consistent copy of the last commit (WAL readers do not block the writer, nor it
 * them), compacted, with no WAL beside it. A restore copies that file in as the store of a data
 * directory that has none, or whose store no process has open.
 */
public final class SqliteBackup {

  private SqliteBackup() {}

  /** Writes a consistent copy of {@code dataDirectory}'s store to {@code target}, which must not exist. */
  public static void backup(Path dataDirectory, Path target) throws StoreException {
    Path database = dataDirectory.toAbsolutePath().resolve(Store.SQLITE_FILE_NAME);
    if (!Files.isRegularFile(database)) {
      throw new StoreException(StoreException.Kind.NOT_FOUND, "no store at " + database);
    }
    if (Files.exists(target)) {
      throw new StoreException(StoreException.Kind.CONFLICT, target + " exists; a backup never overwrites a file");
    }
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        PreparedStatement vacuum = connection.prepareStatement("VACUUM INTO ?")) {
      try (Statement statement = connection.createStatement()) {
        statement.execute("PRAGMA busy_timeout = 10000");
      }
      vacuum.setString(1, target.toAbsolutePath().toString());
      vacuum.execute();
    } catch (SQLException e) {
      throw StoreException.from("backing up " + database + " to " + target, e);
    }
  }

  /**
   * Makes {@code backup} the store of {@code dataDirectory}: refused when the backup is not a
   * SQLite database, or when the directory has a store that a process (a server) has open; a store
   * not in use is kept beside it as {@code hikyaku.db.before-restore}.
   */
  public static void restore(Path backup, Path dataDirectory) throws StoreException {
    try {
      byte[] header = new byte[16];
      try (var in = Files.newInputStream(backup)) {
        if (in.readNBytes(header, 0, 16) != 16 || !new String(header, 0, 15, StandardCharsets.US_ASCII)
            .equals("SQLite format 3")) {
          throw new StoreException(StoreException.Kind.CONFLICT, backup + " is not a SQLite database (not a backup of the store)");
        }
      }
      Files.createDirectories(dataDirectory);
      Path database = dataDirectory.toAbsolutePath().resolve(Store.SQLITE_FILE_NAME);
      if (Files.exists(database)) {
        requireUnused(database);
        Files.move(database, database.resolveSibling(Store.SQLITE_FILE_NAME + ".before-restore"), StandardCopyOption.REPLACE_EXISTING);
      }
      Files.copy(backup, database);
    } catch (IOException e) {
      throw new StoreException(StoreException.Kind.UNAVAILABLE, "restoring " + backup + " into " + dataDirectory + ": " + e.getMessage(), e);
    }
  }

  /**
   * Refuses when a process has the store open. In WAL mode an open store has its {@code -wal} and
   * {@code -shm} files beside it (SQLite removes them when the last connection closes cleanly); after
   * a crash they hold committed transactions, so they are never thrown away here either.
   */
  private static void requireUnused(Path database) throws StoreException {
    for (String suffix : new String[] {"-wal", "-shm"}) {
      if (Files.exists(database.resolveSibling(database.getFileName() + suffix))) {
        throw new StoreException(StoreException.Kind.CONFLICT, database + " is open (its " + suffix + " file is there): stop the"
            + " server before a restore; after a crash, start and stop it once so that SQLite folds its WAL in");
      }
    }
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA busy_timeout = 0");
      statement.execute("BEGIN EXCLUSIVE");
      statement.execute("ROLLBACK");
    } catch (SQLException e) {
      throw new StoreException(StoreException.Kind.CONFLICT, database + " is in use (is the server running? stop it before a restore)", e);
    }
  }
}
