package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.AdminCommandLine;
import dev.hikyaku.app.Server;
import dev.hikyaku.config.ContentChecksConfig;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.store.MessageState;
import dev.hikyaku.store.QueueEntry;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.testing.TestServers;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.SMTPClient;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21: Debian's rspamd on loopback, asked at the end of DATA. GTUBE relayed to port 25 is
 * refused 550 5.7.1; GTUBE from an authenticated account on 587 is accepted and held, and `queue
 * list --state held` says why, and a second one within the day suspends the account; a clean message
 * passes with its score in X-Spam-Status; with rspamd
 * stopped, or silent, the configured fallback comes within the budget; with Debian's clamd too, the
 * EICAR test file attached is refused from anyone. Clients: Commons Net.
 */
@Tag("interop")
class ContentChecksInteropTest {

  private static final String GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
  private static final String ALICE = "alice@" + TestServers.HOSTED_DOMAIN;
  private static final String BOB = "bob@" + TestServers.HOSTED_DOMAIN;
  private static final String PASSWORD = "a long submission pass phrase 42";

  @TempDir Path data;
  private int servers;

  private Server start(URI rspamd, Duration budget, ContentChecksConfig.Fallback fallback) throws Exception {
    return start(Optional.of(rspamd), Optional.empty(), budget, fallback);
  }

  private Server start(Optional<URI> rspamd, Optional<InetSocketAddress> clamd, Duration budget, ContentChecksConfig.Fallback fallback)
      throws Exception {
    HikyakuConfig base = TestServers.config(data.resolve("server-" + ++servers));
    Server server = Server.start(base.toBuilder()
        .contentChecks(new ContentChecksConfig(rspamd, clamd, true, true, budget, fallback, ContentChecksConfig.SubmittedSpam.HOLD, 2))
        .build());
    TestServers.createAccount(server, ALICE, PASSWORD);
    TestServers.createMailboxes(server, BOB);
    return server;
  }

  private static String message(String subject, String body) {
    return "From: " + ALICE + "\r\nTo: " + BOB + "\r\nSubject: " + subject + "\r\n\r\n" + body + "\r\n";
  }

  /** Relays {@code text} to port 25 from outside; the reply to the end of DATA. */
  private static String relay(Server server, String text) throws Exception {
    SMTPClient smtp = new SMTPClient();
    smtp.setDefaultTimeout(20_000);
    smtp.connect("127.0.0.1", server.port(ListenerRole.RELAY));
    assertThat(smtp.helo("mail.sender.example")).isEqualTo(250);
    return transaction(smtp, "someone@sender.example", text);
  }

  /** Submits {@code text} on 587 after STARTTLS and AUTH PLAIN; the reply to the end of DATA. */
  private static String submit(Server server, String text) throws Exception {
    return transaction(TestServers.submissionClient(server, ALICE, PASSWORD), ALICE, text);
  }

  private static String transaction(SMTPClient smtp, String sender, String text) throws Exception {
    try {
      assertThat(smtp.setSender(sender)).as(smtp.getReplyString()).isTrue();
      assertThat(smtp.addRecipient(BOB)).as(smtp.getReplyString()).isTrue();
      smtp.sendShortMessageData(text);
      String reply = smtp.getReplyString().strip();
      smtp.quit();
      return reply;
    } finally {
      smtp.disconnect();
    }
  }

  private static List<QueueEntry> queue(Server server) throws Exception {
    return server.store().queueAdmin().list(QueueQuery.all());
  }

  private static String stored(Server server, QueueEntry entry) throws Exception {
    return new String(server.store().queueAdmin().find(entry.id()).orElseThrow().content(), StandardCharsets.UTF_8);
  }

  /** RFC 5322 §2.2.3: a folded field read as one line. */
  private static String unfolded(String message) {
    return message.replaceAll("\r\n[ \t]+", " ");
  }

