package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.DeliveryStatus.Action;
import dev.hikyaku.protocol.DeliveryStatus.Diagnostic;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.schedule.RecipientResult;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.DueRecipient;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.testing.SettableClock;
import dev.hikyaku.testing.TestServers;
import dev.hikyaku.testing.TestDelivery;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A domain's route wins over MX: SMTP to a fixed peer, LMTP with per-recipient replies, a Maildir;
 * and the VERP return path ({@link ReversePaths}) is the MAIL FROM of submitted mail going out by
 * SMTP, with ORCPT for each recipient to a DSN-capable server, and of nothing else.
 */
class RoutesTest {

  @TempDir Path data;
  private final SettableClock clock = new SettableClock(Instant.parse("2026-11-23T10:00:00Z"));
  private TestDnsServer dns;

  @BeforeEach
  void startDns() throws Exception {
    dns = TestDnsServer.start();
    dns.silent("hikyaku.test"); // a route must be used without asking DNS at all
  }

  @AfterEach
  void stopDns() throws Exception {
    dns.close();
  }

  private DeliveryWorker worker(Map<String, Route> routes) {
    return worker(routes, ReversePaths.OWN);
  }

  private DeliveryWorker worker(Map<String, Route> routes, ReversePaths reversePaths) {
    return new DeliveryWorker(
        new MxResolver(new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(300), 1), new SplittableRandom(1)),
        TestDelivery.settings("mx.sender.test", 25, TlsPolicy.OPPORTUNISTIC, new Routes(routes)),
        Optional.empty(),
        new MaildirDelivery(clock, new SplittableRandom(2), "mx.sender.test"),
        reversePaths);
  }

  private DueDelivery due(String... recipients) {
    return new DueDelivery(QueueId.generate(clock, new SplittableRandom(7)), clock.instant(), "alice@sender.test", "",
        "From: alice@sender.test\r\nSubject: routed\r\n\r\n.leading dot\r\n".getBytes(StandardCharsets.US_ASCII),
        java.util.Arrays.stream(recipients).map(r -> new DueRecipient(r, "", 0, Optional.empty(), Optional.empty())).toList());
  }

  @Test
  void anSmtpRouteToAHikyakuPeerOverridesMx() throws Exception {
    try (Server peer = TestServers.start(data.resolve("peer"))) {
      TestServers.createMailboxes(peer, "bob@hikyaku.test");
      // Upper case in the route's domain: domains compare case-insensitively.
      Route route = new Route.Smtp("127.0.0.1", peer.port(ListenerRole.RELAY), TlsPolicy.REQUIRE);
      List<RecipientResult> results = worker(Map.of("HIKYAKU.test", route)).deliver(due("bob@hikyaku.test"));

      // Hikyaku offers DSN: a NOTIFY=SUCCESS request travels on, and we owe no report (RFC 3461 §5.2.2).
      assertThat(results).singleElement().satisfies(d -> {
        assertThat(d.status().action()).isEqualTo(Action.DELIVERED);
        assertThat(d.status().diagnostic()).isInstanceOfSatisfying(Diagnostic.RemoteReply.class,
            r -> assertThat(r.code()).isEqualTo(250));
        // The route's host is the remote MTA, named as the route names it.
        assertThat(d.status().remoteMta()).contains(
            new DeliveryStatus.RemoteMta("127.0.0.1", Optional.of("127.0.0.1"), peer.port(ListenerRole.RELAY)));
        assertThat(d.handoff()).isEqualTo(RecipientResult.Handoff.PASSED_ON);
      });
      var arrived = peer.store().queueAdmin().list(QueueQuery.all());
      assertThat(arrived).hasSize(1);
      String content = new String(peer.store().queueAdmin().find(arrived.getFirst().id()).orElseThrow().content(), StandardCharsets.US_ASCII);
      assertThat(content).contains("with ESMTPS").contains("\r\n.leading dot\r\n");
    }
    assertThat(dns.queries()).isZero();
  }

  @Test
  void anSmtpRouteWithCredentialsAuthenticatesOverVerifiedTls() throws Exception {
    var base = TestServers.config(data.resolve("submission-peer"));
    // Named localhost, so that the route's host name is both where to connect and what to verify.
    var config = base.toBuilder().hostname("localhost").build();
    String password = "the route's pass phrase, long enough 31";
    try (Server peer = TestServers.start(config, s -> s, List.of())) {
      TestServers.createAccount(peer, "alice@hikyaku.test", password);
      var trusting = TestServers.clientTrusting(peer.tls().currentCertificate());
      Route route = new Route.Smtp("localhost", peer.port(ListenerRole.SUBMISSION), TlsPolicy.VERIFY,
          Optional.of(new SmtpCredentials("alice@hikyaku.test", password.toCharArray())));
      DueDelivery due = new DueDelivery(QueueId.generate(clock, new SplittableRandom(9)), clock.instant(), "alice@hikyaku.test", "",
          "From: alice@hikyaku.test\r\nSubject: routed with AUTH\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII),
          List.of(new DueRecipient("bob@partner.test", "", 0, Optional.empty(), Optional.empty())));
      try (DeliveryWorker worker = new DeliveryWorker(
          new MxResolver(new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(300), 1), new SplittableRandom(1)),
          TestDelivery.settings("mx.sender.test", 25, TlsPolicy.OPPORTUNISTIC, new Routes(Map.of("partner.test", route))),
          Optional.of(trusting))) {
        assertThat(worker.deliver(due)).singleElement().satisfies(d -> {
          assertThat(d.status().action()).isEqualTo(Action.DELIVERED);
          assertThat(d.status().remoteMta()).hasValueSatisfying(m -> {
            assertThat(m.name()).isEqualTo("localhost");
            assertThat(m.port()).isEqualTo(peer.port(ListenerRole.SUBMISSION));
          });
        });
      }
      var arrived = peer.store().queueAdmin().list(QueueQuery.all());
      assertThat(arrived).hasSize(1);
      var message = peer.store().queueAdmin().find(arrived.getFirst().id()).orElseThrow();
      assertThat(message.origin().principal()).isEqualTo("alice@hikyaku.test");
      assertThat(new String(message.content(), StandardCharsets.US_ASCII)).contains("with ESMTPSA");
    }
  }

  @Test
  void lmtpGivesEachAcceptedRecipientItsOwnReply() throws Exception {
    try (FakeSmtpServer lmtp = new FakeSmtpServer(peer -> {
      peer.reply("220 mailbox.test LMTP ready");
      peer.line(); // LHLO
      peer.reply("250-mailbox.test", "250-PIPELINING", "250 ENHANCEDSTATUSCODES");
      peer.line(); // MAIL
      peer.line(); // RCPT bob
      peer.line(); // RCPT carol
      peer.line(); // RCPT nobody
      peer.line(); // DATA
      peer.reply("250 2.1.0 ok", "250 2.1.5 ok", "250 2.1.5 ok", "550 5.1.1 no such user", "354 go ahead");
      peer.data();
      // RFC 2033 §4.2: one reply per accepted recipient, in RCPT order.
      peer.reply("250 2.0.0 bob delivered", "552 5.2.2 carol is over quota");
      peer.line(); // QUIT
      peer.reply("221 bye");
    })) {
      Route route = new Route.Lmtp("127.0.0.1", lmtp.address().getPort());
      List<RecipientResult> results =
          worker(Map.of("hikyaku.test", route)).deliver(due("bob@hikyaku.test", "carol@hikyaku.test", "nobody@hikyaku.test"));

      assertThat(results).hasSize(3);
      Optional<DeliveryStatus.RemoteMta> mailbox =
          Optional.of(new DeliveryStatus.RemoteMta("127.0.0.1", Optional.of("127.0.0.1"), lmtp.address().getPort()));
      // The LMTP server offers no DSN and is the last hop: "delivered" is ours to report.
      assertThat(results.get(0)).satisfies(d -> {
        assertThat(d.status()).isEqualTo(new DeliveryStatus(Action.DELIVERED, EnhancedStatus.of(2, 0, 0),
            new Diagnostic.RemoteReply(250, "2.0.0 bob delivered"), mailbox));
        assertThat(d.handoff()).isEqualTo(RecipientResult.Handoff.DELIVERED);
      });
      // RFC 2033 §4.2: each its own reply, the status the server gave.
      assertThat(results.get(1)).satisfies(p -> {
        assertThat(p.status()).isEqualTo(new DeliveryStatus(Action.FAILED, EnhancedStatus.of(5, 2, 2),
            new Diagnostic.RemoteReply(552, "5.2.2 carol is over quota"), mailbox));
        assertThat(p.handoff()).isEqualTo(RecipientResult.Handoff.PASSED_ON);
      });
      assertThat(results.get(2).status()).isEqualTo(new DeliveryStatus(Action.FAILED, EnhancedStatus.of(5, 1, 1),
          new Diagnostic.RemoteReply(550, "5.1.1 no such user"), mailbox));
      List<String> received = lmtp.received();
      assertThat(lmtp.failure()).isNull();
      assertThat(received.getFirst()).isEqualTo("LHLO mx.sender.test");
      assertThat(received).noneMatch(l -> l.startsWith("EHLO") || l.startsWith("STARTTLS") || l.startsWith("AUTH"));
      assertThat(received).contains("RCPT TO:<carol@hikyaku.test>", "..leading dot", "QUIT");
    }
    assertThat(dns.queries()).isZero();
  }

  @Test
  void aMaildirRouteDeliversToTheUsersNewDirectory() throws Exception {
    Path mail = data.resolve("mail").resolve("hikyaku.test");
    List<RecipientResult> results =
        worker(Map.of("hikyaku.test", new Route.Maildir(mail))).deliver(due("bob@hikyaku.test", "../x@hikyaku.test"));
    assertThat(results.get(0)).satisfies(d -> {
      assertThat(d.status().action()).isEqualTo(Action.DELIVERED);
      assertThat(d.handoff()).isEqualTo(RecipientResult.Handoff.DELIVERED);
    });
    // RFC 3463 X.1.3: our reason; no server was talked to.
    assertThat(results.get(1)).satisfies(p -> {
      assertThat(p.status().action()).isEqualTo(Action.FAILED);
      assertThat(p.status().status()).isEqualTo(EnhancedStatus.of(5, 1, 3));
      assertThat(p.status().diagnostic()).isInstanceOf(Diagnostic.LocalReason.class);
      assertThat(p.status().remoteMta()).isEmpty();
    });
    try (var files = Files.list(mail.resolve("bob").resolve("new"))) {
      assertThat(files.toList()).singleElement()
          .satisfies(f -> assertThat(Files.readString(f)).startsWith("Return-Path: <alice@sender.test>\r\nFrom: alice@sender.test\r\n"));
    }
  }

  private static final String VERP = "bounces+0123456789abcdefghijklmnopqrstuv@bounce.sender.test";

  private DueDelivery submitted(String reversePath, boolean isSubmitted, String rcptParameters, String... recipients) {
    return new DueDelivery(QueueId.generate(clock, new SplittableRandom(recipients.length + reversePath.length())), clock.instant(),
        reversePath, "", "From: alice@sender.test\r\nSubject: verp\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII),
        java.util.Arrays.stream(recipients).map(r -> new DueRecipient(r, rcptParameters, 0, Optional.empty(), Optional.empty())).toList(),
        false, isSubmitted);
  }

  /** The messages {@code peer} holds that match {@code query}, whole. */
  private static List<QueuedMessage> arrived(Server peer, QueueQuery query) throws Exception {
    List<QueuedMessage> messages = new java.util.ArrayList<>();
    for (var entry : peer.store().queueAdmin().list(query)) {
      messages.add(peer.store().queueAdmin().find(entry.id()).orElseThrow());
    }
    return messages;
  }

  @Test
  void submittedMailGoesOutUnderItsReturnPathWithOrcptAndOtherMailUnderItsOwn() throws Exception {
    try (Server peer = TestServers.start(data.resolve("peer"))) {
      TestServers.createMailboxes(peer, "bob@hikyaku.test", "carol@hikyaku.test", "dave@hikyaku.test", "erin@hikyaku.test",
          "frank@hikyaku.test");
      Route route = new Route.Smtp("127.0.0.1", peer.port(ListenerRole.RELAY), TlsPolicy.OPPORTUNISTIC);
      try (DeliveryWorker worker = worker(Map.of("hikyaku.test", route), id -> Optional.of(VERP))) {
        // Two recipients, one transaction; a recipient with its own ORCPT keeps it.
        assertThat(worker.deliver(submitted("alice@sender.test", true, "", "bob@hikyaku.test", "carol@hikyaku.test")))
            .allSatisfy(r -> assertThat(r.status().action()).isEqualTo(Action.DELIVERED));
        assertThat(worker.deliver(submitted("alice@sender.test", true, "ORCPT=rfc822;dave@alias.test", "dave@hikyaku.test")))
            .allSatisfy(r -> assertThat(r.status().action()).isEqualTo(Action.DELIVERED));
        // Relayed in (no principal), and a bounce: their own reverse-paths.
        assertThat(worker.deliver(submitted("stranger@elsewhere.test", false, "", "erin@hikyaku.test")))
            .allSatisfy(r -> assertThat(r.status().action()).isEqualTo(Action.DELIVERED));
        assertThat(worker.deliver(submitted("", true, "", "frank@hikyaku.test")))
            .allSatisfy(r -> assertThat(r.status().action()).isEqualTo(Action.DELIVERED));
      }
      List<QueuedMessage> underVerp = arrived(peer, QueueQuery.all().withSender(VERP));
      assertThat(underVerp).hasSize(2);
      assertThat(underVerp.stream().flatMap(m -> m.recipients().stream()).map(r -> r.forwardPath() + " " + r.parameters()))
          .containsExactlyInAnyOrder("bob@hikyaku.test ORCPT=rfc822;bob@hikyaku.test",
              "carol@hikyaku.test ORCPT=rfc822;carol@hikyaku.test", "dave@hikyaku.test ORCPT=rfc822;dave@alias.test");
      assertThat(arrived(peer, QueueQuery.all().withSender("stranger@elsewhere.test"))).singleElement()
          .satisfies(m -> assertThat(m.recipients().getFirst().parameters()).isEmpty());
      assertThat(arrived(peer, QueueQuery.all().withRecipient("frank@hikyaku.test"))).singleElement()
          .satisfies(m -> assertThat(m.reversePath()).isEmpty());
      assertThat(peer.store().queueAdmin().list(QueueQuery.all().withSender("alice@sender.test"))).isEmpty();
    }
  }

  @Test
  void aMaildirDeliveryOfSubmittedMailKeepsTheSendersReturnPath() throws Exception {
    Path root = data.resolve("mail");
    try (DeliveryWorker worker = worker(Map.of("hikyaku.test", new Route.Maildir(root)), id -> Optional.of(VERP))) {
      assertThat(worker.deliver(submitted("alice@sender.test", true, "", "bob@hikyaku.test")))
          .allSatisfy(r -> assertThat(r.status().action()).isEqualTo(Action.DELIVERED));
    }
    try (Stream<Path> files = Files.list(root.resolve("bob").resolve("new"))) {
      assertThat(Files.readString(files.findFirst().orElseThrow())).startsWith("Return-Path: <alice@sender.test>\r\n");
    }
  }
}
