package dev.hikyaku.store;

import static dev.hikyaku.store.TestMessages.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.testing.TestStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The free space the headroom check sees, on a simulated small disk: the file system's free octets
 * are a capacity less what the database, its WAL and shared-memory file take, so the WAL's octets
 * come back exactly when the file shrinks.
 *
 * <p>SQLite appends to the WAL until it holds {@code wal_autocheckpoint} pages (1000), so the WAL's
 * working size is 32 + 1000 × (24 + 4096) octets; a single transaction larger than that leaves the
 * file larger, as a burst's large batch does on a server.
 */
@Tag(TestStores.SQLITE_ONLY)
class QueueSpaceTest {

  private static final int MESSAGE_OCTETS = 48_000;
  private static final int BIG_MESSAGE_OCTETS = 8_000_000;
  // A 48 KB message above the 96 KiB headroom of a 64 KiB size limit (the probe's setup).
  private static final long WANTED = MESSAGE_OCTETS + 96 * 1024;

  @TempDir Path dataDirectory;

  private final TestMessages messages = new TestMessages();
  private final AtomicLong nanoTime = new AtomicLong(1_000);

  private Store open() throws StoreException {
    return Store.openSqlite(dataDirectory, Clock.fixed(T0, ZoneOffset.UTC));
  }

  private Path file(String suffix) {
    return dataDirectory.resolve(Store.SQLITE_FILE_NAME + suffix);
  }

