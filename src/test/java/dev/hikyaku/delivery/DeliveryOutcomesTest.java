package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.hikyaku.app.Server;
import dev.hikyaku.auth.Principal;
import dev.hikyaku.config.DeliveryConfig;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.EventSink;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.testing.ScriptedMx;
import dev.hikyaku.testing.TestServers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.commons.net.smtp.SMTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Issue 11, seen from outside: one submitted message to four recipients — at a null-MX domain, and
 * at a sink that answers 250, 450 then 250, and 550 — leaves a send-log line per attempt with the
 * right dsn= and status=, the matching delivery events, and bounces whose DSN says who said what:
 * {@code Remote-MTA} and {@code smtp;} for the sink's 550, our own {@code X-Hikyaku;} for the null MX.
 */
// It sets the level of the send log, which every running server writes to, as the other tests that
// read logs do; the lines it reads are its message's (they start with its queue id).
@ResourceLock(TestServers.CAPTURED_LOGS)
class DeliveryOutcomesTest {

  @TempDir Path data;
  private TestDnsServer dns;
  private ScriptedMx sink;
  private final Logger sendLog = (Logger) org.slf4j.LoggerFactory.getLogger("hikyaku.sendlog");
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private Level levelBefore;

  @BeforeEach
  void start() throws Exception {
    sink = new ScriptedMx();
    dns = TestDnsServer.start();
    for (String domain : List.of("ok.test", "later.test", "no.test")) {
      dns.mx(domain, 10, "mx.sink.test");
    }
    dns.a("mx.sink.test", "127.0.0.1");
    dns.mx("nullmx.test", 0, ".");
    levelBefore = sendLog.getLevel();
    sendLog.setLevel(Level.INFO);
    lines.list = new CopyOnWriteArrayList<>();
    lines.start();
    sendLog.addAppender(lines);
  }

  @AfterEach
  void stop() throws Exception {
    sendLog.detachAppender(lines);
    sendLog.setLevel(levelBefore);
    dns.close();
    sink.close();
  }

