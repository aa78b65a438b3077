package dev.hikyaku.store;

import static dev.hikyaku.store.TestMessages.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.testing.TestStores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Two nodes on one store (V20): who may deliver a message, when a dead or paused node's message is
 * taken over, and that a node whose lease was taken writes nothing. Leases are timed by the store's
 * lease clock (PostgreSQL's own on that engine), so the test waits real time for short leases.
 * Each test has its own store, so in the quick loop (bin/test --fast) they wait side by side.
 */
@Execution(ExecutionMode.CONCURRENT)
class DeliveryLeasesTest {

  private static final Duration LEASE = Duration.ofMillis(1500);
  private static final Clock CLOCK = Clock.systemUTC();

  @TempDir Path dataDirectory;
  private final TestMessages messages = new TestMessages();
  private Store a;
  private Store b;

  @BeforeEach
  void open() throws Exception {
    a = TestStores.open(dataDirectory, CLOCK, new NodeIdentity("a", LEASE));
    b = TestStores.open(dataDirectory, CLOCK, new NodeIdentity("b", LEASE));
  }

  @AfterEach
  void close() {
    b.close();
    a.close();
  }

  @Test
  void theAcceptingNodeHoldsANewMessageAndOnlyItClaimsIt() throws Exception {
    NewMessage message = messages.message(now(), "s@example.org", "r@example.net");
    a.queue().accept(message);

    assertThat(b.queue().claim(now(), 10)).isEmpty();
    List<DueDelivery> claimed = a.queue().claim(now(), 10);
    assertThat(claimed).extracting(DueDelivery::id).containsExactly(message.id());
    assertThat(claimed.getFirst().leaseToken()).isEqualTo(2); // 1 at accept, +1 at the claim
    assertThat(b.queue().leases().held(now())).containsEntry("a", 1L);
  }

  @Test
  void aDeadNodesMessageIsTakenOverOnceItsLeaseLapses() throws Exception {
    NewMessage message = messages.message(now(), "s@example.org", "r@example.net");
    a.queue().accept(message); // and a dies: no renewal

    assertThat(b.queue().claim(now(), 10)).isEmpty();
    Thread.sleep(LEASE.plusMillis(200));
    assertThat(b.queue().claim(now(), 10)).extracting(DueDelivery::id).containsExactly(message.id());
    assertThat(a.queue().claim(now(), 10)).as("b holds it now").isEmpty();
  }

  @Test
  void aTakeOverNamesTheLostNodeAndTakesOnlyWhatThatNodeLetLapse() throws Exception {
    try (Store c = TestStores.open(dataDirectory, CLOCK, new NodeIdentity("c", LEASE))) {
      NewMessage fromA = messages.message(now(), "s@example.org", "r@example.net");
      NewMessage fromB = messages.message(now(), "s@example.org", "r@example.net");
      a.queue().accept(fromA); // a and b die: no renewal
      b.queue().accept(fromB);
      assertThat(c.queue().leases().lapsedOwners(now())).as("nothing lapsed yet").isEmpty();

      Thread.sleep(LEASE.plusMillis(200));
      assertThat(c.queue().leases().lapsedOwners(now())).containsExactly("a", "b");
      assertThat(a.queue().leases().lapsedOwners(now())).as("never a node's own").containsExactly("b");
      assertThat(c.queue().takeOver(now(), 10, id -> false, "b")).extracting(DueDelivery::id).containsExactly(fromB.id());
      assertThat(c.queue().takeOver(now(), 10, id -> false, "b")).as("c holds it now").isEmpty();
      assertThat(c.queue().leases().lapsedOwners(now())).containsExactly("a");
      assertThat(c.queue().takeOver(now(), 10, id -> false, "a")).extracting(DueDelivery::id).containsExactly(fromA.id());
      assertThat(c.queue().leases().lapsedOwners(now())).isEmpty();
      assertThatThrownBy(() -> c.queue().takeOver(now(), 10, id -> false, "c"))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aNodePausedPastItsLeaseWritesNothingOnceAnotherHasTheMessage() throws Exception {
    NewMessage message = messages.message(now(), "s@example.org", "r@example.net");
    a.queue().accept(message);
    DueDelivery stale = a.queue().claim(now(), 10).getFirst();
    Thread.sleep(LEASE.plusMillis(200)); // a is paused (SIGSTOP) past its lease
    DueDelivery current = b.queue().claim(now(), 10).getFirst();
    assertThat(current.leaseToken()).isGreaterThan(stale.leaseToken());

    List<RecipientOutcome> delivered = List.of(RecipientOutcome.delivered("r@example.net", "250 ok", now()));
    assertThatThrownBy(() -> a.queue().record(message.id(), stale.leaseToken(), delivered, List.of(), List.of()))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.CONFLICT))
        .hasMessageContaining("taken over");
    assertThat(a.queue().leases().lost()).isEqualTo(1);
    assertThat(a.queueAdmin().find(message.id())).as("nothing of the stale delivery written").isPresent();
    assertThat(b.queue().due(now(), 10)).extracting(DueDelivery::id).containsExactly(message.id());

    assertThat(b.queue().record(message.id(), current.leaseToken(), delivered, List.of(), List.of())).isTrue();
    assertThat(b.queueAdmin().find(message.id())).isEmpty();
  }

  @Test
  void theReportOfAFailureIsQueuedOnceByTheNodeThatHoldsTheLease() throws Exception {
    NewMessage message = messages.message(now(), "s@example.org", "r@example.net");
    a.queue().accept(message);
    DueDelivery stale = a.queue().claim(now(), 10).getFirst();
    Thread.sleep(LEASE.plusMillis(200)); // a is paused past its lease; b takes the message over
    DueDelivery current = b.queue().claim(now(), 10).getFirst();
    List<RecipientOutcome> failed = List.of(RecipientOutcome.failed("r@example.net", "550 5.1.1 no such user", now()));

    // Both nodes failed the recipient and made a DSN for the sender; only b's outcome, and b's DSN, count.
    NewMessage dsnOfA = messages.message(now(), "", "s@example.org");
    assertThatThrownBy(() -> a.queue().record(message.id(), stale.leaseToken(), failed, List.of(), List.of(), List.of(dsnOfA)))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.CONFLICT));
    NewMessage dsnOfB = messages.message(now(), "", "s@example.org");
    assertThat(b.queue().record(message.id(), current.leaseToken(), failed, List.of(), List.of(), List.of(dsnOfB))).isTrue();

    assertThat(b.queueAdmin().find(dsnOfA.id())).as("the fenced node's report").isEmpty();
    assertThat(b.queueAdmin().find(dsnOfB.id())).hasValueSatisfying(dsn -> {
      assertThat(dsn.reversePath()).isEmpty();
      assertThat(dsn.recipients()).extracting(QueuedRecipient::forwardPath).containsExactly("s@example.org");
    });
    assertThat(b.history().show(dsnOfB.id())).as("queued as any message is, with its history").isPresent();
  }

  @Test
  void aRenewedLeaseHoldsPastItsFirstEndAndALapsedOneIsNotRevived() throws Exception {
    NewMessage held = messages.message(now(), "s@example.org", "r@example.net");
    a.queue().accept(held);
    a.queue().claim(now(), 10);
    for (int i = 0; i < 4; i++) {
      Thread.sleep(LEASE.dividedBy(3));
      assertThat(a.queue().leases().renew(now())).isEqualTo(1);
    }
    assertThat(b.queue().claim(now(), 10)).as("renewed past its first end").isEmpty();

    Thread.sleep(LEASE.plusMillis(200));
    assertThat(a.queue().leases().renew(now())).as("a lapsed lease is not revived").isZero();
    assertThat(b.queue().claim(now(), 10)).extracting(DueDelivery::id).containsExactly(held.id());
  }

  @Test
  void aReleasedMessageIsFreeAtOnceAndAStartFreesWhatThePreviousRunHeld() throws Exception {
    NewMessage first = messages.message(now(), "s@example.org", "r@example.net");
    NewMessage second = messages.message(now().plusMillis(1), "s@example.org", "q@example.net");
    a.queue().accept(first);
    a.queue().accept(second);
    DueDelivery claimed = a.queue().claim(now(), 1).getFirst();
    a.queue().leases().release(Map.of(claimed.id(), claimed.leaseToken()));
    assertThat(b.queue().claim(now(), 10)).extracting(DueDelivery::id).containsExactly(claimed.id());

    // a crashed holding the other one; restarted, it frees it before anything else
    assertThat(a.queue().leases().releaseAll()).isEqualTo(1);
    assertThat(b.queue().claim(now(), 10)).extracting(DueDelivery::id).contains(second.id());
  }

  @Test
  void aNodeIdInUseElsewhereIsRefusedAndTheSameHostTakesItsRowBack() throws Exception {
    a.nodes().join("host-1", "run-1", now());
    try (Store copy = TestStores.open(dataDirectory, CLOCK, new NodeIdentity("a", LEASE))) {
      assertThatThrownBy(() -> copy.nodes().join("host-2", "run-2", now()))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.CONFLICT))
          .hasMessageContaining("node id a is in use by host-1");
      copy.nodes().join("host-1", "run-3", now()); // a restart of the same node
    }
    assertThat(a.nodes().beat("run-1", now())).as("the old run's heartbeat is refused").isFalse();
    b.nodes().join("host-2", "run-4", now());
    assertThat(b.nodes().list(now()).nodes()).extracting(Nodes.Node::id).containsExactly("a", "b");
  }

  private static Instant now() {
    return CLOCK.instant();
  }

  static {
    // T0 is the fixed clock of the other store tests; these use real time, for PostgreSQL's clock.
    assertThat(T0).isBefore(Instant.now());
  }
}
