package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.app.Server;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.DeliveryStatus.Action;
import dev.hikyaku.protocol.DeliveryStatus.Diagnostic;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.store.QueueEntry;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.testing.TestServers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hikyaku's own server as the receiving peer: relay port (MX style, STARTTLS under every policy),
 * submission and submissions (smarthost style, AUTH over TLS). Checks what arrives in the queue.
 */
class OutboundSessionHikyakuTest {

  private static final String PASSWORD = "a pass phrase long enough for any policy 7";

  @TempDir static Path data;
  private static Server server;
  private static SSLContext trusting;

  @BeforeAll
  static void start() throws Exception {
    server = TestServers.start(data);
    TestServers.createAccount(server, "alice@hikyaku.test", PASSWORD);
    TestServers.createMailboxes(server, "bob@hikyaku.test", "carol@hikyaku.test");
    trusting = TestServers.clientTrusting(server.tls().currentCertificate());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static InetSocketAddress address(ListenerRole role) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port(role));
  }

  private static OutboundSession open(ListenerRole role, TlsPolicy policy, Optional<SmtpCredentials> credentials,
      Optional<SSLContext> context) throws OutboundException {
    return OutboundSession.open(address(role), TestServers.HOSTNAME, "out.client.example", policy, credentials,
        OutboundSession.Timeouts.defaults(), context);
  }

  /** The remote MTA a session to {@code role}'s listener names in every status. */
  private static DeliveryStatus.RemoteMta mx(ListenerRole role) {
    return new DeliveryStatus.RemoteMta(TestServers.HOSTNAME, Optional.of("127.0.0.1"), server.port(role));
  }

  private static void assertDelivered(Attempt attempt) {
    assertThat(attempt.status().action()).as(attempt.toString()).isEqualTo(Action.DELIVERED);
  }

  /** A message with a unique subject, so each test finds its own in the shared queue. */
  private static String message(String subject, String body) {
    return "From: sender@client.example\r\nTo: bob@hikyaku.test\r\nSubject: " + subject + "\r\n\r\n" + body;
  }

  private static QueuedMessage queued(String subject) throws Exception {
    for (QueueEntry entry : server.store().queueAdmin().list(QueueQuery.all())) {
      QueuedMessage m = server.store().queueAdmin().find(entry.id()).orElseThrow();
      if (new String(m.content(), StandardCharsets.UTF_8).contains("Subject: " + subject + "\r\n")) {
        return m;
      }
    }
    throw new AssertionError("no message with subject " + subject + " in the queue");
  }

  private static String unique() {
    return "outbound " + UUID.randomUUID();
  }

  @Test
  void dsnParametersArePassedOnToAServerThatOffersDsn() throws Exception {
    String subject = unique();
    try (OutboundSession session = open(ListenerRole.RELAY, TlsPolicy.OPPORTUNISTIC, Optional.empty(), Optional.empty())) {
      assertThat(session.extensions()).contains("DSN");
      List<Attempt> attempts = session.send(new Outbound("sender@client.example",
          List.of("bob@hikyaku.test", "carol@hikyaku.test"),
          message(subject, "dsn\r\n").getBytes(StandardCharsets.US_ASCII), false, false, Optional.of("ENV 42+x"),
          Optional.of(dev.hikyaku.protocol.Ret.FULL),
          List.of(dev.hikyaku.protocol.RcptParams.parse("NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob+2Bold@example.com"),
              dev.hikyaku.protocol.RcptParams.NONE)));
      assertThat(attempts).allSatisfy(OutboundSessionHikyakuTest::assertDelivered);
    }
    // RFC 3461 §5.2.1: the next hop got NOTIFY, ORCPT, RET and ENVID as they were given.
    QueuedMessage m = queued(subject);
    assertThat(m.mailParameters()).contains("RET=FULL", "ENVID=ENV+2042+2Bx");
    assertThat(m.recipients()).extracting(r -> r.parameters())
        .containsExactly("NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob+2Bold@example.com", "");
  }

  @Test
  void opportunisticRelayUsesTlsPipelinesAndDecidesEachRecipient() throws Exception {
    String subject = unique();
    String body = "First line\r\n.a line that starts with a dot\r\n..two dots\r\n.\r\nlast line\r\n";
    try (OutboundSession session = open(ListenerRole.RELAY, TlsPolicy.OPPORTUNISTIC, Optional.empty(), Optional.empty())) {
      assertThat(session.tlsProtocol()).contains("TLSv1.3");
      assertThat(session.extensions()).contains("PIPELINING", "8BITMIME", "SIZE").doesNotContain("STARTTLS");

      List<Attempt> attempts = session.send(new Outbound("sender@client.example",
          List.of("bob@hikyaku.test", "nobody@elsewhere.example", "carol@hikyaku.test"),
          message(subject, body).getBytes(StandardCharsets.US_ASCII), false, false, Optional.empty()));

      assertThat(attempts).hasSize(3);
      assertThat(attempts.get(0)).satisfies(d -> {
        assertThat(d.recipient()).isEqualTo("bob@hikyaku.test");
        assertThat(d.status().action()).isEqualTo(Action.DELIVERED);
        assertThat(d.status().status()).isEqualTo(EnhancedStatus.of(2, 0, 0));
        assertThat(d.status().diagnostic()).isInstanceOfSatisfying(Diagnostic.RemoteReply.class, r -> {
          assertThat(r.code()).isEqualTo(250);
          assertThat(r.rest()).startsWith("2.0.0 Ok: queued as ");
        });
        assertThat(d.status().remoteMta()).contains(mx(ListenerRole.RELAY));
      });
      assertThat(attempts.get(1)).satisfies(f -> {
        assertThat(f.recipient()).isEqualTo("nobody@elsewhere.example");
        assertThat(f.status().action()).isEqualTo(Action.FAILED);
        assertThat(f.status().status()).isEqualTo(EnhancedStatus.of(5, 7, 1));
        assertThat(f.status().diagnostic()).isInstanceOfSatisfying(Diagnostic.RemoteReply.class,
            r -> assertThat(r.code()).isEqualTo(554));
        assertThat(f.status().diagnostic().field()).startsWith("smtp; 554 5.7.1 ");
        assertThat(f.status().remoteMta()).contains(mx(ListenerRole.RELAY));
      });
      assertDelivered(attempts.get(2));
    }

    QueuedMessage m = queued(subject);
    assertThat(m.reversePath()).isEqualTo("sender@client.example");
    assertThat(m.recipients()).extracting(r -> r.forwardPath()).containsExactly("bob@hikyaku.test", "carol@hikyaku.test");
    assertThat(m.origin().tlsProtocol()).isEqualTo("TLSv1.3");
    assertThat(m.origin().heloName()).isEqualTo("out.client.example");
    // RFC 5321 §4.5.2: the server removed exactly the dots the client added.
    assertThat(new String(m.content(), StandardCharsets.US_ASCII)).endsWith("\r\n\r\n" + body);
  }

  @Test
  void requireAndVerifyWithATrustingContextSucceed() throws Exception {
    for (TlsPolicy policy : List.of(TlsPolicy.REQUIRE, TlsPolicy.VERIFY)) {
      String subject = unique();
      try (OutboundSession session = open(ListenerRole.RELAY, policy, Optional.empty(), Optional.of(trusting))) {
        assertThat(session.tlsProtocol()).as(policy.name()).isPresent();
        assertThat(session.send(new Outbound("", List.of("bob@hikyaku.test"),
            message(subject, "null sender, " + policy + "\r\n").getBytes(StandardCharsets.US_ASCII), false, false,
            Optional.empty())))
            .singleElement().satisfies(OutboundSessionHikyakuTest::assertDelivered);
      }
      assertThat(queued(subject).reversePath()).isEmpty();
    }
  }

  @Test
  void verifyAgainstTheJdkTrustStoreFailsTransiently() {
    // A self-signed certificate does not chain to the JDK's roots: the attempt fails, it is not sent
    // in plaintext, and the mail waits (a worker records it as Deferred).
    assertThatThrownBy(() -> open(ListenerRole.RELAY, TlsPolicy.VERIFY, Optional.empty(), Optional.empty()))
        .isInstanceOfSatisfying(OutboundException.class, e -> {
          assertThat(e.isTransient()).isTrue();
          // RFC 3463 X.7.5 cryptographic failure, our own finding, at the server we meant to trust.
          assertThat(e.status().action()).isEqualTo(Action.DELAYED);
          assertThat(e.status().status()).isEqualTo(EnhancedStatus.of(4, 7, 5));
          assertThat(e.status().diagnostic()).isInstanceOf(Diagnostic.LocalReason.class);
          assertThat(e.status().remoteMta()).contains(mx(ListenerRole.RELAY));
          assertThat(e.getMessage()).contains("TLS handshake with mx.hikyaku.test").contains("(verified)");
        });
  }

  @Test
  void verifyChecksTheHostName() {
    // The certificate is trusted but names mx.hikyaku.test, not the host we meant to reach.
    assertThatThrownBy(() -> OutboundSession.open(address(ListenerRole.RELAY), "other.example", "out.client.example",
        TlsPolicy.VERIFY, Optional.empty(), OutboundSession.Timeouts.defaults(), Optional.of(trusting)))
        .isInstanceOfSatisfying(OutboundException.class, e -> {
          assertThat(e.isTransient()).isTrue();
          assertThat(e.status().status()).isEqualTo(EnhancedStatus.of(4, 7, 5));
          assertThat(e.status().remoteMta()).hasValueSatisfying(m -> assertThat(m.name()).isEqualTo("other.example"));
        })
        .hasMessageContaining("TLS handshake with other.example");
  }

  @Test
  void smarthostSubmissionWithAuthPlainOverStartTls() throws Exception {
    String subject = unique();
    var alice = new SmtpCredentials("alice@hikyaku.test", PASSWORD.toCharArray());
    try (OutboundSession session = open(ListenerRole.SUBMISSION, TlsPolicy.VERIFY, Optional.of(alice), Optional.of(trusting))) {
      assertThat(session.extensions()).contains("AUTH");
      List<Attempt> attempts = session.send(new Outbound("alice@hikyaku.test", List.of("friend@elsewhere.example"),
          ("From: alice@hikyaku.test\r\nTo: friend@elsewhere.example\r\nSubject: " + subject + "\r\n\r\nhi\r\n")
              .getBytes(StandardCharsets.US_ASCII), false, false, Optional.empty()));
      assertThat(attempts).singleElement().satisfies(OutboundSessionHikyakuTest::assertDelivered);
      assertThat(attempts.getFirst().status().remoteMta()).contains(mx(ListenerRole.SUBMISSION));
    }
    QueuedMessage m = queued(subject);
    assertThat(m.origin().principal()).isEqualTo("alice@hikyaku.test");
    assertThat(m.origin().listener()).isEqualTo("submission");
  }

  @Test
  void implicitTlsOnTheSubmissionsPort() throws Exception {
    String subject = unique();
    var alice = new SmtpCredentials("alice@hikyaku.test", PASSWORD.toCharArray());
    try (OutboundSession session = open(ListenerRole.SUBMISSIONS, TlsPolicy.IMPLICIT, Optional.of(alice), Optional.of(trusting))) {
      assertThat(session.tlsProtocol()).contains("TLSv1.3");
      assertThat(session.send(new Outbound("alice@hikyaku.test", List.of("friend@elsewhere.example"),
          ("From: alice@hikyaku.test\r\nSubject: " + subject + "\r\n\r\nhi\r\n").getBytes(StandardCharsets.US_ASCII),
          false, false, Optional.empty())))
          .singleElement().satisfies(OutboundSessionHikyakuTest::assertDelivered);
    }
    assertThat(queued(subject).origin().listener()).isEqualTo("submissions");
  }

  @Test
  void aWrongPasswordIsATransientFailureThatNamesNoSecret() {
    String wrong = "not the pass phrase of alice at all 8";
    var alice = new SmtpCredentials("alice@hikyaku.test", wrong.toCharArray());
    assertThatThrownBy(() -> open(ListenerRole.SUBMISSION, TlsPolicy.REQUIRE, Optional.of(alice), Optional.empty()))
        .isInstanceOfSatisfying(OutboundException.class, e -> {
          assertThat(e.isTransient()).isTrue();
          // The server's 535 5.7.8, deferred as Postfix's smtp_sasl_auth_soft_bounce does: X.7.8 kept, class 4.
          assertThat(e.status().action()).isEqualTo(Action.DELAYED);
          assertThat(e.status().status()).isEqualTo(EnhancedStatus.of(4, 7, 8));
          assertThat(e.status().diagnostic()).isInstanceOfSatisfying(Diagnostic.RemoteReply.class, r -> {
            assertThat(r.code()).isEqualTo(535);
            assertThat(r.rest()).startsWith("5.7.8 ");
          });
          assertThat(e.status().remoteMta()).contains(mx(ListenerRole.SUBMISSION));
          assertThat(e.getMessage()).contains("535").doesNotContain(wrong);
          assertThat(e.status().toString()).doesNotContain(wrong);
        });
  }

  @Test
  void eightBitAndSmtpUtf8AreDeclaredWhereOffered() throws Exception {
    String subject = unique();
    byte[] content = ("From: sender@client.example\r\nSubject: " + subject + "\r\n\r\nGrüße aus Tōkyō\r\n")
        .getBytes(StandardCharsets.UTF_8);
    try (OutboundSession session = open(ListenerRole.RELAY, TlsPolicy.OPPORTUNISTIC, Optional.empty(), Optional.empty())) {
      assertThat(session.send(new Outbound("sender@client.example", List.of("bob@hikyaku.test"), content, true, true,
          Optional.of("env-1"))))
          .singleElement().satisfies(OutboundSessionHikyakuTest::assertDelivered);
    }
    QueuedMessage m = queued(subject);
    assertThat(m.mailParameters()).contains("BODY=8BITMIME").contains("SMTPUTF8");
    assertThat(new String(m.content(), StandardCharsets.UTF_8)).endsWith("Grüße aus Tōkyō\r\n");
  }

  @Test
  void oneSessionCarriesTwoTransactions() throws Exception {
    String first = unique();
    String second = unique();
    try (OutboundSession session = open(ListenerRole.RELAY, TlsPolicy.REQUIRE, Optional.empty(), Optional.empty())) {
      assertThat(session.send(new Outbound("a@client.example", List.of("nobody@elsewhere.example"),
          message(first, "refused\r\n").getBytes(StandardCharsets.US_ASCII), false, false, Optional.empty())))
          .singleElement().satisfies(a -> assertThat(a.status().action()).isEqualTo(Action.FAILED));
      assertThat(session.send(new Outbound("a@client.example", List.of("bob@hikyaku.test"),
          message(first, "one\r\n").getBytes(StandardCharsets.US_ASCII), false, false, Optional.empty())))
          .singleElement().satisfies(OutboundSessionHikyakuTest::assertDelivered);
      assertThat(session.send(new Outbound("b@client.example", List.of("carol@hikyaku.test"),
          message(second, "two\r\n").getBytes(StandardCharsets.US_ASCII), false, false, Optional.empty())))
          .singleElement().satisfies(OutboundSessionHikyakuTest::assertDelivered);
    }
    assertThat(queued(first).reversePath()).isEqualTo("a@client.example");
    assertThat(queued(second).reversePath()).isEqualTo("b@client.example");
  }

  @Test
  void aMessageOverTheServersSizeFailsWithoutBeingSent() throws Exception {
    try (OutboundSession session = open(ListenerRole.RELAY, TlsPolicy.OPPORTUNISTIC, Optional.empty(), Optional.empty())) {
      long limit = server.config().limits().maxMessageSize();
      byte[] content = new byte[(int) limit + 1];
      java.util.Arrays.fill(content, (byte) 'x');
      assertThat(session.send(new Outbound("a@client.example", List.of("bob@hikyaku.test"), content, false, false,
          Optional.empty())))
          .singleElement()
          .satisfies(f -> {
            // RFC 1870 §6 and X.3.4: our reason, before anything was sent.
            assertThat(f.status().action()).isEqualTo(Action.FAILED);
            assertThat(f.status().status()).isEqualTo(EnhancedStatus.of(5, 3, 4));
            assertThat(f.status().diagnostic()).isInstanceOfSatisfying(Diagnostic.LocalReason.class,
                r -> assertThat(r.text()).contains("RFC 1870"));
            assertThat(f.status().remoteMta()).contains(mx(ListenerRole.RELAY));
          });
    }
  }
}
