package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.app.Server;
import dev.hikyaku.config.DeliveryConfig;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.QueuedRecipient;
import dev.hikyaku.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole way, as a user sees it: a message submitted on 587 (STARTTLS, AUTH PLAIN, from Commons
 * Net) to a running Hikyaku reaches Debian's Postfix over STARTTLS, found by MX through the test
 * DNS server; and through Postfix as a smarthost that demands AUTH (Dovecot SASL). Postfix's 450
 * is retried on the schedule until it takes the message, and its 550 comes back to the sender as
 * an RFC 3464 report in the sender's own Maildir on Hikyaku.
 */
@Tag("interop")
class SubmissionToPostfixInteropTest {

  private static final String ALICE = "alice@" + TestServers.HOSTED_DOMAIN;
  private static final String ALICE_PASSWORD = "a submission pass phrase for alice 42";
  private static final PostfixPeer.SaslAccount RELAY_ACCOUNT =
      new PostfixPeer.SaslAccount("relay@" + PostfixPeer.DOMAIN, "smarthost pass phrase 9 for the relay account");
  /** Postfix delivers after its 250, in its own time; Hikyaku retries every 3 s here. */
  private static final Duration ARRIVAL = Duration.ofSeconds(30);

  @TempDir static Path postfixDirectory;
  private static PostfixMx mx;
  private static PostfixPeer postfix;
  private static TestDnsServer dns;

  @TempDir Path data;

  @BeforeAll
  static void startPostfix() throws Exception {
    mx = PostfixMx.start(postfixDirectory, List.of("bob", "carol", "later"), List.of("later"), Optional.of(RELAY_ACCOUNT));
    postfix = mx.postfix();
    dns = mx.dns();
  }

  @AfterAll
  static void stopPostfix() {
    if (mx != null) {
      mx.close();
    }
  }

  /**
   * Hikyaku on loopback, delivering with {@code delivery}; retries every 3 s (±10 %): longer than
   * the 2 s a kept connection lives, so each retry meets a fresh smtpd (one that has read Postfix's
   * tables after {@link PostfixPeer#stopRefusing}).
   */
  private Server hikyaku(UnaryOperator<DeliveryConfig> delivery) throws Exception {
    HikyakuConfig base = TestServers.config(data);
    DeliveryConfig enabled = base.delivery().withEnabled(true).withDns(List.of(dns.address()), Duration.ofSeconds(2))
        .withMxPort(postfix.port()).withRetry(Duration.ofSeconds(3), Duration.ofSeconds(3));
    Server server = Server.start(base.withDelivery(delivery.apply(enabled)), UnaryOperator.identity(), List.of(), Clock.systemUTC(),
        Optional.of(TestServers.clientTrusting(mx.certificate())));
    TestServers.createAccount(server, ALICE, ALICE_PASSWORD);
    return server;
  }

  /** Submits one message per recipient on 587: STARTTLS (certificate verified), AUTH PLAIN. */
  private static void submit(Server server, String subject, String... recipients) throws Exception {
    SSLContext trust = TestServers.clientTrusting(server.tls().currentCertificate());
    AuthenticatingSMTPClient smtp = new AuthenticatingSMTPClient(false, trust);
    smtp.setDefaultTimeout(15_000);
    smtp.connect("127.0.0.1", server.port(ListenerRole.SUBMISSION));
    try {
      assertThat(smtp.elogin("client.example")).as(smtp.getReplyString()).isTrue();
      assertThat(smtp.execTLS()).as(smtp.getReplyString()).isTrue();
      assertThat(smtp.elogin("client.example")).as(smtp.getReplyString()).isTrue();
      assertThat(smtp.auth(AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, ALICE, ALICE_PASSWORD)).as(smtp.getReplyString()).isTrue();
      for (String recipient : recipients) {
        assertThat(smtp.setSender(ALICE)).as(smtp.getReplyString()).isTrue();
        assertThat(smtp.addRecipient(recipient)).as(smtp.getReplyString()).isTrue();
        String message = "From: " + ALICE + "\r\nTo: " + recipient + "\r\nSubject: " + subject + " to " + recipient
            + "\r\n\r\nSubmitted on 587, delivered by Hikyaku.\r\n";
        assertThat(smtp.sendShortMessageData(message)).as(smtp.getReplyString()).isTrue();
      }
      smtp.logout();
    } finally {
      smtp.disconnect();
    }
  }

