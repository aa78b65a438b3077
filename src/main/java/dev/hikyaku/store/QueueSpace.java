package dev.hikyaku.store;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Octets the queue can still grow by, for the free-space headroom of {@code intake.StorageGuard}:
 * what the file system and the database file hold for new pages once SQLite has done what it must
 * do anyway.
 *
 * <ul>
 *   <li>Free space on the file system that holds the database (statvfs), plus the pages free
 *       inside the database file: SQLite does not give pages back to the file system when messages
 *       leave; it reuses them.
 *   <li>Less what the database file must still grow by: pages that so far live only in the WAL are
 *       copied into it by the next checkpoint, free or not (https://sqlite.org/walformat.html: a
 *       checkpoint sets the database size to the last commit's). Without room for that checkpoint
 *       nothing is usable: it would fail, and the WAL could never start over.
 *   <li>Less the WAL's working size where the WAL file is smaller: SQLite appends to the WAL until
 *       it holds {@code wal_autocheckpoint} pages (1000), checkpoints, and only then writes it again
 *       from its start, so the WAL takes that much whatever we do, and delivery needs it to record
 *       its outcomes. WAL octets SQLite reuses count as that working room, not as room for
 *       messages: every page written there is copied into the database file as well.
 * </ul>
 *
 * <p>WAL octets beyond the working size are left over from a burst (a large batch, or readers that
 * kept checkpoints from finishing); {@code journal_size_limit} lets the file keep up to 64 MiB of
 * them. When the estimate is short of what a caller wants and those octets would make the
 * difference, the writer thread checkpoints and truncates the WAL to zero bytes ({@link
 * GroupCommitWriter#truncateWal}), and they come back as free space on the file system. Only a
 * checkpoint that SQLite reports as complete (busy = 0) counts, so WAL frames a reader still needs
 * are never counted; after one that could not complete, the next try waits {@link
 * #RETRY_AFTER_BUSY}, so that a reader kept open does not stall every commit behind checkpoints.
 *
 * <p>Every count is read afresh (one read transaction, a few microseconds): a count even a second
 * old misses pages just written to the WAL, which cost the file system twice (frame, then
 * checkpoint) while a stale count sees them once.
 */
final class QueueSpace {

  static final Duration RETRY_AFTER_BUSY = Duration.ofSeconds(1);
  private static final Logger log = LoggerFactory.getLogger(QueueSpace.class);
  // How long a caller waits for a truncation: the writer takes it after the batch it is writing.
  private static final Duration TRUNCATION_PATIENCE = Duration.ofSeconds(5);
  // https://sqlite.org/walformat.html: a 32-octet WAL header, then frames of a 24-octet header and a page.
  private static final long WAL_HEADER_OCTETS = 32;
  private static final long FRAME_HEADER_OCTETS = 24;

  /** The database's page size, free pages and all its pages, on one snapshot. */
  private record InFile(long pageSize, long freePages, long pages) {}

  /**
   * One reading of the disk, in octets.
   *
   * @param fileSystem free on the file system now
   * @param growth what the next checkpoint adds to the database file
   * @param wal the WAL file's size
   * @param walWorking the size the WAL grows to before SQLite writes it again from its start
   * @param freeInFile pages free inside the database
   */
  private record Room(long fileSystem, long growth, long wal, long walWorking, long freeInFile) {

    long usable() {
      return usable(fileSystem - growth - Math.max(0, walWorking - wal));
    }

    /** After wal_checkpoint(TRUNCATE): the WAL file gone, to grow to its working size again. */
    long usableAfterTruncation() {
      return fileSystem < growth ? 0 : usable(fileSystem - growth + wal - walWorking);
    }

    private long usable(long freeOnDisk) {
      return freeOnDisk < 0 ? 0 : freeOnDisk + freeInFile;
    }
  }

  private final Path databaseFile;
  private final Path walFile;
  private final ReadConnections readers;
  private final GroupCommitWriter writer;
  private final long walCheckpointPages;
  private final LongSupplier fileSystemSpace;
  private final LongSupplier nanoTime;
  // One truncation at a time; callers that waited for it see its result in their next reading.
  private final ReentrantLock truncating = new ReentrantLock();
  private long notBeforeNanos; // guarded by truncating: next try after a busy checkpoint
  private boolean wasBusy; // guarded by truncating: the last try could not truncate

  /**
   * @param walCheckpointPages the writing connection's {@code PRAGMA wal_autocheckpoint}
   * @param fileSystemSpace octets free for this process on the database's file system (statvfs)
   * @param nanoTime monotonic time, {@link System#nanoTime} but in tests
   */
  QueueSpace(Path databaseFile, ReadConnections readers, GroupCommitWriter writer, long walCheckpointPages,
      LongSupplier fileSystemSpace, LongSupplier nanoTime) {
    this.databaseFile = databaseFile;
    this.walFile = databaseFile.resolveSibling(databaseFile.getFileName() + "-wal");
    this.readers = readers;
    this.writer = writer;
    this.walCheckpointPages = Math.max(0, walCheckpointPages);
    this.fileSystemSpace = fileSystemSpace;
    this.nanoTime = nanoTime;
    this.notBeforeNanos = nanoTime.getAsLong();
  }

  /**
   * Free space for this process on the file system of {@code databaseFile}, by statvfs; 0 when the
   * file system cannot be read, so that a broken one refuses mail rather than fills.
   */
  static LongSupplier fileSystemOf(Path databaseFile) {
    AtomicReference<FileStore> found = new AtomicReference<>();
    return () -> {
      try {
        FileStore store = found.get();
        if (store == null) {
          // Found once: Files.getFileStore reads the mount table, getUsableSpace is one statvfs.
          store = Files.getFileStore(databaseFile);
          found.set(store);
        }
        return store.getUsableSpace();
      } catch (IOException e) {
        return 0;
      }
    };
  }

  /**
   * Octets the queue can grow by; when fewer than {@code wanted}, first truncates the WAL if what it
   * holds beyond its working size would make up the difference.
   */
  long usable(long wanted) {
    long usable = room().usable();
    if (usable >= wanted) {
      return usable;
    }
    try {
      if (!truncating.tryLock(TRUNCATION_PATIENCE.toNanos(), TimeUnit.NANOSECONDS)) {
        return room().usable();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return usable;
    }
    try {
      // Read again: a truncation may have finished while this caller waited for the lock.
      Room room = room();
      if (room.usable() >= wanted || room.usableAfterTruncation() < wanted
          || nanoTime.getAsLong() - notBeforeNanos < 0) {
        return room.usable();
      }
      boolean isTruncated;
      try {
        isTruncated = writer.truncateWal().get(TRUNCATION_PATIENCE.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return room.usable(); // still behind a long batch: done later, and seen by a later reading
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return room.usable();
      } catch (ExecutionException e) {
        isTruncated = false; // the writer completes it with true or false only
      }
      if (isTruncated) {
        log.info("{}: WAL checkpointed and truncated, {} octets given back to the file system",
            walFile.getFileName(), room.wal());
        wasBusy = false;
      } else {
        notBeforeNanos = nanoTime.getAsLong() + RETRY_AFTER_BUSY.toNanos();
        if (!wasBusy) {
          log.warn("{}: WAL not truncated (a reader still on it, or no room to copy it back); its {}"
              + " octets stay in use, next try in {} ms at the earliest", walFile.getFileName(), room.wal(),
              RETRY_AFTER_BUSY.toMillis());
        }
        wasBusy = true;
      }
      return room().usable();
    } finally {
      truncating.unlock();
    }
  }

  private Room room() {
    InFile pages = readInFile();
    // Pages past the end of the database file are still only in the WAL.
    long growth = Math.max(0, pages.pages() * pages.pageSize() - size(databaseFile));
    long walWorking = pages.pageSize() == 0
        ? 0 : WAL_HEADER_OCTETS + walCheckpointPages * (FRAME_HEADER_OCTETS + pages.pageSize());
    return new Room(fileSystemSpace.getAsLong(), growth, size(walFile), walWorking,
        pages.freePages() * pages.pageSize());
  }

  /** PRAGMA page_size, freelist_count and page_count, on one snapshot. */
  private InFile readInFile() {
    try {
      return readers.read("counting free pages", connection -> {
        try (Statement statement = connection.createStatement()) {
          return new InFile(
              pragma(statement, "page_size"), pragma(statement, "freelist_count"), pragma(statement, "page_count"));
        }
      });
    } catch (StoreException e) {
      return new InFile(0, 0, 0); // unknown: count only the file system
    }
  }

  private static long pragma(Statement statement, String name) throws SQLException {
    try (ResultSet row = statement.executeQuery("PRAGMA " + name)) {
      row.next();
      return row.getLong(1);
    }
  }

  /** The file's length; 0 when it does not exist (no WAL yet) or cannot be read. */
  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) { // NoSuchFileException among them
      return 0;
    }
  }
}