  private long size(String suffix) {
    try {
      return Files.exists(file(suffix)) ? Files.size(file(suffix)) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the store's files take on the simulated disk. */
  private long used() {
    return size("") + size("-wal") + size("-shm");
  }

  /** The store's space on a disk of {@code capacity} octets that holds nothing else. */
  private QueueSpace spaceOn(Store store, long capacity) throws Exception {
    return new QueueSpace(store.databaseFile(), store.readers(), store.writer(),
        Long.parseLong(store.writer().pragma("wal_autocheckpoint")), () -> capacity - used(), nanoTime::get);
  }

  /** The size the WAL grows to before SQLite writes it again from its start. */
  private static long walWorking(Store store) throws Exception {
    return 32 + Long.parseLong(store.writer().pragma("wal_autocheckpoint")) * (24 + pragma(store, "page_size"));
  }

  /** Messages that leave as soon as they came, as when delivery keeps up: the WAL grows, the database does not. */
  private void passThrough(Store store, int count, int octets) throws StoreException {
    for (int n = 0; n < count; n++) {
      NewMessage message = messages.sized(T0.plusMillis(n), octets);
      store.queue().accept(message);
      store.queueAdmin().delete(message.id());
    }
  }

  private static long pragma(Store store, String name) throws StoreException {
    return store.readers().read("test", connection -> {
      try (Statement statement = connection.createStatement();
          ResultSet row = statement.executeQuery("PRAGMA " + name)) {
        row.next();
        return row.getLong(1);
      }
    });
  }

  private static long freeInFile(Store store) throws StoreException {
    return pragma(store, "freelist_count") * pragma(store, "page_size");
  }

  private long pendingGrowth(Store store) throws StoreException {
    return pragma(store, "page_count") * pragma(store, "page_size") - size("");
  }

  @Test
  void walOctetsBeyondTheWorkingSizeAreGivenBackByTruncatingTheWal() throws Exception {
    try (Store store = open()) {
      // One message larger than the WAL's working size: the file keeps its size after it (SQLite
      // writes it again from its start; journal_size_limit is 64 MiB).
      passThrough(store, 1, BIG_MESSAGE_OCTETS);
      long walOctets = size("-wal");
      long excess = walOctets - walWorking(store);
      assertThat(excess).isGreaterThan(3L << 20);
      assertThat(pendingGrowth(store)).isZero();
      long capacity = used() + 32 * 1024;
      QueueSpace space = spaceOn(store, capacity);

      // Asking for what is there does not truncate anything.
      long before = space.usable(0);
      assertThat(before).isEqualTo(32 * 1024 + freeInFile(store));
      assertThat(size("-wal")).isEqualTo(walOctets);

      long wanted = before + (1 << 20);
      long after = space.usable(wanted);
      assertThat(size("-wal")).as("the WAL is truncated").isZero();
      assertThat(after).isGreaterThanOrEqualTo(wanted).isEqualTo(before + excess);

      // The room is real: the next messages are stored.
      NewMessage next = messages.sized(T0.plusSeconds(1), MESSAGE_OCTETS);
      store.queue().accept(next);
      assertThat(store.queueAdmin().find(next.id()).orElseThrow().content()).isEqualTo(next.content());
    }
  }

  @Test
  void walOctetsWithinTheWorkingSizeAreNoRoomForMessages() throws Exception {
    try (Store store = open()) {
      // The outside probe's disk after a burst that delivery kept up with: a WAL of about its
      // working size, few pages free, and the rest of the disk taken by others.
      passThrough(store, 60, MESSAGE_OCTETS);
      long walOctets = size("-wal");
      assertThat(walOctets).isGreaterThan(3L << 20);
      // Just the room the next checkpoint needs on the disk: the message history's rows (kept after
      // the queue's) make the database grow by a page or two.
      QueueSpace space = spaceOn(store, used() + pendingGrowth(store));

      // Truncating would give back only what the WAL holds beyond its working size: not enough, so
      // the WAL stays as it is.
      long before = space.usable(WANTED);
      assertThat(before).isLessThan(WANTED);
      assertThat(size("-wal")).isEqualTo(walOctets);

      // Truncated anyway, the WAL grows back to its working size as soon as the queue is written
      // again (delivery recording its outcomes, for a start): that room is SQLite's, not the
      // messages'. Counting it would take mail in at the expense of delivery.
      assertThat(store.writer().truncateWal().get()).isTrue();
      assertThat(space.usable(0)).isEqualTo(before + Math.max(0, walOctets - walWorking(store))).isLessThan(WANTED);
    }
  }

  @Test
  void aWalThatAReaderStillNeedsIsNotCountedAndIsTruncatedOnceTheReaderIsDone() throws Exception {
    try (Store store = open();
        Connection reader = DriverManager.getConnection("jdbc:sqlite:" + file(""))) {
      passThrough(store, 1, BIG_MESSAGE_OCTETS);
      // A read transaction keeps its snapshot, whose last pages are only in the WAL; the message
      // after it adds frames that a checkpoint may not copy back while the reader is on.
      reader.setAutoCommit(false);
      try (Statement statement = reader.createStatement();
          ResultSet row = statement.executeQuery("SELECT count(*) FROM message")) {
        row.next();
      }
      passThrough(store, 1, MESSAGE_OCTETS);
      long walOctets = size("-wal");
      QueueSpace space = spaceOn(store, used() + 32 * 1024);
      long wanted = space.usable(0) + (1 << 20);

      assertThat(space.usable(wanted)).isLessThan(wanted);
      assertThat(size("-wal")).as("the WAL is kept while a reader needs it").isEqualTo(walOctets);

      reader.commit();
      // The next try waits a little after a busy checkpoint, so that a reader kept open does not
      // hold up every commit behind checkpoints.
      assertThat(space.usable(wanted)).isLessThan(wanted);
      assertThat(size("-wal")).isEqualTo(walOctets);

      nanoTime.addAndGet(QueueSpace.RETRY_AFTER_BUSY.toNanos());
      assertThat(space.usable(wanted)).isGreaterThanOrEqualTo(wanted);
      assertThat(size("-wal")).isZero();
    }
  }

  @Test
  void pagesOnlyInTheWalAreCountedAsTheNextCheckpointLeavesThem() throws Exception {
    try (Store store = open()) {
      // Ten messages are far below the 1000 pages of an automatic checkpoint: their pages are only in
      // the WAL, and deleting them frees pages past the end of the database file.
      List<NewMessage> burst = new ArrayList<>();
      for (int n = 0; n < 10; n++) {
        burst.add(messages.sized(T0.plusMillis(n), MESSAGE_OCTETS));
        store.queue().accept(burst.getLast());
      }
      for (NewMessage message : burst) {
        store.queueAdmin().delete(message.id());
      }
      long freeInFile = freeInFile(store);
      long growth = pendingGrowth(store);
      long databaseOctets = size("") + growth;
      long walShortfall = walWorking(store) - size("-wal");
      assertThat(freeInFile).isGreaterThan(10L * MESSAGE_OCTETS);
      assertThat(growth).isGreaterThan(10L * MESSAGE_OCTETS);
      assertThat(walShortfall).isPositive();

      // A disk without room for the checkpoint SQLite must do has no room for mail, however many
      // pages are free: the checkpoint would fail and the WAL could never start over.
      assertThat(spaceOn(store, used() + growth / 2).usable(1)).isZero();
      assertThat(size("-wal")).isPositive();

      long capacity = used() + growth + walShortfall + 100 * 1024;
      long counted = spaceOn(store, capacity).usable(1);
      // The checkpoint grows the database file by the pages only the WAL held, free or not (the WAL
      // keeps its size: no truncation asked for); what was counted is what is left then.
      assertThat(store.writer().pragma("wal_checkpoint(PASSIVE)")).isEqualTo("0");
      assertThat(size("")).isEqualTo(databaseOctets);
      assertThat(counted).isEqualTo(100 * 1024 + freeInFile).isEqualTo(capacity - used() - walShortfall + freeInFile);
    }
  }
}