  @Test
  void submittedMailReachesPostfixByMxOverStartTlsWithRetriesAndReports() throws Exception {
    try (Server server = hikyaku(d -> d)) {
      submit(server, "by MX", "bob@postfix.test", "nobody-here@postfix.test", "later@postfix.test");

      // 250: in bob's Maildir, over TLS 1.3, with Hikyaku's submission trace below Postfix's.
      await().atMost(ARRIVAL).until(() -> postfix.deliveredContaining("bob", "by MX").isPresent());
      String atBob = postfix.deliveredContaining("bob", "by MX").orElseThrow();
      assertThat(atBob).contains("from " + TestServers.HOSTNAME).contains("with ESMTPS").contains("using TLSv1.3")
          .contains("with ESMTPSA id ").contains("Submitted on 587, delivered by Hikyaku.");

      // 550 5.1.1: a report to alice, in her Maildir on Hikyaku (hikyaku.test is hosted there).
      Path alicesMail = data.resolve("mail").resolve(TestServers.HOSTED_DOMAIN).resolve("alice").resolve("new");
      await().atMost(ARRIVAL).until(() -> Files.isDirectory(alicesMail) && !files(alicesMail).isEmpty());
      String report = Files.readString(files(alicesMail).getFirst(), StandardCharsets.UTF_8).replace("\r\n ", " ");
      assertThat(report).contains("Return-Path: <>", "Subject: Undelivered Mail Returned to Sender",
          "Content-Type: multipart/report; report-type=delivery-status",
          "Final-Recipient: rfc822; nobody-here@postfix.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
              + "Remote-MTA: dns; " + PostfixPeer.HOSTNAME + "\r\nDiagnostic-Code: smtp; 550 5.1.1",
          "Subject: by MX to nobody-here@postfix.test");

      // 450 4.2.0: deferred, retried on the schedule (3 s ±10 %), delivered once Postfix takes it.
      await().atMost(ARRIVAL).untilAsserted(() -> {
        QueuedRecipient later = recipient(server, "later@postfix.test");
        assertThat(later.state()).isEqualTo("deferred");
        // The store keeps the typed status as the send log writes it: dsn, Postfix's reply, Postfix.
        assertThat(later.lastReply()).startsWith("delayed 4.2.0 (smtp; 450 4.2.0").contains(" at " + PostfixPeer.HOSTNAME + "[");
        assertThat(later.attempts()).isPositive();
        Duration wait = Duration.between(later.lastAttemptAt(), later.nextAttemptAt());
        assertThat(wait).isBetween(Duration.ofMillis(2700), Duration.ofMillis(3300));
      });
      assertThat(postfix.deliveredContaining("later", "by MX")).isEmpty();
      postfix.stopRefusing();
      await().atMost(ARRIVAL).until(() -> postfix.deliveredContaining("later", "by MX").isPresent());
      await().atMost(ARRIVAL).until(() -> server.store().queueAdmin().list(QueueQuery.all()).isEmpty());
    }
  }

  @Test
  void submittedMailReachesPostfixThroughASmarthostThatWantsAuth() throws Exception {
    Path password = Files.writeString(data.resolve("smarthost.password"), RELAY_ACCOUNT.password() + "\n");
    int mxQueries = dns.queries(PostfixPeer.DOMAIN);
    // localhost: where to connect, and a name Postfix's certificate carries (verified TLS).
    try (Server server = hikyaku(d -> d.withSmarthost(Optional.of(new DeliveryConfig.Smarthost("localhost", postfix.submissionPort(),
        dev.hikyaku.delivery.TlsPolicy.VERIFY, Optional.of(RELAY_ACCOUNT.user()), Optional.of(password)))))) {
      submit(server, "by smarthost", "carol@postfix.test");

      await().atMost(ARRIVAL).until(() -> postfix.deliveredContaining("carol", "by smarthost").isPresent());
      String atCarol = postfix.deliveredContaining("carol", "by smarthost").orElseThrow();
      // Postfix's own trace: authenticated submission over TLS (RFC 3848 ESMTPSA).
      assertThat(atCarol).contains("with ESMTPSA").contains("using TLSv1.3");
      assertThat(postfix.log()).contains("sasl_method=PLAIN, sasl_username=" + RELAY_ACCOUNT.user())
          .doesNotContain(RELAY_ACCOUNT.password());
      assertThat(dns.queries(PostfixPeer.DOMAIN)).as("no MX lookup: the smarthost takes everything").isEqualTo(mxQueries);
      await().atMost(ARRIVAL).until(() -> server.store().queueAdmin().list(QueueQuery.all()).isEmpty());
    }
  }

  private static QueuedRecipient recipient(Server server, String address) throws Exception {
    for (var entry : server.store().queueAdmin().list(QueueQuery.all().withRecipient(address))) {
      var message = server.store().queueAdmin().find(entry.id()).orElseThrow();
      for (QueuedRecipient r : message.recipients()) {
        if (r.forwardPath().equals(address)) {
          return r;
        }
      }
    }
    throw new AssertionError("no queued recipient " + address);
  }

  private static List<Path> files(Path directory) throws Exception {
    try (Stream<Path> listing = Files.list(directory)) {
      return listing.sorted().toList();
    }
  }
}
