package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.testing.CountingSink;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.commons.net.smtp.SMTPClient;
import org.apache.commons.net.smtp.SMTPReply;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A full disk: the server runs with its data directory on a small tmpfs of its own (a private mount
 * namespace from {@code unshare}, so nothing outside sees or needs it), takes mail until the file
 * system reaches its headroom, then refuses with {@code 452 4.3.1}; and once delivery drains the
 * queue, every accepted message arrives, no refused one does, and new mail is taken again.
 *
 * <p>Mail comes in on the relay port for a hosted domain whose route is an SMTP {@link
 * CountingSink}, which is not listening while the queue is meant to grow. The test reaches the
 * tmpfs through {@code /proc/<server pid>/root}, to see the store's files and to play another tenant
 * of the disk.
 */
@Tag("interop")
class DiskFullTest {

  private static final Logger LOG = LoggerFactory.getLogger(DiskFullTest.class);
  private static final int BODY_LINES = 2_600; // about 200 KiB a message
  private static final int MOST_MESSAGES = 400; // 24 MiB / 200 KiB is about 120: the disk fills well before
  private static final int BIG_BODY_LINES = 75_000; // about 7 MB a message

  @TempDir Path directory;

  /** The server on a tmpfs of its own; {@code disk} is its data directory as seen from here. */
  private record DiskServer(Process process, int relayPort, Path log, Path disk) implements AutoCloseable {

    Path file(String name) {
      return disk.resolve(name);
    }

    SMTPClient connect() throws IOException {
      SMTPClient smtp = new SMTPClient();
      smtp.setDefaultTimeout(20_000);
      smtp.connect("127.0.0.1", relayPort);
      smtp.setSoTimeout(20_000);
      // EHLO, so that MAIL may declare the message's SIZE (RFC 1870).
      int greeted = smtp.sendCommand("EHLO", "client.full.test");
      assertThat(SMTPReply.isPositiveCompletion(greeted)).as(smtp.getReplyString()).isTrue();
      return smtp;
    }

    /** Stops the server with SIGTERM (the shell exec'd into it) and checks that it stopped. */
    void stop() throws InterruptedException {
      process.destroy();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("SIGTERM stops the server\n%s", ServerProcess.tail(log))
          .isTrue();
      assertThat(logText()).doesNotContain("SQLITE_CORRUPT").doesNotContain("malformed");
    }

