package dev.hikyaku.store;

import static dev.hikyaku.store.TestMessages.RELAY_ORIGIN;
import static dev.hikyaku.store.TestMessages.SUBMISSION_ORIGIN;
import static dev.hikyaku.store.TestMessages.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.testing.TestStores;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {

  private static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir Path dataDirectory;

  private final TestMessages messages = new TestMessages();

  private Store open() throws StoreException {
    return TestStores.open(dataDirectory, CLOCK);
  }

  /** Every octet value but NUL, plus 8-bit UTF-8 headers and bare CR/LF, as 8BITMIME bodies carry. */
  private static byte[] eightBitContent() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("From: Jörg <jorg@example.org>\r\nSubject: =?UTF-8?Q?gr=C3=BC=C3=9Fe?= 日本\r\n\r\n"
        .getBytes(StandardCharsets.UTF_8));
    for (int round = 0; round < 3; round++) {
      for (int b = 1; b <= 255; b++) {
        out.write(b);
      }
    }
    out.writeBytes("\r\n\rbare\ncr-lf\r\n..leading dot kept as content\r\n".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  @Test
  void acceptedMessageSurvivesCloseAndReopenByteForByte() throws Exception {
    Instant receivedAt = T0.plusMillis(123);
    byte[] content = eightBitContent();
    NewMessage accepted = new NewMessage(
        messages.idAt(receivedAt), receivedAt, "alice@example.org", "BODY=8BITMIME SIZE=1234",
        List.of(new NewRecipient("bob@example.net", "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.net"),
            new NewRecipient("carol@example.com", "")),
        SUBMISSION_ORIGIN, content.clone());

    try (Store store = open()) {
      store.queue().accept(accepted);
    }

    try (Store reopened = open()) {
      QueuedMessage found = reopened.queueAdmin().find(accepted.id()).orElseThrow();
      assertThat(found.id()).isEqualTo(accepted.id());
      assertThat(found.receivedAt()).isEqualTo(receivedAt);
      assertThat(found.reversePath()).isEqualTo("alice@example.org");
      assertThat(found.mailParameters()).isEqualTo("BODY=8BITMIME SIZE=1234");
      assertThat(found.origin()).isEqualTo(SUBMISSION_ORIGIN);
      assertThat(found.recipients()).containsExactly(
          new QueuedRecipient("bob@example.net", "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.net",
              "pending", 0, null, null),
          new QueuedRecipient("carol@example.com", "", "pending", 0, null, null));
      assertThat(found.state()).isEqualTo(MessageState.QUEUED);
      assertThat(found.size()).isEqualTo(content.length);
      assertThat(found.content()).isEqualTo(content);
    }
  }

  @Test
  void nullReversePathPlainOriginAndNulBytesRoundTrip() throws Exception {
    byte[] binary = new byte[512];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) i; // includes NUL, as BINARYMIME (RFC 3030) may carry
    }
    NewMessage bounce = new NewMessage(messages.idAt(T0), T0, "", "",
        List.of(new NewRecipient("alice@example.org", "")), RELAY_ORIGIN, binary);
    try (Store store = open()) {
      store.queue().accept(bounce);
    }
    try (Store store = open()) {
      QueuedMessage found = store.queueAdmin().find(bounce.id()).orElseThrow();
      assertThat(found.reversePath()).isEmpty();
      assertThat(found.origin()).isEqualTo(RELAY_ORIGIN);
      assertThat(found.origin().hasTls()).isFalse();
      assertThat(found.content()).isEqualTo(binary);
    }
  }

  @Test
  void emptyContentRoundTripsAsEmpty() throws Exception {
    NewMessage empty = new NewMessage(messages.idAt(T0), T0, "a@example.org", "",
        List.of(new NewRecipient("b@example.org", "")), RELAY_ORIGIN, new byte[0]);
    try (Store store = open()) {
      store.queue().accept(empty);
      QueuedMessage found = store.queueAdmin().find(empty.id()).orElseThrow();
      assertThat(found.content()).isEmpty();
      assertThat(found.size()).isZero();
    }
  }

  @Test
  void findOfAnUnknownIdIsEmpty() throws Exception {
    try (Store store = open()) {
      assertThat(store.queueAdmin().find(messages.idAt(T0))).isEmpty();
    }
  }

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void writerConnectionIsWalWithFullSynchronousAndForeignKeys() throws Exception {
    try (Store store = open()) {
      assertThat(store.writerJournalMode()).isEqualTo("wal");
      assertThat(store.writerSynchronous()).isEqualTo(2); // FULL
      assertThat(store.writer().pragma("foreign_keys")).isEqualTo("1");
      assertThat(store.databaseFile()).isEqualTo(dataDirectory.toAbsolutePath().resolve("hikyaku.db"));
      assertThat(store.databaseFile()).exists();
    }
  }

  @Test
  void readConnectionsCannotWrite() throws Exception {
    try (Store store = open()) {
      NewMessage message = messages.message(T0, "a@example.org", "b@example.net");
      store.queue().accept(message);
      assertThatThrownBy(() -> store.readers().read("deleting", connection -> {
        try (var statement = connection.createStatement()) {
          return statement.executeUpdate("DELETE FROM message");
        }
      })).isInstanceOf(StoreException.class).hasMessageMatching("(?s).*(readonly|read-only).*");
      assertThat(store.queueAdmin().find(message.id())).isPresent();
    }
  }

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void createsAMissingDataDirectory() throws Exception {
    Path nested = dataDirectory.resolve("var/lib/hikyaku");
    try (Store store = TestStores.open(nested, CLOCK)) {
      store.queue().accept(messages.message(T0, "a@example.org", "b@example.org"));
    }
    assertThat(nested.resolve("hikyaku.db")).exists();
  }

  @Test
  void concurrentAcceptsShareCommits() throws Exception {
    int callers = 64;
    List<NewMessage> sent = IntStream.range(0, callers)
        .mapToObj(i -> messages.message(T0.plusMillis(i), "sender" + i + "@example.org",
            "rcpt" + i + "@example.net"))
        .toList();
    try (Store store = open()) {
      CountDownLatch start = new CountDownLatch(1);
      try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<?>> accepted = new ArrayList<>();
        for (NewMessage message : sent) {
          accepted.add(threads.submit(() -> {
            start.await();
            store.queue().accept(message);
            return null;
          }));
        }
        start.countDown();
        for (Future<?> future : accepted) {
          future.get();
        }
      }
      for (NewMessage message : sent) {
        assertThat(store.queueAdmin().find(message.id())).isPresent();
      }
      assertThat(store.queueAdmin().list(QueueQuery.all())).hasSize(callers);
      GroupCommitStats stats = store.queue().stats();
      assertThat(stats.messages()).isEqualTo(callers);
      assertThat(stats.commits()).as("group commit %s", stats).isPositive().isLessThan(stats.messages());
    }
  }

  @Test
  void oneBadMessageDoesNotFailItsBatch() throws Exception {
    try (Store store = open()) {
      NewMessage first = messages.message(T0, "a@example.org", "x@example.net");
      NewMessage duplicate = new NewMessage(first.id(), T0.plusMillis(1), "b@example.org", "",
          List.of(new NewRecipient("y@example.net", "")), RELAY_ORIGIN, new byte[] {'x'});
      NewMessage third = messages.message(T0.plusMillis(2), "c@example.org", "z@example.net");

      List<Future<Optional<StoreException>>> outcomes =
          acceptAsOneBatch(store, List.of(first, duplicate, third));

      assertThat(outcomes.get(0).get()).isEmpty();
      assertThat(outcomes.get(1).get()).hasValueSatisfying(e -> {
        assertThat(e.kind()).isEqualTo(StoreException.Kind.UNAVAILABLE);
        assertThat(e.getMessage()).contains(first.id().value());
      });
      assertThat(outcomes.get(2).get()).isEmpty();
      assertThat(store.queueAdmin().find(first.id()).orElseThrow().reversePath()).isEqualTo("a@example.org");
      assertThat(store.queueAdmin().find(third.id())).isPresent();
      // The batch of three failed as a whole; then each message went alone: two commits.
      assertThat(store.queue().stats()).isEqualTo(new GroupCommitStats(2, 2));
    }
  }

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void fullDatabaseIsReportedAsDiskFullForTheMessageThatDoesNotFit() throws Exception {
    try (Store store = open()) {
      NewMessage small = messages.sized(T0, 200);
      NewMessage huge = messages.sized(T0.plusMillis(1), 2 * 1024 * 1024);
      NewMessage alsoSmall = messages.sized(T0.plusMillis(2), 200);
      // SQLite answers SQLITE_FULL when a database would grow past max_page_count, exactly as when
      // the disk is full: a real full-disk path without a tiny file system.
      long pages = Long.parseLong(store.writer().pragma("page_count"));
      store.writer().pragma("max_page_count = " + (pages + 32));

      List<Future<Optional<StoreException>>> outcomes =
          acceptAsOneBatch(store, List.of(small, huge, alsoSmall));

      assertThat(outcomes.get(0).get()).isEmpty();
      assertThat(outcomes.get(1).get()).hasValueSatisfying(e -> {
        assertThat(e.kind()).isEqualTo(StoreException.Kind.DISK_FULL);
        assertThat(e.getMessage()).contains(huge.id().value());
      });
      assertThat(outcomes.get(2).get()).isEmpty();
      assertThat(store.queueAdmin().find(huge.id())).isEmpty();
      assertThat(store.queueAdmin().find(alsoSmall.id()).orElseThrow().content()).isEqualTo(alsoSmall.content());

      // Once there is room again, the same writer takes the big message.
      store.writer().pragma("max_page_count = 1073741823");
      store.queue().accept(huge);
      assertThat(store.queueAdmin().find(huge.id()).orElseThrow().content()).isEqualTo(huge.content());
    }
  }

  /**
   * Holds the writer off until all {@code batch} messages are pending, so they are written as one
   * batch; returns each caller's outcome.
   */
  private static List<Future<Optional<StoreException>>> acceptAsOneBatch(
      Store store, List<NewMessage> batch) {
    GroupCommitWriter writer = store.writer();
    List<Future<Optional<StoreException>>> outcomes = new ArrayList<>();
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    writer.connectionGate().lock();
    try {
      for (NewMessage message : batch) {
        outcomes.add(threads.submit(() -> {
          try {
            store.queue().accept(message);
            return Optional.empty();
          } catch (StoreException e) {
            return Optional.of(e);
          }
        }));
        // One at a time, so the batch keeps this order.
        int expected = outcomes.size();
        await().atMost(PATIENCE).until(() -> writer.pendingCount() == expected);
      }
    } finally {
      writer.connectionGate().unlock();
    }
    threads.close(); // waits for every caller
    return outcomes;
  }

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void walTruncationRunsOnTheWriterThreadAfterTheBatchItWaitsFor() throws Exception {
    Store store = open();
    GroupCommitWriter writer = store.writer();
    NewMessage message = messages.sized(T0, 100_000);
    CompletableFuture<Boolean> truncation;
    Future<?> accepted;
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    writer.connectionGate().lock();
    try {
      accepted = threads.submit(() -> {
        store.queue().accept(message);
        return null;
      });
      await().atMost(PATIENCE).until(() -> writer.pendingCount() == 1);
      truncation = writer.truncateWal();
      assertThat(writer.truncateWal()).as("requests while one waits share it").isSameAs(truncation);
      assertThat(truncation).isNotDone();
    } finally {
      writer.connectionGate().unlock();
    }
    assertThat(truncation.get()).isTrue();
    accepted.get();
    threads.close();
    // Between transactions, after the batch: the message is committed and the WAL holds nothing.
    assertThat(Files.size(dataDirectory.resolve(Store.SQLITE_FILE_NAME + "-wal"))).isZero();
    assertThat(store.queueAdmin().find(message.id()).orElseThrow().content()).isEqualTo(message.content());

    store.close();
    assertThat(writer.truncateWal().get()).as("nothing to do once closing").isFalse();
  }

  @Test
  void closeLetsQueuedWritesFinishThenRejectsNewOnes() throws Exception {
    Store store = open();
    List<NewMessage> queued = List.of(
        messages.message(T0, "a@example.org", "x@example.net"),
        messages.message(T0.plusMillis(1), "b@example.org", "y@example.net"));
    GroupCommitWriter writer = store.writer();
    List<Future<?>> accepted = new ArrayList<>();
    Future<?> closing;
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      writer.connectionGate().lock();
      try {
        for (NewMessage message : queued) {
          accepted.add(threads.submit(() -> {
            store.queue().accept(message);
            return null;
          }));
        }
        await().atMost(PATIENCE).until(() -> writer.pendingCount() == queued.size());
        closing = threads.submit(store::close);
        // Once close has begun, a new message is refused at once, though the writer is held.
        NewMessage late = messages.message(T0.plusMillis(2), "c@example.org", "z@example.net");
        await().atMost(PATIENCE).untilAsserted(() ->
            assertThatThrownBy(() -> store.queue().accept(late))
                .isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.CLOSED)));
        assertThat(closing).isNotDone();
      } finally {
        writer.connectionGate().unlock();
      }
      closing.get();
      for (Future<?> future : accepted) {
        future.get(); // committed, not failed
      }
    }
    try (Store reopened = open()) {
      assertThat(reopened.queueAdmin().list(QueueQuery.all()))
          .extracting(QueueEntry::id)
          .containsExactly(queued.get(0).id(), queued.get(1).id());
    }
  }

  @Test
  void acceptAndReadsAfterCloseFailAsClosed() throws Exception {
    Store store = open();
    NewMessage message = messages.message(T0, "a@example.org", "b@example.net");
    store.close();
    store.close(); // idempotent

    assertThatThrownBy(() -> store.queue().accept(message))
        .isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.CLOSED))
        .hasMessageContaining(message.id().value());
    assertThatThrownBy(() -> store.queueAdmin().find(message.id()))
        .isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.CLOSED));
    assertThatThrownBy(() -> store.queueAdmin().list(QueueQuery.all()))
        .isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.CLOSED));
  }

  @Test
  void hundredRecipientsRoundTripInOrder() throws Exception {
    List<NewRecipient> recipients = IntStream.range(0, 100)
        // Reverse-alphabetical names, so an accidental ORDER BY forward_path would show.
        .mapToObj(i -> new NewRecipient("user" + (999 - i) + "@example.net",
            i % 3 == 0 ? "NOTIFY=NEVER" : ""))
        .toList();
    NewMessage message = new NewMessage(messages.idAt(T0), T0, "list@example.org", "", recipients,
        RELAY_ORIGIN, "Subject: many\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII));
    try (Store store = open()) {
      store.queue().accept(message);
    }
    try (Store store = open()) {
      QueuedMessage found = store.queueAdmin().find(message.id()).orElseThrow();
      assertThat(found.recipients())
          .extracting(QueuedRecipient::forwardPath, QueuedRecipient::parameters)
          .containsExactlyElementsOf(recipients.stream()
              .map(r -> org.assertj.core.groups.Tuple.tuple(r.forwardPath(), r.parameters()))
              .toList());
      assertThat(store.queueAdmin().list(QueueQuery.all()).getFirst().recipientCount()).isEqualTo(100);
    }
  }

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void garbageDatabaseFileIsReportedCorrupt() throws Exception {
    byte[] garbage = "this is not an SQLite database\n".repeat(200).getBytes(StandardCharsets.US_ASCII);
    Files.write(dataDirectory.resolve("hikyaku.db"), garbage);
    assertThatThrownBy(this::open)
        .isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.CORRUPT))
        .hasMessageContaining("hikyaku.db");
  }

  @Test
  void migrationsRunOnceAndReopenKeepsData() throws Exception {
    NewMessage message = messages.message(T0, "a@example.org", "b@example.net");
    try (Store store = open()) {
      store.queue().accept(message);
    }
    for (int i = 0; i < 2; i++) {
      try (Store store = open()) {
        assertThat(store.queueAdmin().find(message.id())).isPresent();
      }
    }
    try (Connection raw = TestStores.raw(dataDirectory);
        PreparedStatement history = raw.prepareStatement(
            "SELECT count(*) FROM flyway_schema_history WHERE success AND version = '1'");
        var rows = history.executeQuery()) {
      assertThat(rows.next()).isTrue();
      assertThat(rows.getInt(1)).isEqualTo(1);
    }
  }

  static void setState(Path dataDirectory, QueueId id, String state) throws Exception {
    try (Connection raw = TestStores.raw(dataDirectory);
        PreparedStatement update = raw.prepareStatement("UPDATE message SET state = ? WHERE id = ?")) {
      if (!TestStores.onPostgres()) {
        raw.createStatement().execute("PRAGMA busy_timeout = 5000");
      }
      update.setString(1, state);
      update.setString(2, id.value());
      assertThat(update.executeUpdate()).isEqualTo(1);
    }
  }
}
