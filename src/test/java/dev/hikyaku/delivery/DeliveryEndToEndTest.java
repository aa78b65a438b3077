package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.schedule.Scheduler;
import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.store.Store;
import dev.hikyaku.testing.QueuedBounces;
import dev.hikyaku.testing.RetryPolicies;
import dev.hikyaku.testing.SettableClock;
import dev.hikyaku.testing.TestDelivery;
import dev.hikyaku.testing.TestServers;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The way out, end to end: a queued message is routed by MX through a real DNS server on loopback
 * and handed over SMTP with STARTTLS to a second Hikyaku acting as the recipient domain's MX; a 5xx
 * and a null MX fail their recipients with an RFC 3464 report, which the server's own
 * {@link BounceReports} queues back to the sender with the null reverse-path; a dead MX defers on
 * schedule.
 */
class DeliveryEndToEndTest {

  @TempDir Path senderData;
  @TempDir Path peerData;
  private TestDnsServer dns;
  private Server peer;
  private Store sender;
  private final SettableClock clock = new SettableClock(Instant.parse("2026-11-23T10:00:00Z"));
  /** The server's own bounce path: reports queued in the sending store with the null sender. */
  private QueuedBounces bounces;

  @BeforeEach
  void start() throws Exception {
    peer = TestServers.start(peerData);
    TestServers.createMailboxes(peer, "bob@hikyaku.test");
    dns = TestDnsServer.start();
    dns.mx("hikyaku.test", 10, "mx.hikyaku.test").a("mx.hikyaku.test", "127.0.0.1");
    dns.mx("elsewhere.test", 10, "mx.elsewhere.test").a("mx.elsewhere.test", "127.0.0.1"); // the peer refuses to relay
    dns.mx("nullmx.test", 0, ".");
    sender = Store.openSqlite(senderData, clock);
    bounces = new QueuedBounces(sender, "mx.sender.test", clock);
  }

  @AfterEach
  void stop() throws Exception {
    sender.close();
    peer.close();
    dns.close();
  }

  private QueueId enqueue(String... recipients) throws Exception {
    QueueId id = QueueId.generate(clock, new SplittableRandom(7));
    sender.queue().accept(new NewMessage(
        id, clock.instant(), "alice@sender.test", "",
        java.util.Arrays.stream(recipients).map(r -> new NewRecipient(r, "")).toList(),
        new Origin("submission", "127.0.0.1", "client.example", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "alice@sender.test"),
        "From: alice@sender.test\r\nSubject: outbound\r\n\r\n.a line with a leading dot\r\n".getBytes(StandardCharsets.US_ASCII)));
    return id;
  }

