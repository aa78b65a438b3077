package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.delivery.DeliveryWorker;
import dev.hikyaku.delivery.Routes;
import dev.hikyaku.delivery.MxResolver;
import dev.hikyaku.delivery.TlsPolicy;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.schedule.Scheduler;
import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.store.Store;
import dev.hikyaku.testing.QueuedBounces;
import dev.hikyaku.testing.RetryPolicies;
import dev.hikyaku.testing.SettableClock;
import dev.hikyaku.testing.TestDelivery;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hikyaku's outbound delivery against Postfix as the receiving MX: a private Postfix instance
 * ({@link PostfixPeer}) is the MX of postfix.test, found through a real DNS server on loopback;
 * the delivery worker hands it queued mail over STARTTLS, and the test reads what Postfix's
 * virtual(8) wrote into the Maildir: its Received header says whether TLS was used.
 */
@Tag("interop")
class PostfixPeerInteropTest {

  private static final String MAILBOX = "bob";
  private static final String KNOWN = MAILBOX + "@" + PostfixPeer.DOMAIN;
  private static final String UNKNOWN = "nobody-here@" + PostfixPeer.DOMAIN;
  /** Postfix delivers after it has said 250, in its own time: qmgr, then virtual(8). */
  private static final Duration ARRIVAL = Duration.ofSeconds(10);

  @TempDir static Path postfixDirectory;
  private static PostfixMx mx;
  private static PostfixPeer postfix;
  private static TestDnsServer dns;

  @TempDir Path senderData;
  private Store sender;
  private final SettableClock clock = new SettableClock(Instant.parse("2026-11-23T10:00:00Z"));
  /** The server's own bounce path: reports queued in the sender's store with the null sender. */
  private QueuedBounces bounces;

  @BeforeAll
  static void startPostfix() throws Exception {
    mx = PostfixMx.start(postfixDirectory, List.of(MAILBOX));
    postfix = mx.postfix();
    dns = mx.dns();
  }

  @AfterAll
  static void stopPostfix() {
    if (mx != null) {
      mx.close();
    }
  }

  @BeforeEach
  void openStore() throws Exception {
    sender = Store.openSqlite(senderData, clock);
    bounces = new QueuedBounces(sender, "mx.sender.test", clock);
  }

  @AfterEach
  void closeStore() throws Exception {
    sender.close();
  }

  @Test
  void opportunisticTlsDeliversIntoPostfixsMaildirOverTls13() throws Exception {
    String token = token();
    QueueId id = enqueue(token, KNOWN);

    int attempted = scheduler(TlsPolicy.OPPORTUNISTIC).runOnce();

    assertThat(attempted).isEqualTo(1);
    assertThat(sender.queueAdmin().find(id)).as("delivered, so the message left the sender's queue").isEmpty();
    assertThat(bounces.byRecipient()).isEmpty();
    String delivered = awaitArrival(token);
    assertThat(topReceived(delivered))
        .as(delivered)
        .startsWith("Received: from mx.sender.test (unknown [127.0.0.1])")
        .contains("(using TLSv1.3 with cipher ")
        .contains("by " + PostfixPeer.HOSTNAME + " (Postfix) with ESMTPS id ")
        .contains("for <" + KNOWN + ">");
    // virtual(8) adds the envelope as Return-Path and Delivered-To.
    assertThat(delivered).startsWith("Return-Path: <alice@sender.test>\n").contains("\nDelivered-To: " + KNOWN + "\n");
    // RFC 5321 §4.5.2: dot-stuffed on the wire, unstuffed by Postfix: the line arrives as written.
    assertThat(delivered).contains("\n\n.a line with a leading dot\n").contains("\n..two leading dots\n");
  }

