package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.schedule.DeliveryReports;
import dev.hikyaku.schedule.RecipientReport;
import dev.hikyaku.schedule.RetryPolicy;
import dev.hikyaku.schedule.Scheduler;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.store.Store;
import dev.hikyaku.testing.SettableClock;
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
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The way out, end to end: a queued message is routed by MX through a real DNS server on loopback
 * and handed over SMTP with STARTTLS to a second Hikyaku acting as the recipient domain's MX; a 5xx
 * and a null MX fail their recipients with an RFC 3464 report, a dead MX defers on schedule.
 */
class DeliveryEndToEndTest {

  @TempDir Path senderData;
  @TempDir Path peerData;
  private TestDnsServer dns;
  private Server peer;
  private Store sender;
  private final SettableClock clock = new SettableClock(Instant.parse("2026-11-23T10:00:00Z"));
  private final Map<String, byte[]> bounces = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    peer = TestServers.start(peerData);
    dns = TestDnsServer.start();
    dns.mx("hikyaku.test", 10, "mx.hikyaku.test").a("mx.hikyaku.test", "127.0.0.1");
    dns.mx("elsewhere.test", 10, "mx.elsewhere.test").a("mx.elsewhere.test", "127.0.0.1"); // the peer refuses to relay
    dns.mx("nullmx.test", 0, ".");
    sender = Store.openSqlite(senderData, clock);
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
            new DeliveryWorker.Settings("mx.sender.test", mxPort, TlsPolicy.OPPORTUNISTIC, OutboundSession.Timeouts.defaults(), Optional.empty()),
            Optional.empty());
    Bouncer bouncer = new Bouncer(clock, new SplittableRandom(3));
    DeliveryReports reports = new DeliveryReports() {
      @Override
      public void failed(DueDelivery delivery, List<RecipientReport> recipients) {
        List<DsnRecipient> failed = recipients.stream()
            .map(r -> new DsnRecipient(r.forwardPath(), "failed", status(r.reply()), Optional.empty(),
                Optional.of("smtp; " + r.reply()), Optional.of(r.lastAttemptAt()), Optional.empty()))
            .toList();
        for (RecipientReport r : recipients) {
          bounces.put(r.forwardPath(), bouncer.dsn(new DsnRequest("mx.sender.test", Optional.empty(),
              new DsnOriginal(delivery.reversePath(), delivery.receivedAt(), delivery.content()), failed, false)));
        }
      }

      @Override
      public void delayed(DueDelivery delivery, List<RecipientReport> recipients) {}

      @Override
      public void succeeded(DueDelivery delivery, List<RecipientReport> recipients, dev.hikyaku.schedule.RecipientResult.Handoff handoff) {
        // Success reports are BounceReportsTest's subject; this test looks at failures.
      }
    };
    return new Scheduler(sender.queue(), RetryPolicy.postfixLike(), worker, reports, clock, new SplittableRandom(5));
  }

  /** The RFC 3463 code at the start of a reply's text, or 5.0.0. */
  private static String status(String reply) {
    var m = java.util.regex.Pattern.compile("^\\d{3}[ -](\\d\\.\\d{1,3}\\.\\d{1,3})").matcher(reply);
    return m.find() ? m.group(1) : "5.0.0";
  }

  @Test
  void deliversByMxOverStartTlsAndFailsWhatCannotBeDelivered() throws Exception {
    QueueId id = enqueue("bob@hikyaku.test", "carol@elsewhere.test", "dave@nullmx.test");

    int attempted = scheduler(peer.port(ListenerRole.RELAY)).runOnce();

    assertThat(attempted).isEqualTo(3);
    List<QueuedMessage> arrived = peer.store().queue().list(QueueQuery.all()).stream()
        .map(e -> uncheckedFind(e.id())).toList();
    assertThat(arrived).singleElement().satisfies(m -> {
      assertThat(m.reversePath()).isEqualTo("alice@sender.test");
      assertThat(m.recipients()).extracting(r -> r.forwardPath()).containsExactly("bob@hikyaku.test");
      String content = new String(m.content(), StandardCharsets.US_ASCII);
      assertThat(content).contains("by mx.hikyaku.test (Hikyaku) with ESMTPS").contains("\r\n.a line with a leading dot\r\n");
    });
    assertThat(sender.queue().find(id)).as("every recipient is final, so the message left the queue").isEmpty();

    assertThat(bounces).containsOnlyKeys("carol@elsewhere.test", "dave@nullmx.test");
    MimeMessage dsn = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bounces.get("dave@nullmx.test")));
    assertThat(dsn.getContentType()).contains("multipart/report").contains("report-type=delivery-status");
    assertThat(dsn.getHeader("To", null)).contains("alice@sender.test");
    MimeMultipart parts = (MimeMultipart) dsn.getContent();
    String status = new String(parts.getBodyPart(1).getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    assertThat(status).contains("Final-Recipient: rfc822; dave@nullmx.test").contains("Action: failed").contains("Status: 5.1.10");
    assertThat(new String(bounces.get("carol@elsewhere.test"), StandardCharsets.US_ASCII)).contains("Status: 5.7.1");
  }

  @Test
  void aDeadMxDefersOnTheRetrySchedule() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    QueueId id = enqueue("bob@hikyaku.test");

    scheduler(closedPort).runOnce();

    QueuedMessage waiting = sender.queue().find(id).orElseThrow();
    assertThat(waiting.recipients()).singleElement().satisfies(r -> {
      assertThat(r.state()).isEqualTo("deferred");
      assertThat(r.attempts()).isEqualTo(1);
      assertThat(r.lastReply()).startsWith("451 4.4.1 mx.hikyaku.test [127.0.0.1]");
      // RetryPolicy.postfixLike(): first retry after 5 minutes, ±10 %.
      assertThat(Duration.between(clock.instant(), r.nextAttemptAt())).isBetween(Duration.ofSeconds(270), Duration.ofSeconds(330));
    });
    assertThat(bounces).isEmpty();
    // Not due before its time: a pass now attempts nothing.
    assertThat(scheduler(closedPort).runOnce()).isZero();
    clock.advance(Duration.ofMinutes(6));
    assertThat(scheduler(peer.port(ListenerRole.RELAY)).runOnce()).isEqualTo(1);
    assertThat(sender.queue().find(id)).isEmpty();
    assertThat(peer.store().queue().list(QueueQuery.all())).hasSize(1);
  }

  private QueuedMessage uncheckedFind(QueueId id) {
    try {
      return peer.store().queue().find(id).orElseThrow();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
