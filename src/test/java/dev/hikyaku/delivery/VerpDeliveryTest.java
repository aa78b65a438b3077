package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.protocol.DeliveryStatus.Action;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.DueRecipient;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.testing.SettableClock;
import dev.hikyaku.testing.TestServers;
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
 * The VERP return path is the MAIL FROM of submitted mail going out by SMTP, and nothing else:
 * with ORCPT for each recipient to a DSN-capable server (a Hikyaku peer keeps what it got), not
 * for mail relayed in or bounces, not for a Maildir delivery.
 */
class VerpDeliveryTest {

  private static final String VERP = "bounces+0123456789abcdefghijklmnopqrstuv@bounce.sender.test";

  @TempDir Path data;
  private final SettableClock clock = new SettableClock(Instant.parse("2026-12-01T09:14:00Z"));
  private TestDnsServer dns;

  @BeforeEach
  void startDns() throws Exception {
    dns = TestDnsServer.start();
  }

  @AfterEach
  void stopDns() throws Exception {
    dns.close();
  }

  private DeliveryWorker worker(Map<String, Route> routes) {
    return new DeliveryWorker(
        new MxResolver(new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(300), 1), new SplittableRandom(1)),
        new DeliveryWorker.Settings("mx.sender.test", 25, TlsPolicy.OPPORTUNISTIC, OutboundSession.Timeouts.defaults(), Optional.empty(),
            new Routes(routes)),
        Optional.empty(),
        new MaildirDelivery(clock, new SplittableRandom(2), "mx.sender.test"),
        id -> Optional.of(VERP));
  }

  private DueDelivery due(String reversePath, boolean isSubmitted, String rcptParameters, String... recipients) {
    return new DueDelivery(QueueId.generate(clock, new SplittableRandom(recipients.length + reversePath.length())), clock.instant(),
        reversePath, "", "From: alice@sender.test\r\nSubject: verp\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII),
        java.util.Arrays.stream(recipients).map(r -> new DueRecipient(r, rcptParameters, 0, Optional.empty(), Optional.empty())).toList(),
        false, isSubmitted);
  }

  private static QueuedMessage arrived(Server peer, String reversePath) throws Exception {
    return peer.store().queue().list(QueueQuery.all()).stream()
        .map(e -> {
          try {
            return peer.store().queue().find(e.id()).orElseThrow();
          } catch (Exception x) {
            throw new IllegalStateException(x);
          }
        })
        .filter(m -> m.reversePath().equals(reversePath))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no message from <" + reversePath + "> arrived"));
  }

  @Test
  void submittedMailGoesOutUnderItsReturnPathWithOrcptAndOtherMailUnderItsOwn() throws Exception {
    try (Server peer = TestServers.start(data.resolve("peer"))) {
      Route route = new Route.Smtp("127.0.0.1", peer.port(ListenerRole.RELAY), TlsPolicy.OPPORTUNISTIC);
      try (DeliveryWorker worker = worker(Map.of("hikyaku.test", route))) {
        // Two recipients, one transaction; a recipient with its own ORCPT keeps it.
        assertThat(worker.deliver(due("alice@sender.test", true, "", "bob@hikyaku.test", "carol@hikyaku.test")))
            .allSatisfy(r -> assertThat(r.status().action()).isEqualTo(Action.DELIVERED));
        assertThat(worker.deliver(due("alice@sender.test", true, "ORCPT=rfc822;dave@alias.test", "dave@hikyaku.test")))
            .allSatisfy(r -> assertThat(r.status().action()).isEqualTo(Action.DELIVERED));
        // Relayed in (no principal), and a bounce: their own reverse-paths.
        assertThat(worker.deliver(due("stranger@elsewhere.test", false, "", "erin@hikyaku.test")))
            .allSatisfy(r -> assertThat(r.status().action()).isEqualTo(Action.DELIVERED));
        assertThat(worker.deliver(due("", true, "", "frank@hikyaku.test")))
            .allSatisfy(r -> assertThat(r.status().action()).isEqualTo(Action.DELIVERED));
      }
      List<QueuedMessage> underVerp = peer.store().queue().list(QueueQuery.all().withSender(VERP)).stream()
          .map(e -> {
            try {
              return peer.store().queue().find(e.id()).orElseThrow();
            } catch (Exception x) {
              throw new IllegalStateException(x);
            }
          })
          .toList();
      assertThat(underVerp).hasSize(2);
      assertThat(underVerp.stream().flatMap(m -> m.recipients().stream()).map(r -> r.forwardPath() + " " + r.parameters()))
          .containsExactlyInAnyOrder("bob@hikyaku.test ORCPT=rfc822;bob@hikyaku.test",
              "carol@hikyaku.test ORCPT=rfc822;carol@hikyaku.test", "dave@hikyaku.test ORCPT=rfc822;dave@alias.test");
      assertThat(arrived(peer, "stranger@elsewhere.test").recipients().getFirst().parameters()).isEmpty();
      assertThat(arrived(peer, "").recipients().getFirst().forwardPath()).isEqualTo("frank@hikyaku.test");
      assertThat(peer.store().queue().list(QueueQuery.all().withSender("alice@sender.test"))).isEmpty();
    }
  }

  @Test
  void aMaildirDeliveryKeepsTheSendersReturnPath() throws Exception {
    Path root = data.resolve("mail");
    try (DeliveryWorker worker = worker(Map.of("hikyaku.test", new Route.Maildir(root)))) {
      assertThat(worker.deliver(due("alice@sender.test", true, "", "bob@hikyaku.test")))
          .allSatisfy(r -> assertThat(r.status().action()).isEqualTo(Action.DELIVERED));
    }
    try (Stream<Path> files = Files.list(root.resolve("bob").resolve("new"))) {
      assertThat(Files.readString(files.findFirst().orElseThrow())).startsWith("Return-Path: <alice@sender.test>\r\n");
    }
  }
}
