package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.testing.CountingSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
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
 * CountingSink} that is not listening yet, so the queue only grows while the disk fills.
 */
@Tag("interop")
class DiskFullTest {

  private static final Logger LOG = LoggerFactory.getLogger(DiskFullTest.class);
  private static final String TMPFS_SIZE = "24m";
  private static final int BODY_LINES = 2_600; // about 200 KiB a message
  private static final int MOST_MESSAGES = 400; // 24 MiB / 200 KiB is about 120: the disk fills well before

  @TempDir Path directory;

  @Test
  void aFullDiskRefusesWith452AndLosesNothingAccepted() throws Exception {
    int relayPort = ServerProcess.freePort();
    int sinkPort = ServerProcess.freePort();
    Path data = Files.createDirectories(directory.resolve("data"));
    Path config = writeConfig(data, relayPort, sinkPort);
    Path serverLog = directory.resolve("server.log");
    // A private mount namespace (and user namespace, so it works without root where user
    // namespaces are allowed) with a tmpfs over the data directory; the tmpfs goes with the process.
    List<String> wrapper = List.of("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
        "mount -t tmpfs -o size=" + TMPFS_SIZE + " hikyaku-disk-full \"$0\" && exec \"$@\"", data.toString());
    Process server = ServerProcess.start(config, serverLog, wrapper);
    try {
      ServerProcess.awaitListening(server, relayPort, serverLog);

      Set<String> accepted = new HashSet<>();
      String refusal = null;
      SMTPClient smtp = new SMTPClient();
      smtp.setDefaultTimeout(20_000);
      smtp.connect("127.0.0.1", relayPort);
      smtp.setSoTimeout(20_000);
      assertThat(smtp.login("client.full.test")).as(smtp.getReplyString()).isTrue();
      for (int n = 0; n < MOST_MESSAGES && refusal == null; n++) {
        String token = "full-" + n;
        if (!smtp.setSender("alice@client.full.test")) {
          refusal = smtp.getReplyString().strip();
          break;
        }
        assertThat(smtp.addRecipient("bob@sink.test")).as(smtp.getReplyString()).isTrue();
        if (smtp.sendShortMessageData(message(token))) {
          accepted.add(token);
        } else {
          refusal = smtp.getReplyString().strip();
        }
      }
      LOG.info("disk full: {} messages accepted, then: {}", accepted.size(), refusal);
      assertThat(refusal).as("the disk fills within %d messages\n%s", MOST_MESSAGES, ServerProcess.tail(serverLog))
          .isNotNull().startsWith("452 4.3.1");
      assertThat(accepted).as("some mail was taken before the disk filled").hasSizeGreaterThan(10);
      // Still full: refused again, at MAIL FROM this time (RFC 1870 §6.1), and the server is fine.
      smtp.reset();
      assertThat(smtp.setSender("alice@client.full.test")).isFalse();
      assertThat(smtp.getReplyString()).startsWith("452 4.3.1");
      assertThat(server.isAlive()).isTrue();

      try (CountingSink sink = CountingSink.start(sinkPort, false, 0)) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
            assertThat(sink.delivered()).as("every accepted message at the sink\n%s", ServerProcess.tail(serverLog))
                .containsAll(accepted));
        assertThat(sink.delivered()).as("no refused message was delivered").isEqualTo(accepted);
        assertThat(sink.duplicates()).isZero();

        // The queue drained: there is room again.
        smtp.reset();
        assertThat(smtp.setSender("alice@client.full.test")).as(smtp.getReplyString()).isTrue();
        assertThat(smtp.addRecipient("bob@sink.test")).as(smtp.getReplyString()).isTrue();
        assertThat(smtp.sendShortMessageData(message("after"))).as(smtp.getReplyString()).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> sink.delivered().contains("after"));
      }
      smtp.logout();
      smtp.disconnect();
      assertThat(Files.readString(serverLog, StandardCharsets.UTF_8)).doesNotContain("SQLITE_CORRUPT").doesNotContain("malformed");

      server.destroy(); // SIGTERM to the server (the shell exec'd into it)
      assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("SIGTERM stops the server\n" + ServerProcess.tail(serverLog)).isTrue();
    } finally {
      if (server.isAlive()) {
        server.destroyForcibly();
        server.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static String message(String token) {
    StringBuilder text = new StringBuilder("From: alice@client.full.test\r\nTo: bob@sink.test\r\nSubject: crash " + token + "\r\n\r\n");
    String line = "Filling the disk, line of the message " + token + ", ";
    for (int i = 0; i < BODY_LINES; i++) {
      text.append(line).append(i).append(" ........................................\r\n");
    }
    return text.toString();
  }

  private Path writeConfig(Path data, int relayPort, int sinkPort) throws IOException {
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
          max-message-size: 1MiB
          shutdown-grace: 0s
        http:
          enabled: false
        rates:
          connections-per-minute: 100000
          messages-per-minute: 100000
          recipients-per-minute: 100000
        mail-auth:
          verify: false
        delivery:
          enabled: true
          retry-first: 1s
          retry-cap: 2s
          routes:
            sink.test:
              smtp: "127.0.0.1:%d"
        """
            .formatted(data.toAbsolutePath(), relayPort, sinkPort);
    Path file = directory.resolve("hikyaku.yaml");
    Files.writeString(file, yaml, StandardCharsets.UTF_8);
    return file;
  }
}