  private Scheduler scheduler(int mxPort) {
    DeliveryWorker worker =
        new DeliveryWorker(
            new MxResolver(new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(2), 2), new SplittableRandom(1)),
            TestDelivery.settings("mx.sender.test", mxPort, TlsPolicy.OPPORTUNISTIC, Routes.NONE),
            Optional.empty());
    return TestDelivery.scheduler(sender.queue(), RetryPolicies.postfixLike(), worker, bounces.reports(), clock, new SplittableRandom(5));
  }

  /** A DSN's delivery-status part (RFC 3464 §2), unfolded (RFC 5322 §2.2.3). */
  private static String statusPart(byte[] dsn) throws Exception {
    MimeMultipart parts = (MimeMultipart) new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(dsn)).getContent();
    return new String(parts.getBodyPart(1).getInputStream().readAllBytes(), StandardCharsets.US_ASCII).replace("\r\n ", " ");
  }

  /** A DSN's human-readable part, its folded lines joined. */
  private static String textPart(byte[] dsn) throws Exception {
    MimeMultipart parts = (MimeMultipart) new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(dsn)).getContent();
    return ((String) parts.getBodyPart(0).getContent()).replace("\r\n    ", "");
  }

  @Test
  void deliversByMxOverStartTlsAndFailsWhatCannotBeDelivered() throws Exception {
    QueueId id = enqueue("bob@hikyaku.test", "carol@elsewhere.test", "dave@nullmx.test");

    int attempted = scheduler(peer.port(ListenerRole.RELAY)).runOnce();

    assertThat(attempted).isEqualTo(3);
    List<QueuedMessage> arrived = peer.store().queueAdmin().list(QueueQuery.all()).stream()
        .map(e -> uncheckedFind(e.id())).toList();
    assertThat(arrived).singleElement().satisfies(m -> {
      assertThat(m.reversePath()).isEqualTo("alice@sender.test");
      assertThat(m.recipients()).extracting(r -> r.forwardPath()).containsExactly("bob@hikyaku.test");
      String content = new String(m.content(), StandardCharsets.US_ASCII);
      assertThat(content).contains("by mx.hikyaku.test (Hikyaku) with ESMTPS").contains("\r\n.a line with a leading dot\r\n");
    });
    assertThat(sender.queueAdmin().find(id)).as("every recipient is final, so the message left the queue").isEmpty();

    // Each domain is its own share, so each failed recipient has a report of its own, queued to alice.
    Map<String, byte[]> bounced = bounces.byRecipient();
    assertThat(bounced).containsOnlyKeys("carol@elsewhere.test", "dave@nullmx.test");
    MimeMessage dsn = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bounced.get("dave@nullmx.test")));
    assertThat(dsn.getContentType()).contains("multipart/report").contains("report-type=delivery-status");
    assertThat(dsn.getHeader("To", null)).contains("alice@sender.test");
    // RFC 7505: the null MX is our finding, not a server's reply: X-Hikyaku, no smtp, no Remote-MTA.
    String status = statusPart(bounced.get("dave@nullmx.test"));
    assertThat(status).contains("Final-Recipient: rfc822; dave@nullmx.test\r\nAction: failed\r\nStatus: 5.1.10\r\n"
        + "Diagnostic-Code: X-Hikyaku; nullmx.test accepts no mail (null MX, RFC 7505)\r\n");
    assertThat(status).doesNotContain("smtp;").doesNotContain("Remote-MTA");
    assertThat(textPart(bounced.get("dave@nullmx.test"))).contains("<dave@nullmx.test>: failed, nullmx.test accepts no mail")
        .doesNotContain(" said: ");
    // The peer refused to relay (RFC 3463 X.7.1): its reply, and the MX that said it.
    assertThat(statusPart(bounced.get("carol@elsewhere.test")))
        .contains("Final-Recipient: rfc822; carol@elsewhere.test\r\nAction: failed\r\nStatus: 5.7.1\r\n"
            + "Remote-MTA: dns; mx.elsewhere.test\r\nDiagnostic-Code: smtp; 554 5.7.1 ");
  }

  @Test
  void a550FromTheSinkBouncesWithTheSinksNameAndItsReply() throws Exception {
    dns.mx("sink.test", 10, "mx.sink.test").a("mx.sink.test", "127.0.0.1");
    try (FakeSmtpServer sink = new FakeSmtpServer(peer -> {
      peer.reply("220 mx.sink.test ESMTP");
      peer.line(); // EHLO
      peer.reply("250-mx.sink.test", "250 ENHANCEDSTATUSCODES");
      peer.line(); // MAIL
      peer.reply("250 2.1.0 ok");
      peer.line(); // RCPT
      peer.reply("550-5.1.1 <erin@sink.test>: no such user", "550 5.1.1 try another");
    })) {
      QueueId id = enqueue("erin@sink.test");

      assertThat(scheduler(sink.address().getPort()).runOnce()).isEqualTo(1);

      assertThat(sender.queueAdmin().find(id)).as("failed, so the message left the queue").isEmpty();
      Map<String, byte[]> bounced = bounces.byRecipient();
      assertThat(bounced).containsOnlyKeys("erin@sink.test");
      // RFC 3464 §2.3.5-6: who said it (by its MX name), and what it said, labelled smtp.
      assertThat(statusPart(bounced.get("erin@sink.test"))).contains(
          "Final-Recipient: rfc822; erin@sink.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
              + "Remote-MTA: dns; mx.sink.test\r\n"
              + "Diagnostic-Code: smtp; 550 5.1.1 <erin@sink.test>: no such user try another\r\n");
      assertThat(textPart(bounced.get("erin@sink.test"))).contains(
          "<erin@sink.test>: failed, host mx.sink.test[127.0.0.1]:" + sink.address().getPort()
              + " said: 550 5.1.1 <erin@sink.test>: no such user try another");
      assertThat(sink.received()).containsExactly(
          "EHLO mx.sender.test", "MAIL FROM:<alice@sender.test>", "RCPT TO:<erin@sink.test>");
    }
  }

  @Test
  void aDeadMxDefersOnTheRetrySchedule() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    QueueId id = enqueue("bob@hikyaku.test");

    scheduler(closedPort).runOnce();

    QueuedMessage waiting = sender.queueAdmin().find(id).orElseThrow();
    assertThat(waiting.recipients()).singleElement().satisfies(r -> {
      assertThat(r.state()).isEqualTo("deferred");
      assertThat(r.attempts()).isEqualTo(1);
      // RFC 3463 X.4.1 no answer from host: our reason (no server said a word), as the store keeps it.
      // The MX by name and the address tried (not the name again), and no Remote-MTA: none answered.
      assertThat(r.lastReply()).startsWith("delayed 4.4.1 (X-Hikyaku; connecting to mx.hikyaku.test[127.0.0.1]:" + closedPort + " failed: ")
          .endsWith(")");
      // RetryPolicies.postfixLike(): first retry after 5 minutes, ±10 %.
      assertThat(Duration.between(clock.instant(), r.nextAttemptAt())).isBetween(Duration.ofSeconds(270), Duration.ofSeconds(330));
    });
    assertThat(bounces.byRecipient()).isEmpty();
    // Not due before its time: a pass now attempts nothing.
    assertThat(scheduler(closedPort).runOnce()).isZero();
    clock.advance(Duration.ofMinutes(6));
    assertThat(scheduler(peer.port(ListenerRole.RELAY)).runOnce()).isEqualTo(1);
    assertThat(sender.queueAdmin().find(id)).isEmpty();
    assertThat(peer.store().queueAdmin().list(QueueQuery.all())).hasSize(1);
  }

  private QueuedMessage uncheckedFind(QueueId id) {
    try {
      return peer.store().queueAdmin().find(id).orElseThrow();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