  @Test
  void postfixRefusesAnUnknownUserWith550AndThatRecipientGetsAReport() throws Exception {
    String token = token();
    QueueId id = enqueue(token, KNOWN, UNKNOWN);

    scheduler(TlsPolicy.OPPORTUNISTIC).runOnce();

    assertThat(sender.queueAdmin().find(id)).as("both recipients are final").isEmpty();
    assertThat(awaitArrival(token)).contains("for <" + KNOWN + ">");
    // One report, queued back to alice with the null sender, for the one recipient that failed.
    Map<String, byte[]> bounced = bounces.byRecipient();
    assertThat(bounced).containsOnlyKeys(UNKNOWN);
    MimeMessage dsn = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bounced.get(UNKNOWN)));
    assertThat(dsn.getContentType()).contains("multipart/report").contains("report-type=delivery-status");
    MimeMultipart parts = (MimeMultipart) dsn.getContent();
    String status = new String(parts.getBodyPart(1).getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    // RFC 5322 §2.2.3: the Bouncer folds long fields; unfolded, Postfix's reply reads as it was sent.
    assertThat(status.replaceAll("\r?\n(?=[ \t])", ""))
        .contains("Final-Recipient: rfc822; " + UNKNOWN)
        .contains("Action: failed")
        .contains("Status: 5.1.1")
        // RFC 3464 §2.3.5: Postfix is the MTA that said it, named as its MX record names it.
        .contains("Remote-MTA: dns; " + PostfixPeer.HOSTNAME + "\r\n")
        // Postfix's own words for a recipient missing from virtual_mailbox_maps, labelled smtp.
        .contains("Diagnostic-Code: smtp; 550 5.1.1 <" + UNKNOWN + ">: Recipient address rejected: User unknown in virtual mailbox table");
    assertThat(postfix.log()).contains("reject: RCPT from unknown[127.0.0.1]: 550 5.1.1 <" + UNKNOWN + ">");
  }

  @Test
  void requiredTlsIsSatisfiedByPostfixsStartTls() throws Exception {
    String token = token();
    QueueId id = enqueue(token, KNOWN);

    scheduler(TlsPolicy.REQUIRE).runOnce();

    assertThat(sender.queueAdmin().find(id)).isEmpty();
    assertThat(topReceived(awaitArrival(token))).contains("(using TLSv1.3 with cipher ").contains(" with ESMTPS id ");
  }

  @Test
  void verifiedTlsAgainstASelfSignedCertificateDefersAndSendsNothing() throws Exception {
    String token = token();
    QueueId id = enqueue(token, KNOWN);

    scheduler(TlsPolicy.VERIFY).runOnce();

    // The JDK trust store does not know the self-signed certificate: transient, never plaintext.
    QueuedMessage waiting = sender.queueAdmin().find(id).orElseThrow();
    assertThat(waiting.recipients()).singleElement().satisfies(r -> {
      assertThat(r.state()).isEqualTo("deferred");
      assertThat(r.attempts()).isEqualTo(1);
      // RFC 3463 X.7.5 cryptographic failure: our finding at Postfix, not a reply of Postfix's.
      assertThat(r.lastReply()).startsWith("delayed 4.7.5 (X-Hikyaku; TLS handshake with " + PostfixPeer.HOSTNAME + "[127.0.0.1]:")
          .endsWith(" at " + PostfixPeer.HOSTNAME + "[127.0.0.1]:" + postfix.port());
    });
    assertThat(bounces.byRecipient()).isEmpty();
    // The handshake failed before any MAIL FROM: Postfix saw a TLS failure and queued nothing.
    await().atMost(ARRIVAL).untilAsserted(() -> assertThat(postfix.log()).contains("SSL_accept error from unknown[127.0.0.1]"));
    assertThat(postfix.deliveredContaining(MAILBOX, token)).isEmpty();
  }

  private static String token() {
    return UUID.randomUUID().toString();
  }

  private String awaitArrival(String token) {
    return await("a message containing " + token + " in " + MAILBOX + "'s Maildir")
        .atMost(ARRIVAL)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> postfix.deliveredContaining(MAILBOX, token), Optional::isPresent)
        .orElseThrow();
  }

  /** The first header field of a message as Postfix wrote it, its folded lines included. */
  private static String topReceived(String message) {
    Matcher received = Pattern.compile("^Received: .*?(?=\\n\\S)", Pattern.MULTILINE | Pattern.DOTALL).matcher(message);
    assertThat(received.find()).as("a Received field in%n%s", message).isTrue();
    return received.group();
  }

  private QueueId enqueue(String token, String... recipients) throws Exception {
    QueueId id = QueueId.generate(clock, new SplittableRandom(token.hashCode()));
    String content =
        "From: alice@sender.test\r\nSubject: to postfix " + token + "\r\n\r\n"
            + ".a line with a leading dot\r\n..two leading dots\r\nend\r\n";
    sender.queue().accept(new NewMessage(
        id, clock.instant(), "alice@sender.test", "",
        Arrays.stream(recipients).map(r -> new NewRecipient(r, "")).toList(),
        new Origin("submission", "127.0.0.1", "client.example", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "alice@sender.test"),
        content.getBytes(StandardCharsets.US_ASCII)));
    return id;
  }

  private Scheduler scheduler(TlsPolicy tls) {
    DeliveryWorker worker =
        new DeliveryWorker(
            new MxResolver(new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(2), 2), new SplittableRandom(1)),
            TestDelivery.settings("mx.sender.test", postfix.port(), tls, Routes.NONE),
            Optional.empty());
    return TestDelivery.scheduler(sender.queue(), RetryPolicies.postfixLike(), worker, bounces.reports(), clock, new SplittableRandom(5));
  }

}
