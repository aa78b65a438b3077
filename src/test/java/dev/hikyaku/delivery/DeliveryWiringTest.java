package dev.hikyaku.delivery;

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
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.commons.net.smtp.SMTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server delivers on its own once `delivery.enabled`: an accepted message wakes the scheduler,
 * which routes it and records the outcome. Nothing here reaches beyond 127.0.0.1.
 */
class DeliveryWiringTest {

  @TempDir Path data;

  private static QueuedRecipient onlyRecipient(Server server) throws Exception {
    var entries = server.store().queueAdmin().list(QueueQuery.all());
    assertThat(entries).hasSize(1);
    return server.store().queueAdmin().find(entries.getFirst().id()).orElseThrow().recipients().getFirst();
  }

  /** A client of the relay port that has said EHLO and MAIL FROM:<someone@client.example>. */
  private static SMTPClient relayWithSender(Server server) throws Exception {
    SMTPClient client = new SMTPClient();
    client.setDefaultTimeout(10_000);
    client.connect("127.0.0.1", server.port(ListenerRole.RELAY));
    client.login("client.example");
    assertThat(client.setSender("someone@client.example")).isTrue();
    return client;
  }

  @Test
  void acceptedMailForAHostedDomainLandsInItsDefaultMaildir() throws Exception {
    try (TestDnsServer dns = TestDnsServer.start()) {
      dns.silent("hikyaku.test"); // would loop back here; must never even be looked up
      HikyakuConfig base = TestServers.config(data);
      DeliveryConfig delivery = base.delivery().withEnabled(true).withDns(List.of(dns.address()), Duration.ofMillis(200));
      try (Server server = Server.start(base.withDelivery(delivery), UnaryOperator.identity(), List.of())) {
        TestServers.createMailboxes(server, "user@hikyaku.test");
        SMTPClient client = new SMTPClient();
        client.setDefaultTimeout(10_000);
        client.connect("127.0.0.1", server.port(ListenerRole.RELAY));
        try {
          client.login("client.example");
          assertThat(client.sendSimpleMessage("someone@client.example", "User@hikyaku.test", "Subject: local\r\n\r\nbody\r\n")).isTrue();
        } finally {
          client.disconnect();
        }
        Path fresh = data.resolve("mail").resolve("hikyaku.test").resolve("user").resolve("new");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          assertThat(fresh).isDirectory();
          try (var files = java.nio.file.Files.list(fresh)) {
            assertThat(files.toList()).singleElement().satisfies(f -> assertThat(java.nio.file.Files.readString(f))
                .startsWith("Return-Path: <someone@client.example>\r\nReceived: ")
                .endsWith("Subject: local\r\n\r\nbody\r\n"));
          }
        });
        // Delivered recipients leave the queue; nothing went out by MX.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(server.store().queueAdmin().list(QueueQuery.all())).isEmpty());
        assertThat(data.resolve("mail").resolve("hikyaku.test").resolve("user").resolve("tmp")).isEmptyDirectory();
        assertThat(dns.queries()).isZero();
      }
    }
  }

  @Test
  void everySpellingOfAHostedMailboxLandsInItsOneMaildir() throws Exception {
    // RFC 5321 §4.1.2: "bob" and "b\ob" are bob; RFC 5321 §4.1.1.3: a source route is ignored;
    // the Maildir folds case. One mailbox, one copy, in bob/new, and the queue keeps bob@ unquoted.
    HikyakuConfig base = TestServers.config(data);
    DeliveryConfig delivery = base.delivery().withEnabled(true);
    List<List<String>> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
    dev.hikyaku.events.EventSink recipients = event -> {
      if (event instanceof dev.hikyaku.events.Event.MessageAccepted message) {
        accepted.add(message.recipients());
      }
    };
    try (Server server = Server.start(base.withDelivery(delivery), UnaryOperator.identity(), List.of(recipients))) {
      TestServers.createMailboxes(server, "bob@hikyaku.test");
      SMTPClient client = relayWithSender(server);
      try {
        for (String spelling : List.of("\"bob\"@hikyaku.test", "\"b\\ob\"@hikyaku.test", "@x.test:Bob@hikyaku.test", "bob@hikyaku.test")) {
          assertThat(client.addRecipient(spelling)).as(spelling + ": " + client.getReplyString()).isTrue();
        }
        assertThat(client.sendShortMessageData("Subject: quoted\r\n\r\nbody\r\n")).as(client.getReplyString()).isTrue();
      } finally {
        client.disconnect();
      }
      Path mail = data.resolve("mail").resolve("hikyaku.test");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(server.store().queueAdmin().list(QueueQuery.all())).isEmpty());
      assertThat(accepted).containsExactly(List.of("bob@hikyaku.test", "Bob@hikyaku.test"));
      try (var boxes = java.nio.file.Files.list(mail); var files = java.nio.file.Files.list(mail.resolve("bob").resolve("new"))) {
        assertThat(boxes.toList()).containsExactly(mail.resolve("bob"));
        assertThat(files.toList()).singleElement().satisfies(f -> assertThat(java.nio.file.Files.readString(f)).endsWith("body\r\n"));
      }
    }
  }

  @Test
  void anUnknownRecipientIsRefusedAtRcptAndGetsNoMaildir() throws Exception {
    // Issue 14: every made-up local part used to be accepted and given a Maildir of its own.
    HikyakuConfig base = TestServers.config(data);
    try (Server server = Server.start(base.withDelivery(base.delivery().withEnabled(true)), UnaryOperator.identity(), List.of())) {
      TestServers.createMailboxes(server, "carol@hikyaku.test");
      SMTPClient client = relayWithSender(server);
      try {
        assertThat(client.addRecipient("no-such-user@hikyaku.test")).isFalse();
        assertThat(client.getReplyString())
            .startsWith("550 5.1.1 <no-such-user@hikyaku.test>: Recipient address rejected: User unknown");
        assertThat(client.addRecipient("carol@hikyaku.test")).as(client.getReplyString()).isTrue();
        assertThat(client.sendShortMessageData("Subject: one known\r\n\r\nbody\r\n")).as(client.getReplyString()).isTrue();
      } finally {
        client.disconnect();
      }
      Path mail = data.resolve("mail").resolve("hikyaku.test");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(server.store().queueAdmin().list(QueueQuery.all())).isEmpty());
      try (var boxes = java.nio.file.Files.list(mail)) {
        assertThat(boxes.toList()).containsExactly(mail.resolve("carol"));
      }
    }
  }

  @Test
  void aDnsFailureDefersWithTheReason() throws Exception {
    HikyakuConfig base = TestServers.config(data);
    DeliveryConfig delivery = base.delivery().withEnabled(true)
        .withDns(List.of(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 53)), Duration.ofMillis(200));
    try (Server server =
        TestServers.start(base.withDelivery(delivery), s -> s.role() == ListenerRole.SUBMISSIONS
            ? s.withAssumedPrincipal(new dev.hikyaku.auth.Principal("alice@hikyaku.test")) : s, List.of())) {
      TestServers.createAccount(server, "alice@hikyaku.test", "a pass phrase long enough for any policy 7");
      javax.net.ssl.SSLContext trust = TestServers.clientTrusting(server.tls().currentCertificate());
      org.apache.commons.net.smtp.SMTPSClient client = new org.apache.commons.net.smtp.SMTPSClient(true, trust);
      client.setDefaultTimeout(10_000);
      client.connect("127.0.0.1", server.port(ListenerRole.SUBMISSIONS));
      try {
        client.login("client.example");
        assertThat(client.sendSimpleMessage("alice@hikyaku.test", "bob@elsewhere.test",
            "From: alice@hikyaku.test\r\nSubject: out\r\n\r\nbody\r\n")).as(client.getReplyString()).isTrue();
      } finally {
        client.disconnect();
      }
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        QueuedRecipient waiting = onlyRecipient(server);
        assertThat(waiting.state()).isEqualTo("deferred");
        // RFC 3463 X.4.3 directory server failure: our reason, no server talked to.
        assertThat(waiting.lastReply()).startsWith("delayed 4.4.3 (X-Hikyaku; DNS lookup for elsewhere.test failed").doesNotContain(") at ");
        assertThat(waiting.nextAttemptAt()).isNotNull();
      });
    }
  }
}
