package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.DeliveryStatus.Action;
import dev.hikyaku.protocol.DeliveryStatus.Diagnostic;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.schedule.RecipientResult;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.DueRecipient;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.testing.CountingSink;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Connection reuse and the per-host limit, against a real SMTP peer on loopback ({@link
 * CountingSink}, which offers neither STARTTLS nor PIPELINING), reached by MX from a {@link
 * TestDnsServer}.
 */
class OutboundConnectionsTest {

  private final SplittableRandom random = new SplittableRandom(5);
  private TestDnsServer dns;

  @BeforeEach
  void startDns() {
    dns = TestDnsServer.start();
    for (String domain : List.of("one.test", "two.test", "strict.test")) {
      dns.mx(domain, 10, "mx.shared.test"); // one MX host for all three, as hosted mail services are
    }
    dns.a("mx.shared.test", "127.0.0.1");
  }

  @AfterEach
  void stopDns() {
    dns.close();
  }

  private DeliveryWorker worker(CountingSink sink, Map<String, TlsPolicy> domainTls, int maxPerHost) {
    return new DeliveryWorker(
        new MxResolver(new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(500), 2), new SplittableRandom(1)),
        new DeliveryWorker.Settings("mx.sender.test", sink.port(), TlsPolicy.OPPORTUNISTIC, OutboundSession.Timeouts.defaults(),
            Optional.empty(), Routes.NONE, domainTls, maxPerHost),
        Optional.empty());
  }

  /** Taken by the sink; it offers no DSN, so "relayed" is ours to report (RFC 3461 §5.2.2.2). */
  private static void assertRelayed(RecipientResult result) {
    assertThat(result.status().action()).as(result.toString()).isEqualTo(Action.RELAYED);
    assertThat(result.outcome()).isEqualTo(DeliveryStatus.Outcome.DELIVERED);
    assertThat(result.handoff()).isEqualTo(RecipientResult.Handoff.RELAYED);
    assertThat(result.status().remoteMta()).hasValueSatisfying(m -> assertThat(m.name()).isEqualTo("mx.shared.test"));
  }

  private DueDelivery message(String token, String recipient) {
    return new DueDelivery(QueueId.generate(Clock.systemUTC(), random), Instant.now(), "alice@sender.test", "",
        ("From: alice@sender.test\r\nSubject: crash " + token + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII),
        List.of(new DueRecipient(recipient, "", 0, Optional.empty(), Optional.empty())));
  }

  @Test
  void messagesToOneHostShareAConnectionAcrossDomains() throws Exception {
    try (CountingSink sink = CountingSink.start(); DeliveryWorker worker = worker(sink, Map.of(), 10)) {
      for (int i = 0; i < 3; i++) {
        String domain = i % 2 == 0 ? "one.test" : "two.test";
        assertThat(worker.deliver(message("m" + i, "bob@" + domain))).singleElement().satisfies(OutboundConnectionsTest::assertRelayed);
      }
      assertThat(sink.delivered()).containsExactlyInAnyOrder("m0", "m1", "m2");
      assertThat(sink.connections()).isEqualTo(1);
      assertThat(worker.connectionsOpenedAndReused()).containsExactly(1L, 2L);
      // Idle past the limit (2 s), the connection is closed with QUIT.
      await().atMost(Duration.ofSeconds(10)).until(() -> sink.openNow() == 0);
    }
  }

  @Test
  void aConnectionTheServerDroppedWhileIdleIsReplacedWithoutFailingTheMessage() throws Exception {
    try (CountingSink sink = CountingSink.start(true, 0); DeliveryWorker worker = worker(sink, Map.of(), 10)) {
      for (int i = 0; i < 3; i++) {
        assertThat(worker.deliver(message("h" + i, "bob@one.test"))).singleElement().satisfies(OutboundConnectionsTest::assertRelayed);
      }
      assertThat(sink.delivered()).containsExactlyInAnyOrder("h0", "h1", "h2");
      assertThat(sink.connections()).isEqualTo(3);
      assertThat(worker.connectionsOpenedAndReused()).containsExactly(3L, 0L);
    }
  }

  @Test
  void noMoreThanMaxPerHostConnectionsAreOpenAtOnce() throws Exception {
    try (CountingSink sink = CountingSink.start(false, 150);
        DeliveryWorker worker = worker(sink, Map.of(), 2);
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<List<RecipientResult>>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String recipient = "bob@" + (i % 2 == 0 ? "one.test" : "two.test");
        String token = "p" + i;
        results.add(threads.submit(() -> worker.deliver(message(token, recipient))));
      }
      for (Future<List<RecipientResult>> result : results) {
        assertThat(result.get()).singleElement().satisfies(OutboundConnectionsTest::assertRelayed);
      }
      assertThat(sink.delivered()).hasSize(8);
      assertThat(sink.mostOpenAtOnce()).isEqualTo(2);
    }
  }

  @Test
  void aDomainsOwnTlsPolicyAppliesToItsMxHostsOnly() throws Exception {
    // The sink offers no STARTTLS: REQUIRE for strict.test defers, the default sends in plaintext.
    try (CountingSink sink = CountingSink.start();
        DeliveryWorker worker = worker(sink, Map.of("Strict.TEST", TlsPolicy.REQUIRE), 10)) {
      // The default first: its plaintext connection stays open for reuse. It must not carry the
      // strict domain's mail, which needs another connection that offers STARTTLS, and defers.
      assertThat(worker.deliver(message("lax", "bob@one.test"))).singleElement().satisfies(OutboundConnectionsTest::assertRelayed);
      // RFC 5248's X.7.10 encryption needed: our policy's reason, at the MX that lacks STARTTLS.
      assertThat(worker.deliver(message("strict", "bob@strict.test"))).singleElement().satisfies(t -> {
        assertThat(t.outcome()).isEqualTo(DeliveryStatus.Outcome.DEFERRED);
        assertThat(t.status().status()).isEqualTo(EnhancedStatus.of(4, 7, 10));
        assertThat(t.status().diagnostic()).isInstanceOfSatisfying(Diagnostic.LocalReason.class,
            r -> assertThat(r.text()).contains("STARTTLS"));
        assertThat(t.status().remoteMta()).hasValueSatisfying(m -> assertThat(m.name()).isEqualTo("mx.shared.test"));
      });
      assertThat(sink.connections()).isEqualTo(2);
      assertThat(sink.delivered()).containsExactly("lax");
    }
  }
}
