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

  /**
   * A delivery agent for which every destination but {@code slow.example} answers at once; that one
   * holds each delivery until {@link #letGo}. It records when each recipient was delivered, and any
   * message it was handed while it still had it.
   */
  private static final class Destinations implements DeliveryAgent {
    final CountDownLatch slowDestination = new CountDownLatch(1);
    final Map<String, Instant> delivered = new ConcurrentHashMap<>();
    final Set<QueueId> inAgent = ConcurrentHashMap.newKeySet();
    final Set<QueueId> twiceAtOnce = ConcurrentHashMap.newKeySet();
    final Set<String> arrived = ConcurrentHashMap.newKeySet(); // recipients handed to the agent

    @Override
    public List<RecipientResult> deliver(DueDelivery due) {
      if (!inAgent.add(due.id())) {
        twiceAtOnce.add(due.id());
      }
      due.recipients().forEach(r -> arrived.add(r.forwardPath()));
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
    }

    void letGo() {
      slowDestination.countDown();
    }

    /** Waits (polling the record, at most 10 s) until {@code recipient} has come to this agent. */
    void awaitArrival(String recipient) throws InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!arrived.contains(recipient) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
    }

    /** Waits until {@code recipient} is delivered; how long since {@code since} (System.nanoTime). */
    Duration awaitDelivery(String recipient, long since) throws InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!delivered.containsKey(recipient) && System.nanoTime() < deadline) {
        Thread.sleep(20); // polling the agent's record, not waiting for time to pass
      }
      return Duration.ofNanos(System.nanoTime() - since);
    }
  }

  private static Scheduler scheduler(Store store, DeliveryAgent agent) {
    return new Scheduler(store.queue(), store.queue()::applyFlush, RetryPolicies.postfixLike(), agent, NO_REPORTS,
        CLOCK, new SplittableRandom(3), 5, Map.of(), new Events(List.of()), Set.of());
  }

  @Test
  void aBusyNodeTakesOverADeadNodesMailWithoutWaitingForItsPass() throws Exception {
    Destinations agent = new Destinations();
    try (Store a = TestStores.open(data, CLOCK, new NodeIdentity("a", LEASE));
        Store b = TestStores.open(data, CLOCK, new NodeIdentity("b", LEASE));
        Scheduler nodeB = scheduler(b, agent)) {
      SplittableRandom random = new SplittableRandom(9);
      b.queue().accept(message(random, "stuck@slow.example"));
      nodeB.start(POLL);
      // Node b's pass is now held by the slow destination. Node a accepts mail and dies at once.
      long acceptedAt = System.nanoTime();
      a.queue().accept(message(random, "orphan@fast.example"));

      Duration took = agent.awaitDelivery("orphan@fast.example", acceptedAt);

      assertThat(agent.delivered).as("taken over while node b's own pass was still busy").containsKey("orphan@fast.example");
      assertThat(agent.delivered).doesNotContainKey("stuck@slow.example");
      assertThat(took).as("a lease and a poll (and a second's slack), not the rest of the pass")
          .isLessThanOrEqualTo(LEASE.plus(POLL).plusSeconds(1));
      agent.letGo();
      agent.awaitDelivery("stuck@slow.example", System.nanoTime());
      assertThat(agent.delivered).containsKey("stuck@slow.example");
      assertThat(agent.twiceAtOnce).as("no message handed out twice at once").isEmpty();
    }
  }

  /**
   * Two nodes lost one after the other (in the cluster test, one killed and one stopped at once,
   * whose leases lapse a moment apart): the first one's mail is taken over and held up by a slow
   * destination; the second one's is still taken over within a lease and a poll, by a second
   * take-over pass, not after the first has delivered.
   */
  @Test
  void aSecondDeadNodesMailIsTakenOverWhileTheFirstOnesIsStillBeingDelivered() throws Exception {
    Destinations agent = new Destinations();
    try (Store a1 = TestStores.open(data, CLOCK, new NodeIdentity("a1", LEASE));
        Store a2 = TestStores.open(data, CLOCK, new NodeIdentity("a2", LEASE));
        Store b = TestStores.open(data, CLOCK, new NodeIdentity("b", LEASE));
        Scheduler nodeB = scheduler(b, agent)) {
      SplittableRandom random = new SplittableRandom(11);
      b.queue().accept(message(random, "stuck@slow.example"));
      nodeB.start(POLL);
      a1.queue().accept(message(random, "first-orphan@slow.example"));
      agent.awaitArrival("first-orphan@slow.example"); // taken over by node b, and held
      assertThat(agent.arrived).as("node a1's mail taken over").contains("first-orphan@slow.example");

      long acceptedAt = System.nanoTime();
      a2.queue().accept(message(random, "second-orphan@fast.example"));
      Duration took = agent.awaitDelivery("second-orphan@fast.example", acceptedAt);

      assertThat(agent.delivered).as("node a2's mail taken over while node a1's is still held up")
          .containsKey("second-orphan@fast.example")
          .doesNotContainKeys("stuck@slow.example", "first-orphan@slow.example");
      assertThat(took).as("a lease and a poll (and a second's slack), not the rest of the first take-over")
          .isLessThanOrEqualTo(LEASE.plus(POLL).plusSeconds(1));
      agent.letGo();
      agent.awaitDelivery("first-orphan@slow.example", System.nanoTime());
      agent.awaitDelivery("stuck@slow.example", System.nanoTime());
      assertThat(agent.delivered).containsKeys("stuck@slow.example", "first-orphan@slow.example");
      assertThat(agent.twiceAtOnce).as("no message handed out twice at once").isEmpty();
    }
  }

  /**
   * One lost node's backlog larger than a batch, held up by a slow destination, does not keep a
   * second lost node's mail waiting: take-over passes are one per lost node, so node a1's backlog
   * holds one (however many batches it has left), and node a2's mail gets a pass of its own within
   * a lease and a poll. (With a fixed number of take-over passes, a1's batches held them all: the
   * cluster test saw a paused node's 232 messages keep a killed node's mail waiting 5 s.)
   */
  @Test
  void oneLostNodesBacklogCannotHoldEveryTakeOverPass() throws Exception {
    Destinations agent = new Destinations();
    try (Store a1 = TestStores.open(data, CLOCK, new NodeIdentity("a1", LEASE));
        Store a2 = TestStores.open(data, CLOCK, new NodeIdentity("a2", LEASE));
        Store b = TestStores.open(data, CLOCK, new NodeIdentity("b", LEASE));
        Scheduler nodeB = scheduler(b, agent)) {
      SplittableRandom random = new SplittableRandom(13);
      b.queue().accept(message(random, "stuck@slow.example"));
      nodeB.start(POLL);
      for (int i = 0; i < 250; i++) { // two and a half batches
        a1.queue().accept(message(random, "backlog-" + i + "@slow.example"));
      }
      agent.awaitArrival("backlog-0@slow.example"); // a batch of a1's taken over by node b, and held
      assertThat(agent.arrived).as("node a1's backlog taken over").contains("backlog-0@slow.example");
      Thread.sleep(POLL.multipliedBy(3).toMillis()); // a few more polls: a1's next batches are lapsed too

      long acceptedAt = System.nanoTime();
      a2.queue().accept(message(random, "other-orphan@fast.example"));
      Duration took = agent.awaitDelivery("other-orphan@fast.example", acceptedAt);

      assertThat(agent.delivered).as("node a2's mail taken over while a1's backlog is still held up")
          .containsKey("other-orphan@fast.example")
          .doesNotContainKeys("stuck@slow.example", "backlog-0@slow.example");
      assertThat(took).as("a lease and a poll (and a second's slack), not after a1's batches")
          .isLessThanOrEqualTo(LEASE.plus(POLL).plusSeconds(1));
      agent.letGo();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (agent.delivered.size() < 252 && System.nanoTime() < deadline) {
        Thread.sleep(20); // polling the agent's record
      }
      assertThat(agent.delivered).as("every message delivered in the end").hasSize(252);
      assertThat(agent.twiceAtOnce).as("no message handed out twice at once").isEmpty();
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
