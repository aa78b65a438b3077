package dev.hikyaku.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.events.Events;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.NodeIdentity;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.Store;
import dev.hikyaku.testing.RetryPolicies;
import dev.hikyaku.testing.TestStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: a node busy with a long pass (a slow destination) still takes over what a dead node left
 * behind within a lease and a poll, by a take-over pass beside its own, and never delivers one
 * message twice at once. Two nodes on one store; node a accepts a message and dies (it never renews
 * its lease); node b is stuck in a delivery of its own until the test lets it go.
 */
class TakeOverTest {

  private static final Duration LEASE = Duration.ofMillis(1500);
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Clock CLOCK = Clock.systemUTC();

  @TempDir Path data;

  @Test
  void aBusyNodeTakesOverADeadNodesMailWithoutWaitingForItsPass() throws Exception {
    CountDownLatch slowDestination = new CountDownLatch(1);
    Map<String, Instant> delivered = new ConcurrentHashMap<>();
    Set<QueueId> inAgent = ConcurrentHashMap.newKeySet();
    Set<QueueId> twiceAtOnce = ConcurrentHashMap.newKeySet();
    DeliveryAgent agent = due -> {
      if (!inAgent.add(due.id())) {
        twiceAtOnce.add(due.id());
      }
      try {
        if (due.recipients().getFirst().domain().equals("slow.example")) {
          slowDestination.await(30, TimeUnit.SECONDS);
        }
        due.recipients().forEach(r -> delivered.put(r.forwardPath(), Instant.now()));
        return results(due);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return List.of();
      } finally {
        inAgent.remove(due.id());
      }
    };
    try (Store a = TestStores.open(data, CLOCK, new NodeIdentity("a", LEASE));
        Store b = TestStores.open(data, CLOCK, new NodeIdentity("b", LEASE));
        Scheduler nodeB = new Scheduler(b.queue(), b.queue()::applyFlush, RetryPolicies.postfixLike(), agent, NO_REPORTS,
            CLOCK, new SplittableRandom(3), 5, Map.of(), new Events(List.of()), Set.of())) {
      SplittableRandom random = new SplittableRandom(9);
      b.queue().accept(message(random, "stuck@slow.example"));
      nodeB.start(POLL);
      // Node b's pass is now held by the slow destination. Node a accepts mail and dies at once.
      long acceptedAt = System.nanoTime();
      a.queue().accept(message(random, "orphan@fast.example"));

      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!delivered.containsKey("orphan@fast.example") && System.nanoTime() < deadline) {
        Thread.sleep(20); // polling the agent's record, not waiting for time to pass
      }
      Duration took = Duration.ofNanos(System.nanoTime() - acceptedAt);

      assertThat(delivered).as("taken over while node b's own pass was still busy").containsKey("orphan@fast.example");
      assertThat(delivered).doesNotContainKey("stuck@slow.example");
      assertThat(took).as("a lease and a poll (and a second's slack), not the rest of the pass")
          .isLessThanOrEqualTo(LEASE.plus(POLL).plusSeconds(1));
      slowDestination.countDown();
      deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!delivered.containsKey("stuck@slow.example") && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(delivered).containsKey("stuck@slow.example");
      assertThat(twiceAtOnce).as("no message handed out twice at once").isEmpty();
    }
  }

  private static NewMessage message(SplittableRandom random, String recipient) {
    return new NewMessage(QueueId.generate(CLOCK, random), Instant.now(), "alice@example.org", "",
        List.of(new NewRecipient(recipient, "")), new Origin("submission", "127.0.0.1", "client", null, null, null),
        "Subject: take-over\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  private static List<RecipientResult> results(DueDelivery due) {
    return due.recipients().stream()
        .map(r -> new RecipientResult(r.forwardPath(), new DeliveryStatus(DeliveryStatus.Action.DELIVERED,
            EnhancedStatus.of(2, 0, 0), new DeliveryStatus.Diagnostic.RemoteReply(250, "2.0.0 ok"), Optional.empty())))
        .toList();
  }

  private static final DeliveryReports NO_REPORTS = new DeliveryReports() {
    @Override
    public Optional<PendingReport> failed(DueDelivery delivery, List<RecipientReport> recipients) {
      return Optional.empty();
    }

    @Override
    public Optional<PendingReport> delayed(DueDelivery delivery, List<RecipientReport> recipients) {
      return Optional.empty();
    }

    @Override
    public Optional<PendingReport> succeeded(DueDelivery delivery, List<RecipientReport> recipients, RecipientResult.Handoff handoff) {
      return Optional.empty();
    }
  };
}
