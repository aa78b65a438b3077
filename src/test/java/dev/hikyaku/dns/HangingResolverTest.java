package dev.hikyaku.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.app.Server;
import dev.hikyaku.auth.Principal;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.MailAuthConfig;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.QueuedRecipient;
import dev.hikyaku.testing.RelayClient;
import dev.hikyaku.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.commons.net.smtp.SMTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection at the DNS (issue 14): the server's resolver is a real dnsjava resolver pointed
 * at a name server that takes every query and never answers. Port-25 SPF/DKIM/DMARC checks end at
 * {@code mail-auth.timeout} with temperror and the message gets its 250; outbound delivery defers
 * its recipient (4.4.3) instead of holding the delivery worker; other clients are served meanwhile.
 */
class HangingResolverTest {

  private static final String RECIPIENT = "bob@" + TestServers.HOSTED_DOMAIN;

  @TempDir Path data;
  private BlackHoleDnsServer dns;

  @BeforeEach
  void start() throws Exception {
    dns = BlackHoleDnsServer.start();
  }

  @AfterEach
  void stop() {
    dns.close();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void mailAuthChecksAgainstAHangingResolverEndAtTheirTimeoutWithTemperror() throws Exception {
    Duration budget = Duration.ofSeconds(3);
    HikyakuConfig base = TestServers.config(data);
    MailAuthConfig mailAuth = base.mailAuth();
    // Each DNS attempt alone may wait 30 s: only the mail-auth budget can bound the message.
    HikyakuConfig config = base
        .withDelivery(base.delivery().withDns(List.of(dns.address()), Duration.ofSeconds(30)))
        .withMailAuth(mailAuth.withVerifying(true).withTimeout(budget));
    try (Server server = TestServers.start(config, UnaryOperator.identity(), List.of())) {
      TestServers.createMailboxes(server, RECIPIENT);
      int port = server.port(ListenerRole.RELAY);
      long started = System.nanoTime();
      CompletableFuture<String> reply = CompletableFuture.supplyAsync(() -> {
        try {
          return RelayClient.send(port, "alice@slow.example", RECIPIENT, "From: alice@slow.example\r\nSubject: checked\r\n\r\nbody\r\n");
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, command -> Thread.ofVirtual().start(command));

      // While that message waits on the black hole, another client is greeted and answered.
      await().atMost(Duration.ofSeconds(10)).until(() -> dns.queries() > 0);
      SMTPClient other = new SMTPClient();
      other.setDefaultTimeout(5_000);
      other.connect("127.0.0.1", port);
      try {
        assertThat(other.getReplyString()).startsWith("220 ");
        assertThat(other.login("other.example")).isTrue();
        assertThat(reply).as("the checked message is still waiting for DNS").isNotDone();
      } finally {
        other.disconnect();
      }

      String queued = reply.get(budget.toSeconds() + 10, TimeUnit.SECONDS);
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      assertThat(took).isGreaterThanOrEqualTo(budget).isLessThan(budget.plusSeconds(5));
      String content = new String(server.store().queueAdmin().find(new QueueId(RelayClient.queueIdOf(queued))).orElseThrow().content(),
          StandardCharsets.US_ASCII).replace("\r\n\t", " ");
      assertThat(content).contains("spf=temperror", "smtp.mailfrom=alice@slow.example", "dkim=none", "dmarc=temperror header.from=slow.example");
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void outboundDeliveryDefersWhenTheMxLookupHangs() throws Exception {
    HikyakuConfig base = TestServers.config(data);
    HikyakuConfig config = base.withDelivery(
        base.delivery().withEnabled(true).withDns(List.of(dns.address()), Duration.ofMillis(300)));
    // The relay port's clients start authenticated, so mail may leave for any domain.
    try (Server server = TestServers.start(config, s -> s.withAssumedPrincipal(new Principal("alice@hikyaku.test")), List.of())) {
      TestServers.createAccount(server, "alice@hikyaku.test", "a long and unguessable pass phrase");
      TestServers.createMailboxes(server, RECIPIENT);
      int port = server.port(ListenerRole.RELAY);
      QueueId outbound = new QueueId(RelayClient.queueIdOf(
          RelayClient.send(port, "alice@hikyaku.test", "carol@remote.test", "From: alice@hikyaku.test\r\nSubject: out\r\n\r\nbody\r\n")));

      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        QueuedRecipient carol = server.store().queueAdmin().find(outbound).orElseThrow().recipients().getFirst();
        assertThat(carol.state()).isEqualTo("deferred");
        assertThat(carol.attempts()).isEqualTo(1);
        assertThat(carol.lastReply()).startsWith("delayed 4.4.3 ").contains("DNS lookup for remote.test failed", "no answer from");
      });

      // The worker is not held by the black hole: a local message is delivered at once, and the
      // server still answers.
      String local = RelayClient.queueIdOf(
          RelayClient.send(port, "alice@hikyaku.test", RECIPIENT, "From: alice@hikyaku.test\r\nSubject: in\r\n\r\nbody\r\n"));
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
          assertThat(RelayClient.queuedIds(server.store())).containsExactly(outbound.toString()).doesNotContain(local));
    }
  }
}