  private List<String> sendLog() {
    return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void everyOutcomeIsLoggedPublishedAndReportedWithItsOrigin() throws Exception {
    HikyakuConfig base = TestServers.config(data);
    DeliveryConfig delivery = base.delivery().withEnabled(true).withDns(List.of(dns.address()), Duration.ofSeconds(2))
        .withMxPort(sink.port()).withRetry(Duration.ofSeconds(1), Duration.ofSeconds(1));
    List<Event> events = new CopyOnWriteArrayList<>();
    EventSink recorder = events::add;
    // Submission as alice (the session starts authenticated: AUTH is tested elsewhere).
    try (Server server = Server.start(base.withDelivery(delivery),
        s -> s.withAssumedPrincipal(new Principal("alice@hikyaku.test")), List.of(recorder))) {
      TestServers.createAccount(server, "alice@hikyaku.test", "a long and unguessable pass phrase");
      SMTPClient client = new SMTPClient();
      client.setDefaultTimeout(10_000);
      client.connect("127.0.0.1", server.port(ListenerRole.RELAY));
      String id;
      try {
        client.login("client.example");
        assertThat(client.setSender("alice@hikyaku.test")).as(client.getReplyString()).isTrue();
        for (String to : List.of("ok@ok.test", "later@later.test", "no@no.test", "dave@nullmx.test")) {
          assertThat(client.addRecipient(to)).as(to + ": " + client.getReplyString()).isTrue();
        }
        assertThat(client.sendShortMessageData("From: alice@hikyaku.test\r\nSubject: outcomes\r\n\r\nbody\r\n"))
            .as(client.getReplyString()).isTrue();
        id = client.getReplyString().strip().replaceAll(".* queued as ", "");
      } finally {
        client.disconnect();
      }

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(events).anyMatch(e -> e instanceof Event.MessageRemoved r && r.queueId().equals(id)));
      String relay = "relay=mx.sink.test[127.0.0.1]:" + sink.port();
      assertThat(sendLog()).filteredOn(l -> l.startsWith(id + ": ")).satisfiesExactlyInAnyOrder(
          accepted -> assertThat(accepted).contains("sasl_username=alice@hikyaku.test", "from=<alice@hikyaku.test>", "nrcpt=4"),
          ok -> assertThat(ok).contains("to=<ok@ok.test>", relay, "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as SINK)"),
          deferred -> assertThat(deferred).contains("to=<later@later.test>", relay, "dsn=4.2.0, status=deferred (450 4.2.0 try again later)"),
          later -> assertThat(later).contains("to=<later@later.test>", relay, "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as SINK)"),
          no -> assertThat(no).contains("to=<no@no.test>", relay, "dsn=5.1.1, status=bounced (550 5.1.1 no such user)"),
          // Issue 12 item 6: the remote 550 5.1.1 puts no@no.test on the suppression list; our own null-MX finding does not.
          suppressed -> assertThat(suppressed)
              .isEqualTo(id + ": to=<no@no.test>, suppressed for hikyaku.test (hard-bounce: smtp; 550 5.1.1 no such user)"),
          nullMx -> assertThat(nullMx).contains("to=<dave@nullmx.test>", "relay=none",
              "dsn=5.1.10, status=bounced (nullmx.test accepts no mail (null MX, RFC 7505))"),
          dsn1 -> assertThat(dsn1).contains("sender non-delivery notification: ", "to <alice@hikyaku.test>"),
          dsn2 -> assertThat(dsn2).contains("sender non-delivery notification: ", "to <alice@hikyaku.test>"),
          removed -> assertThat(removed).isEqualTo(id + ": removed"));

      List<Event.DeliveryAttempted> attempts = events.stream()
          .filter(e -> e instanceof Event.DeliveryAttempted a && a.queueId().equals(id)).map(e -> (Event.DeliveryAttempted) e).toList();
      assertThat(attempts).extracting(a -> a.recipient() + " " + a.attempt() + " " + a.status().outcome())
          .containsExactlyInAnyOrder("ok@ok.test 1 DELIVERED", "later@later.test 1 DEFERRED", "later@later.test 2 DELIVERED",
              "no@no.test 1 FAILED", "dave@nullmx.test 1 FAILED");
      assertThat(attempts).filteredOn(a -> a.recipient().equals("ok@ok.test")).singleElement().satisfies(a -> {
        assertThat(a.status().action()).as("the sink offers no DSN: relayed (RFC 3461 §5.2.2.2)").isEqualTo(DeliveryStatus.Action.RELAYED);
        assertThat(a.facts().route()).isEqualTo(dev.hikyaku.events.AttemptFacts.Route.MX);
      });
      assertThat(events).filteredOn(e -> e instanceof Event.DeliveryDeferred d && d.queueId().equals(id)).hasSize(1);
      assertThat(events).filteredOn(e -> e instanceof Event.DeliveryBounced b && b.queueId().equals(id))
          .extracting(e -> ((Event.DeliveryBounced) e).recipient()).containsExactlyInAnyOrder("no@no.test", "dave@nullmx.test");
      assertThat(events).filteredOn(e -> e instanceof Event.DsnQueued q && q.queueId().equals(id)).hasSize(2);

      // The bounces come home to alice's Maildir, each saying who said it.
      Path inbox = data.resolve("mail").resolve("hikyaku.test").resolve("alice").resolve("new");
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(inbox).isDirectory();
        try (var files = Files.list(inbox)) {
          assertThat(files.toList()).hasSize(2);
        }
      });
      List<String> dsns;
      try (var files = Files.list(inbox)) {
        dsns = files.map(f -> {
          try {
            return Files.readString(f).replace("\r\n ", " ");
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }).toList();
      }
      assertThat(dsns).filteredOn(d -> d.contains("Final-Recipient: rfc822; no@no.test")).singleElement().asString()
          .contains("Status: 5.1.1", "Remote-MTA: dns; mx.sink.test", "Diagnostic-Code: smtp; 550 5.1.1 no such user");
      assertThat(dsns).filteredOn(d -> d.contains("Final-Recipient: rfc822; dave@nullmx.test")).singleElement().asString()
          .contains("Status: 5.1.10", "Diagnostic-Code: X-Hikyaku; nullmx.test accepts no mail")
          .doesNotContain("smtp;", "Remote-MTA");
      assertThat(server.store().queueAdmin().list(QueueQuery.all())).isEmpty();

      // The next submission from the same domain to the suppressed recipient is refused at RCPT; the others go on.
      assertThat(events).filteredOn(e -> e instanceof Event.RecipientSuppressed).singleElement()
          .satisfies(e -> assertThat((Event.RecipientSuppressed) e).extracting(
                  Event.RecipientSuppressed::senderDomain, Event.RecipientSuppressed::recipient, Event.RecipientSuppressed::queueId)
              .containsExactly("hikyaku.test", "no@no.test", id));
      SMTPClient again = new SMTPClient();
      again.setDefaultTimeout(10_000);
      again.connect("127.0.0.1", server.port(ListenerRole.RELAY));
      try {
        again.login("client.example");
        assertThat(again.setSender("alice@hikyaku.test")).as(again.getReplyString()).isTrue();
        assertThat(again.addRecipient("no@no.test")).isFalse();
        assertThat(again.getReplyString().strip()).matches(
            "550 5\\.1\\.1 <no@no\\.test>: Recipient address is on the suppression list since \\S+Z \\(hard bounce\\)");
        assertThat(again.addRecipient("dave@nullmx.test")).as(again.getReplyString()).isTrue();
      } finally {
        again.disconnect();
      }
      assertThat(events).filteredOn(e -> e instanceof Event.RecipientRejected r && r.rule().equals("suppression"))
          .singleElement().satisfies(e -> assertThat(((Event.RecipientRejected) e).reason())
              .startsWith("suppressed for hikyaku.test since ").contains("5.1.1 smtp; 550 5.1.1 no such user", id));

      // The message history keeps it all after the queue let it go: `hikyaku history show` prints it.
      Path config = data.resolve("hikyaku.yaml");
      Files.writeString(config, "hostname: mx.hikyaku.test\ndata-directory: " + data + "\n");
      dev.hikyaku.app.AdminCommandLine.Result show =
          dev.hikyaku.app.AdminCommandLine.run("", "history", "show", id, "--config", config.toString());
      assertThat(show.exitCode()).as(show.describe()).isZero();
      assertThat(show.out())
          .contains("id:          " + id, "sender:      <alice@hikyaku.test>", "subject:     outcomes", "recipients:  4")
          .contains("<ok@ok.test>  relayed, 1 attempt(s)", "<later@later.test>  relayed, 2 attempt(s)",
              "<no@no.test>  failed, 1 attempt(s)", "<dave@nullmx.test>  failed, 1 attempt(s)")
          .contains("smtp; 450 4.2.0 try again later", "smtp; 550 5.1.1 no such user",
              "X-Hikyaku; nullmx.test accepts no mail (null MX, RFC 7505)", "relay mx.sink.test[127.0.0.1]:" + sink.port());
      dev.hikyaku.app.AdminCommandLine.Result search =
          dev.hikyaku.app.AdminCommandLine.run("", "history", "search", "--status", "failed", "--config", config.toString());
      assertThat(search.out()).as(search.describe()).contains(id);
    }
  }
}
