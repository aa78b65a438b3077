package dev.hikyaku.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.hikyaku.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The audit log on a real file: what is written, rotation, recovery, and many writers at once. */
@ResourceLock(TestServers.CAPTURED_LOGS)
class AuditLogSinkTest {

  private static final Instant AT = Instant.parse("2025-06-01T10:15:30.123Z");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path directory;

  private Path file() {
    return directory.resolve(AuditLogSink.FILE_NAME);
  }

  /** An audit event whose line has the same length for every {@code n} below 10000. */
  private static Event numbered(int n) {
    return new Event.AccountSuspended(AT, "user-%04d@example.com".formatted(n), "test");
  }

  private static List<String> lines(Path file) throws Exception {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    if (text.isEmpty()) {
      return List.of();
    }
    assertThat(text).as("%s ends with a complete line", file).endsWith("\n");
    return List.of(text.substring(0, text.length() - 1).split("\n", -1));
  }

  private static List<String> accounts(Path file) throws Exception {
    List<String> accounts = new ArrayList<>();
    for (String line : lines(file)) {
      accounts.add(JSON.readTree(line).get("account").asString());
    }
    return accounts;
  }

  @Test
  void writesAuditEventsOnlyOneLineEach() throws Exception {
    try (AuditLogSink sink = AuditLogSink.open(file())) {
      sink.accept(new Event.ConnectionOpened(AT, "s1", "submission", "192.0.2.7"));
      sink.accept(new Event.AuthAttempt(AT, "s1", "submission", "192.0.2.7", "TLSv1.3", "TLS_AES_128_GCM_SHA256",
          "PLAIN", "alice@example.com",
          Event.AuthAttempt.Result.of(Event.AuthAttempt.Kind.INVALID_CREDENTIALS, dev.hikyaku.protocol.Replies.authFailed()),
          "wrong password"));
      sink.accept(new Event.TlsEstablished(AT, "s1", "TLSv1.3", "TLS_AES_128_GCM_SHA256"));
      sink.accept(new Event.ClientBlocked(AT, "ip", "192.0.2.7", AT.plusSeconds(3600), "5 failures"));
      sink.accept(new Event.ConnectionClosed(AT, "s1", "quit", 12));

      // Readable while the sink is open: nothing waits in a buffer.
      List<String> lines = lines(file());
      assertThat(lines).hasSize(2);
      assertThat(lines.get(0)).startsWith("{\"ts\":\"2025-06-01T10:15:30.123Z\",\"event\":\"auth\",");
      assertThat(lines.get(1)).startsWith("{\"ts\":\"2025-06-01T10:15:30.123Z\",\"event\":\"client_blocked\",");
    }
  }