    String logText() {
      try {
        return Files.readString(log, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "--- server log unreadable: " + e + " ---";
      }
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Starts the server with its data directory on a tmpfs of {@code tmpfsSize}, in a private mount
   * namespace (and user namespace, so it works without root where user namespaces are allowed); the
   * tmpfs goes with the process.
   */
  private DiskServer start(String tmpfsSize, String maxMessageSize, int sinkPort) throws IOException {
    int relayPort = ServerProcess.freePort();
    Path data = Files.createDirectories(directory.resolve("data"));
    Path config = writeConfig(data, relayPort, sinkPort, maxMessageSize);
    Path serverLog = directory.resolve("server.log");
    List<String> wrapper = List.of("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
        "mount -t tmpfs -o size=" + tmpfsSize + " hikyaku-disk-full \"$0\" && exec \"$@\"", data.toString());
    Process server = ServerProcess.start(config, serverLog, wrapper);
    // unshare and sh exec, so the process started is the server, and its root shows its mounts.
    Path disk = Path.of("/proc", Long.toString(server.pid()), "root")
        .resolve(data.toAbsolutePath().toString().substring(1));
    DiskServer started = new DiskServer(server, relayPort, serverLog, disk);
    try {
      ServerProcess.awaitListening(server, relayPort, serverLog);
    } catch (RuntimeException | Error e) {
      try {
        started.close();
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
      throw e;
    }
    return started;
  }

  @Test
  void aFullDiskRefusesWith452AndLosesNothingAccepted() throws Exception {
    int sinkPort = ServerProcess.freePort();
    try (DiskServer server = start("24m", "1MiB", sinkPort)) {
      Set<String> accepted = new HashSet<>();
      String refusal = null;
      SMTPClient smtp = server.connect();
      for (int n = 0; n < MOST_MESSAGES && refusal == null; n++) {
        String token = "full-" + n;
        Optional<String> refused = send(smtp, token, BODY_LINES);
        if (refused.isEmpty()) {
          accepted.add(token);
        } else {
          refusal = refused.get();
        }
      }
      LOG.info("disk full: {} messages accepted, then: {}", accepted.size(), refusal);
      assertThat(refusal).as("the disk fills within %d messages\n%s", MOST_MESSAGES, ServerProcess.tail(server.log()))
          .isNotNull().startsWith("452 4.3.1");
      assertThat(accepted).as("some mail was taken before the disk filled").hasSizeGreaterThan(10);
      // Still full: refused again, at MAIL FROM this time for a client that declares the size
      // (RFC 1870 §6.1), and the server is fine.
      smtp.reset();
      int size = message("full-again", BODY_LINES).length();
      assertThat(SMTPReply.isPositiveCompletion(smtp.mail("<alice@client.full.test> SIZE=" + size))).isFalse();
      assertThat(smtp.getReplyString()).startsWith("452 4.3.1");
      assertThat(server.process().isAlive()).isTrue();

      try (CountingSink sink = CountingSink.start(sinkPort, false, 0)) {
        awaitDelivered(server, accepted, sink);
        assertThat(sink.delivered()).as("no refused message was delivered").isEqualTo(accepted);
        assertThat(sink.duplicates()).isZero();

        // The queue drained: there is room again.
        assertThat(send(smtp, "after", BODY_LINES)).isEmpty();
        await().atMost(Duration.ofSeconds(30)).until(() -> sink.delivered().contains("after"));
      }
      smtp.logout();
      smtp.disconnect();
      server.stop();
    }
  }

  /**
   * The outside probe's finding: after a burst the WAL keeps its size (SQLite reuses the file, and
   * journal_size_limit lets it keep up to 64 MiB), and with the rest of the disk taken the space
   * check refused every message with 452 4.3.1, the queue empty, until a restart. What the WAL holds
   * beyond its working size (1000 pages, about 4 MB) must come back without a restart; the disk must
   * still refuse when it is truly full, and take mail again once there is room.
   *
   * <p>The burst is one message of about 7 MB, delivered at once: a transaction larger than the
   * WAL's working size leaves the file larger, as a burst's large batch does.
   */
  @Test
  void theWalOfADrainedQueueGivesItsSpaceBackWithoutARestart() throws Exception {
    int sinkPort = ServerProcess.freePort();
    try (DiskServer server = start("32m", "8MiB", sinkPort)) {
      Set<String> accepted = new HashSet<>();
      Set<String> refused = new HashSet<>();
      SMTPClient smtp = server.connect();
      Path filler = server.file("filler");
      Set<String> deliveredFirst;
      // Hangs up after each message, so that no kept connection outlives close().
      try (CountingSink sink = CountingSink.start(sinkPort, true, 0)) {
        assertThat(send(smtp, "burst", BIG_BODY_LINES)).isEmpty();
        accepted.add("burst");
        awaitDelivered(server, accepted, sink);
        long walOctets = Files.size(server.file("hikyaku.db-wal"));
        assertThat(walOctets).as("the burst left a WAL well beyond its working size").isGreaterThan(6L << 20);

        // Another tenant of the disk takes all of it but 10.5 MiB. The pages the burst freed in the
        // database and those 10.5 MiB are less than a 7 MB message and the 12 MiB headroom; what the
        // WAL holds beyond its working size makes up the difference.
        fillAllBut(filler, 21L << 19);
        assertThat(send(smtp, "after-burst", BIG_BODY_LINES))
            .as("taken without a restart, the WAL's octets given back\n%s", ServerProcess.tail(server.log())).isEmpty();
        accepted.add("after-burst");
        assertThat(server.logText()).contains("WAL checkpointed and truncated");
        awaitDelivered(server, accepted, sink);
        deliveredFirst = sink.delivered();
      }

      // Delivery is down now, so the queue keeps what it takes: the disk fills for real.
      String refusal = null;
      for (int n = 0; n < 10 && refusal == null; n++) {
        String token = "queued-" + n;
        Optional<String> reply = send(smtp, token, BIG_BODY_LINES);
        if (reply.isEmpty()) {
          accepted.add(token);
        } else {
          refused.add(token);
          refusal = reply.get();
        }
      }
      LOG.info("disk full again: {} messages accepted in all, then: {}", accepted.size(), refusal);
      assertThat(refusal).as("the disk fills\n%s", ServerProcess.tail(server.log()))
          .isNotNull().startsWith("452 4.3.1");

      // The tenant leaves and delivery comes back: all that was taken arrives, and new mail is taken.
      Files.delete(filler);
      try (CountingSink sink = CountingSink.start(sinkPort, false, 0)) {
        Set<String> stillQueued = new HashSet<>(accepted);
        stillQueued.removeAll(deliveredFirst);
        awaitDelivered(server, stillQueued, sink);
        assertThat(send(smtp, "after-full", BIG_BODY_LINES)).as(ServerProcess.tail(server.log())).isEmpty();
        await().atMost(Duration.ofSeconds(30)).until(() -> sink.delivered().contains("after-full"));
        assertThat(sink.delivered()).as("delivered once, and nothing refused")
            .doesNotContainAnyElementsOf(deliveredFirst).doesNotContainAnyElementsOf(refused);
        assertThat(sink.duplicates()).isZero();
      }
      smtp.logout();
      smtp.disconnect();
      assertThat(server.logText()).as("delivery could always record its outcomes").doesNotContain("SQLITE_FULL");
      server.stop();
    }
  }

  /** Sends one message with {@code token} in its subject; empty when taken (250), else the refusal. */
  private static Optional<String> send(SMTPClient smtp, String token, int bodyLines) throws IOException {
    smtp.reset();
    if (smtp.setSender("alice@client.full.test")) {
      assertThat(smtp.addRecipient("bob@sink.test")).as(smtp.getReplyString()).isTrue();
      if (smtp.sendShortMessageData(message(token, bodyLines))) {
        return Optional.empty();
      }
    }
    return Optional.of(smtp.getReplyString().strip());
  }

  private static void awaitDelivered(DiskServer server, Set<String> tokens, CountingSink sink) {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(sink.delivered()).as("every accepted message at the sink\n%s", ServerProcess.tail(server.log()))
            .containsAll(tokens));
  }

  /** Writes {@code filler} until the disk is full, then gives {@code left} octets of it back. */
  private static void fillAllBut(Path filler, long left) throws IOException {
    try (OutputStream out = Files.newOutputStream(filler)) {
      byte[] chunk = new byte[4096];
      while (true) {
        out.write(chunk);
      }
    } catch (IOException full) {
      assertThat(filler.getParent().toFile().getUsableSpace()).as("the disk is full: " + full).isLessThan(4096);
    }
    try (FileChannel channel = FileChannel.open(filler, StandardOpenOption.WRITE)) {
      channel.truncate(channel.size() - left);
    }
  }

  private static String message(String token, int bodyLines) {
    StringBuilder text = new StringBuilder("From: alice@client.full.test\r\nTo: bob@sink.test\r\nSubject: crash " + token + "\r\n\r\n");
    String line = "Filling the disk, line of the message " + token + ", ";
    for (int i = 0; i < bodyLines; i++) {
      text.append(line).append(i).append(" ........................................\r\n");
    }
    return text.toString();
  }

  private Path writeConfig(Path data, int relayPort, int sinkPort, String maxMessageSize) throws IOException {
    String yaml =
        """
        hostname: mx.full.test
        data-directory: "%s"
        hosted-domains: [sink.test]
        listeners:
          - role: relay
            address: 127.0.0.1
            port: %d
            greeting-delay: 0s
        limits:
          max-message-size: %s
          shutdown-grace: 0s
        http:
          enabled: false
        api:
          enabled: false
        rates:
          connections-per-minute: 100000
          messages-per-minute: 100000
          recipients-per-minute: 100000
        mail-auth:
          verify: false
        # The sink is not always there to be asked at RCPT, and this test is about the disk.
        recipients:
          domains:
            sink.test:
              catch-all: true
        delivery:
          enabled: true
          retry-first: 1s
          retry-cap: 2s
          routes:
            sink.test:
              smtp: "127.0.0.1:%d"
        """
            .formatted(data.toAbsolutePath(), relayPort, maxMessageSize, sinkPort);
    Path file = directory.resolve("hikyaku.yaml");
    Files.writeString(file, yaml, StandardCharsets.UTF_8);
    return file;
  }
}