  @Test
  void gtubeIsRefusedOnPort25HeldFromAnAccountAndACleanMessagePassesWithItsScore() throws Exception {
    try (RspamdDaemon rspamd = RspamdDaemon.start(data.resolve("rspamd"));
        Server server = start(rspamd.url(), Duration.ofSeconds(5), ContentChecksConfig.Fallback.ACCEPT)) {
      assertThat(relay(server, message("offer", GTUBE))).startsWith("550 5.7.1 ").contains("Gtube pattern");
      assertThat(queue(server)).as("nothing queued").isEmpty();

      assertThat(submit(server, message("stolen account", GTUBE))).startsWith("250 ");
      assertThat(queue(server)).singleElement().satisfies(held -> {
        assertThat(held.state()).isEqualTo(MessageState.HELD);
        assertThat(held.holdReason()).hasValueSatisfying(why -> assertThat(why).contains("Gtube pattern").contains("score"));
      });
      // What an operator sees: queue list --state held, with the reason.
      Path config = Files.writeString(data.resolve("hikyaku.yaml"),
          "hostname: " + TestServers.HOSTNAME + "\ndata-directory: " + data.resolve("server-1") + "\n");
      AdminCommandLine.Result listed = AdminCommandLine.run("", "queue", "list", "--state", "held", "--config", config.toString());
      assertThat(listed.out()).as(listed.describe()).contains("Gtube pattern");
      AdminCommandLine.Result shown = AdminCommandLine.run("", "queue", "show", queue(server).getFirst().id().value(), "--config",
          config.toString());
      assertThat(shown.out()).as(shown.describe()).containsPattern("held: +spam: Gtube pattern");

      // A second spam message from the account within the day (the threshold here is 2): suspended.
      assertThat(submit(server, message("stolen account, again", GTUBE))).startsWith("250 ");
      assertThat(server.store().defences().suspension(ALICE)).hasValueSatisfying(why -> assertThat(why).contains("2 messages rspamd would reject"));
      AuthenticatingSMTPClient suspended = TestServers.submissionClient(server, ALICE, PASSWORD);
      try {
        assertThat(suspended.setSender(ALICE)).isFalse();
        assertThat(suspended.getReplyString()).startsWith("550 5.7.1 ");
      } finally {
        suspended.disconnect();
      }

      assertThat(relay(server, message("minutes", "The minutes of Tuesday's meeting are attached."))).startsWith("250 ");
      QueueEntry clean = queue(server).stream().filter(e -> e.state() == MessageState.QUEUED).findFirst().orElseThrow();
      assertThat(queue(server)).filteredOn(e -> e.state() == MessageState.HELD).hasSize(2);
      assertThat(stored(server, clean)).containsPattern("X-Spam-Status: No, score=[0-9.]+ required=15\\.00");
      // The verdicts in the history, as the API shows them.
      assertThat(server.store().history().show(clean.id()).orElseThrow().message().scan())
          .hasValueSatisfying(scan -> assertThat(scan.action()).isEqualTo("no action"));
      QueueEntry spam = queue(server).stream().filter(e -> e.state() == MessageState.HELD).findFirst().orElseThrow();
      assertThat(server.store().history().show(spam.id()).orElseThrow().message().scan())
          .hasValueSatisfying(scan -> {
            assertThat(scan.action()).isEqualTo("reject");
            assertThat(scan.score()).isGreaterThanOrEqualTo(15.0);
          });
    }
  }

  @Test
  void withClamdTheEicarTestFileIsRefusedFromAnyoneAndACleanAttachmentPasses() throws Exception {
    try (ClamdDaemon clamd = ClamdDaemon.start(data.resolve("clamd"));
        RspamdDaemon rspamd = RspamdDaemon.start(data.resolve("rspamd"));
        Server server = start(Optional.of(rspamd.url()), Optional.of(clamd.address()), Duration.ofSeconds(10),
            ContentChecksConfig.Fallback.ACCEPT)) {
      String infected = withAttachment("eicar.com", ClamdDaemon.EICAR);
      assertThat(relay(server, infected)).startsWith("550 5.7.1 ").contains("virus").contains("Eicar-Test-Signature");
      assertThat(submit(server, infected)).startsWith("550 5.7.1 ").contains("Eicar-Test-Signature");
      assertThat(queue(server)).as("nothing queued").isEmpty();
      assertThat(submit(server, withAttachment("notes.txt", "Nothing to see here."))).startsWith("250 ");
      assertThat(stored(server, queue(server).getFirst())).contains("X-Spam-Status: No");
    }
  }

  /** A message from alice with {@code content} attached as {@code name}, base64 (RFC 2045). */
  private static String withAttachment(String name, String content) {
    return "From: " + ALICE + "\r\nTo: " + BOB + "\r\nSubject: the file\r\nMIME-Version: 1.0\r\n"
        + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        + "--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\n"
        + "Content-Transfer-Encoding: base64\r\n\r\n"
        + Base64.getMimeEncoder().encodeToString(content.getBytes(StandardCharsets.US_ASCII)) + "\r\n--b1--\r\n";
  }

  @Test
  void withRspamdStoppedOrSilentTheFallbackComesWithinTheBudget() throws Exception {
    URI stopped;
    try (RspamdDaemon rspamd = RspamdDaemon.start(data.resolve("rspamd"))) {
      stopped = rspamd.url();
    }
    try (Server server = start(stopped, Duration.ofSeconds(1), ContentChecksConfig.Fallback.ACCEPT)) {
      assertThat(relay(server, message("while it is down", "hello"))).startsWith("250 ");
      assertThat(unfolded(stored(server, queue(server).getFirst())))
          .containsPattern("X-Spam-Status: Unknown, not scanned: rspamd at 127\\.0\\.0\\.1:[0-9]+: connection refused\r\n");
    }
    // Silent: accepts the connection and never answers. Deferred, within the budget and not much more.
    try (ServerSocket silent = new ServerSocket(0)) {
      List<Socket> held = new ArrayList<>();
      Thread acceptor = Thread.ofVirtual().start(() -> {
        try {
          while (true) {
            held.add(silent.accept());
          }
        } catch (Exception closed) {
          // the test is over
        }
      });
      try (Server server = start(URI.create("http://127.0.0.1:" + silent.getLocalPort()), Duration.ofMillis(800),
          ContentChecksConfig.Fallback.DEFER)) {
        long started = System.nanoTime();
        String reply = relay(server, message("slow filter", "hello"));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(reply).startsWith("451 4.7.1 ");
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        assertThat(queue(server)).isEmpty();
      } finally {
        acceptor.interrupt();
      }
    }
  }
}
