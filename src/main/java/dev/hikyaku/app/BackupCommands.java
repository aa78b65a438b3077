package dev.hikyaku.app;

import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.store.SqliteBackup;
import dev.hikyaku.store.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hikyaku backup FILE} and {@code hikyaku restore FILE}: the embedded store, while the server runs and into a data directory. */
final class BackupCommands {

  private BackupCommands() {}

  /** A path as given, refused when it holds a character a terminal would act on (a file nobody could name again). */
  static Path plainPath(Path given) throws Main.UserError {
    String text = given.toString();
    if (!TerminalText.visible(text).equals(text)) {
      throw new Main.UserError("refused: the file name holds control characters: " + text);
    }
    return given;
  }

  /** What to use on a store shared by several nodes: PostgreSQL's own tools. */
  static final String POSTGRES_ADVICE = "the store is PostgreSQL (store.url): back it up with pg_dump -Fc (or a base backup with"
      + " WAL archiving) and restore with pg_restore; see the README's \"Running several nodes\"";

  @Command(
      name = "backup",
      description = "Write a consistent copy of the store to FILE while the server runs (SQLite's VACUUM INTO: the last commit,"
          + " compacted). FILE must not exist.")
  static final class Backup implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "The server's config file (for its data directory).") Path config;
    @Parameters(index = "0", paramLabel = "FILE") Path target;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      plainPath(target);
      HikyakuConfig effective = Main.loadConfig(config);
      if (effective.store().isShared()) {
        throw new Main.UserError("not backed up: " + POSTGRES_ADVICE);
      }
      try {
        SqliteBackup.backup(effective.dataDirectory(), target);
      } catch (StoreException e) {
        throw new Main.UserError(e.getMessage());
      }
      spec.commandLine().getOut().println("store backed up to " + target + " (" + Files.size(target) + " octets)");
      return 0;
    }
  }

  @Command(
      name = "restore",
      description = "Make FILE (a backup) the store of the data directory; the server must be stopped. A store already there is"
          + " kept as hikyaku.db.before-restore. Start the server afterwards: what was queued is delivered.")
  static final class Restore implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "The server's config file (for its data directory).") Path config;
    @Parameters(index = "0", paramLabel = "FILE") Path backup;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      plainPath(backup);
      HikyakuConfig effective = Main.loadConfig(config);
      if (effective.store().isShared()) {
        throw new Main.UserError("not restored: " + POSTGRES_ADVICE);
      }
      if (!Files.isRegularFile(backup)) {
        throw new Main.UserError("no backup at " + backup);
      }
      try {
        SqliteBackup.restore(backup, effective.dataDirectory());
      } catch (StoreException e) {
        throw new Main.UserError(e.getMessage());
      }
      spec.commandLine().getOut().println("store restored into " + effective.dataDirectory() + " from " + backup);
      return 0;
    }
  }
}