  @Test
  void newFileIsReadableByOwnerAndGroupOnly() throws Exception {
    try (AuditLogSink sink = AuditLogSink.open(file())) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sink.file()))).isEqualTo("rw-r-----");
    }
  }

  @Test
  void appendsToAnExistingLogAndEndsAHalfWrittenLine() throws Exception {
    // A crash (or a full disk) in the middle of a write left a fragment without its LF.
    Files.writeString(file(), "{\"ts\":\"2025-06-01T10:00:00.000Z\",\"event\":\"auth\"}\n{\"ts\":\"2025-06-0");

    try (AuditLogSink sink = AuditLogSink.open(file())) {
      sink.accept(numbered(1));
    }

    List<String> lines = lines(file());
    assertThat(lines).hasSize(3);
    assertThat(lines.get(1)).isEqualTo("{\"ts\":\"2025-06-0");
    assertThat(JSON.readTree(lines.get(2)).get("account").asString()).isEqualTo("user-0001@example.com");
  }

  @Test
  void rotatesBySizeKeepingTheNewestFiles() throws Exception {
    int lineLength = AuditLine.encode(numbered(0)).orElseThrow().length;
    // Three lines fit in a file; two rotated files are kept.
    try (AuditLogSink sink = AuditLogSink.open(file(), new AuditLogSink.Rotation(3L * lineLength, 2))) {
      for (int n = 1; n <= 10; n++) {
        sink.accept(numbered(n));
      }
    }

    assertThat(accounts(file())).containsExactly("user-0010@example.com");
    assertThat(accounts(AuditLogSink.rotated(file(), 1)))
        .containsExactly("user-0007@example.com", "user-0008@example.com", "user-0009@example.com");
    assertThat(accounts(AuditLogSink.rotated(file(), 2)))
        .containsExactly("user-0004@example.com", "user-0005@example.com", "user-0006@example.com");
    assertThat(AuditLogSink.rotated(file(), 3)).doesNotExist();
    try (var files = Files.list(directory)) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .containsExactlyInAnyOrder("audit.log", "audit.log.1", "audit.log.2");
    }
  }

  @Test
  void rotationCountsWhatIsAlreadyInTheFile() throws Exception {
    int lineLength = AuditLine.encode(numbered(0)).orElseThrow().length;
    var rotation = new AuditLogSink.Rotation(2L * lineLength, 3);
    try (AuditLogSink sink = AuditLogSink.open(file(), rotation)) {
      sink.accept(numbered(1));
    }
    // A restarted server goes on from the size on disk.
    try (AuditLogSink sink = AuditLogSink.open(file(), rotation)) {
      sink.accept(numbered(2));
      sink.accept(numbered(3));
    }

    assertThat(accounts(AuditLogSink.rotated(file(), 1))).containsExactly("user-0001@example.com", "user-0002@example.com");
    assertThat(accounts(file())).containsExactly("user-0003@example.com");
  }

  @Test
  void aLineLongerThanTheRotationSizeGetsAFileOfItsOwn() throws Exception {
    try (AuditLogSink sink = AuditLogSink.open(file(), new AuditLogSink.Rotation(10, 2))) {
      sink.accept(numbered(1));
      sink.accept(numbered(2));
    }

    assertThat(accounts(AuditLogSink.rotated(file(), 1))).containsExactly("user-0001@example.com");
    assertThat(accounts(file())).containsExactly("user-0002@example.com");
  }

  @Test
  void aFailingFileNeverThrowsAndWritingResumes() throws Exception {
    ListAppender<ILoggingEvent> logs = capture();
    Path full = Path.of("/dev/full"); // every write: ENOSPC
    assertThat(full).exists();
    Files.createSymbolicLink(file(), full);

    try (AuditLogSink sink = AuditLogSink.open(file())) {
      assertThatCode(() -> sink.accept(numbered(1))).doesNotThrowAnyException();
      assertThatCode(() -> sink.accept(numbered(2))).doesNotThrowAnyException();

      // The disk has room again.
      Files.delete(file());
      sink.accept(numbered(3));

      assertThat(accounts(file())).containsExactly("user-0003@example.com");
    } finally {
      detach(logs);
    }
    assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.ERROR).hasSize(1); // once per outage
    assertThat(logs.list)
        .filteredOn(e -> e.getLevel() == Level.WARN)
        .extracting(ILoggingEvent::getFormattedMessage)
        .anySatisfy(m -> assertThat(m).contains("writable again").contains("2 record(s) were lost"));
  }

  @Test
  void anEventThatCannotBeEncodedIsReportedNotThrown() throws Exception {
    ListAppender<ILoggingEvent> logs = capture();
    try (AuditLogSink sink = AuditLogSink.open(file())) {
      assertThatCode(() -> sink.accept(new Event.AccountSuspended(null, "alice@example.com", "r")))
          .doesNotThrowAnyException();
      sink.accept(numbered(1));
    } finally {
      detach(logs);
    }
    assertThat(accounts(file())).containsExactly("user-0001@example.com");
    assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage).anySatisfy(m -> assertThat(m).contains("AccountSuspended"));
  }

  @Test
  void eventsAfterCloseAreDropped() throws Exception {
    AuditLogSink sink = AuditLogSink.open(file());
    sink.accept(numbered(1));
    sink.close();
    sink.close();

    assertThatCode(() -> sink.accept(numbered(2))).doesNotThrowAnyException();
    assertThat(accounts(file())).containsExactly("user-0001@example.com");
  }

  @Test
  void concurrentWritersNeverSplitOrInterleaveLines() throws Exception {
    int threads = 8;
    int perThread = 400;
    try (AuditLogSink sink = AuditLogSink.open(file(), new AuditLogSink.Rotation(32 * 1024, 100))) {
      List<Thread> writers =
          IntStream.range(0, threads)
              .mapToObj(t -> Thread.ofVirtual().start(() -> {
                for (int i = 0; i < perThread; i++) {
                  sink.accept(numbered(t * perThread + i));
                }
              }))
              .toList();
      for (Thread writer : writers) {
        writer.join();
      }
    }

    List<String> all = new ArrayList<>();
    try (var files = Files.list(directory)) {
      for (Path f : files.toList()) {
        assertThat(Files.size(f)).as(f.toString()).isLessThanOrEqualTo(32 * 1024);
        for (String line : lines(f)) {
          JsonNode node = JSON.readTree(line);
          assertThat(node.get("event").asString()).isEqualTo("account_suspended");
          all.add(node.get("account").asString());
        }
      }
    }
    assertThat(all).hasSize(threads * perThread).doesNotHaveDuplicates();
  }

  private static ListAppender<ILoggingEvent> capture() {
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.list = new CopyOnWriteArrayList<>();
    appender.start();
    ((Logger) LoggerFactory.getLogger(AuditLogSink.class)).addAppender(appender);
    return appender;
  }

  private static void detach(ListAppender<ILoggingEvent> appender) {
    ((Logger) LoggerFactory.getLogger(AuditLogSink.class)).detachAppender(appender);
  }
}
