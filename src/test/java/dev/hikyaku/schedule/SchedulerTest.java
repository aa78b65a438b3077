package dev.hikyaku.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.protocol.DeliveryReasons;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.DeliveryStatus.Action;
import dev.hikyaku.protocol.DeliveryStatus.Diagnostic;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.DueRecipient;
import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.store.QueuedRecipient;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.testing.RetryPolicies;
import dev.hikyaku.testing.SettableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchedulerTest {

  private static final Instant T0 = Instant.parse("2026-05-01T09:00:00Z");
  private static final dev.hikyaku.events.Events NO_EVENTS = new dev.hikyaku.events.Events(List.of());
  private static final Origin ORIGIN =
      new Origin("submission", "127.0.0.1", "client.example", null, null, "alice@example.org");

  private static final Optional<DeliveryStatus.RemoteMta> MX =
      Optional.of(new DeliveryStatus.RemoteMta("mx.example.net", Optional.of("192.0.2.1"), 25));
  private static final DeliveryStatus OK =
      new DeliveryStatus(Action.DELIVERED, EnhancedStatus.of(2, 0, 0), new Diagnostic.RemoteReply(250, "2.0.0 ok"), MX);
  private static final DeliveryStatus GREYLISTED =
      new DeliveryStatus(Action.DELAYED, EnhancedStatus.of(4, 7, 1), new Diagnostic.RemoteReply(451, "4.7.1 greylisted"), MX);
  private static final DeliveryStatus NO_SUCH_USER =
      new DeliveryStatus(Action.FAILED, EnhancedStatus.of(5, 1, 1), new Diagnostic.RemoteReply(550, "5.1.1 no such user"), MX);

  @TempDir Path dataDirectory;

  private final SettableClock clock = new SettableClock(T0);
  private final SplittableRandom random = new SplittableRandom(11);
  private final List<String> failedReports = new CopyOnWriteArrayList<>();
  private final List<RecipientReport> failedDetails = new CopyOnWriteArrayList<>();
  private final List<RecipientReport> delayedDetails = new CopyOnWriteArrayList<>();
  private final List<String> succeededReports = new CopyOnWriteArrayList<>();
  private Store store;

  private final DeliveryReports reports = new DeliveryReports() {
    @Override
    public Optional<PendingReport> failed(DueDelivery delivery, List<RecipientReport> recipients) {
      recipients.forEach(r -> failedReports.add(delivery.id() + " " + r.forwardPath()));
      failedDetails.addAll(recipients);
      return Optional.empty();
    }

    @Override
    public Optional<PendingReport> delayed(DueDelivery delivery, List<RecipientReport> recipients) {
      delayedDetails.addAll(recipients);
      return Optional.empty();
    }

    @Override
    public Optional<PendingReport> succeeded(DueDelivery delivery, List<RecipientReport> recipients, RecipientResult.Handoff handoff) {
      recipients.forEach(r -> succeededReports.add(handoff + " " + r.forwardPath()));
      return Optional.empty();
    }
  };

  @BeforeEach
  void open() throws Exception {
    store = Store.openSqlite(dataDirectory, clock);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private NewMessage accept(String from, String... to) throws StoreException {
    List<NewRecipient> recipients =
        Arrays.stream(to).map(path -> new NewRecipient(path, "")).toList();
    byte[] content = ("From: <" + from + ">\r\nSubject: hi\r\n\r\nHello.\r\n")
        .getBytes(StandardCharsets.UTF_8);
    NewMessage message = new NewMessage(QueueId.generate(clock, random), clock.instant(), from, "",
        recipients, ORIGIN, content);
    store.queue().accept(message);
    return message;
  }

  /** Answers each recipient by its local part: ok… delivered, soft… transient, bad… permanent. */
  private static List<RecipientResult> byLocalPart(DueDelivery due) {
    return due.recipients().stream().map(r -> {
      String path = r.forwardPath();
      DeliveryStatus status = path.startsWith("ok") ? OK : path.startsWith("soft") ? GREYLISTED : NO_SUCH_USER;
      return new RecipientResult(path, status);
    }).toList();
  }

  private Scheduler scheduler(RetryPolicy policy, DeliveryAgent agent, int maxPerDomain) {
    return new Scheduler(store.queue(), store.queue()::applyFlush, policy, agent, reports, clock, random, maxPerDomain, Map.of(), NO_EVENTS, java.util.Set.of());
  }

  private QueuedRecipient recipient(QueueId id, String path) throws StoreException {
    return store.queueAdmin().find(id).orElseThrow().recipients().stream()
        .filter(r -> r.forwardPath().equals(path)).findFirst().orElseThrow();
  }

  @Test
  void onePassDeliversDefersAndFailsEachRecipientByItsResult() throws Exception {
    NewMessage message = accept("alice@example.org",
        "ok@a.example", "soft@b.example", "bad@c.example");
    List<DueDelivery> calls = new CopyOnWriteArrayList<>();
    Scheduler scheduler = scheduler(RetryPolicies.postfixLike(), due -> {
      calls.add(due);
      return byLocalPart(due);
    }, 5);

    assertThat(scheduler.runOnce()).isEqualTo(3);

    // One call per destination domain, each with that domain's recipients only.
    assertThat(calls).hasSize(3).allSatisfy(due -> assertThat(due.recipients()).hasSize(1));
    assertThat(recipient(message.id(), "ok@a.example").state()).isEqualTo("delivered");
    assertThat(recipient(message.id(), "bad@c.example").state()).isEqualTo("failed");
    // The store keeps the status as the send log writes it: dsn, diagnostic, remote MTA.
    assertThat(recipient(message.id(), "bad@c.example").lastReply())
        .isEqualTo(NO_SUCH_USER.toString())
        .isEqualTo("failed 5.1.1 (smtp; 550 5.1.1 no such user) at mx.example.net[192.0.2.1]:25");
    QueuedRecipient soft = recipient(message.id(), "soft@b.example");
    assertThat(soft.state()).isEqualTo("deferred");
    assertThat(soft.attempts()).isEqualTo(1);
    assertThat(soft.lastReply()).isEqualTo(GREYLISTED.toString()).contains("smtp; 451 4.7.1 greylisted");
    // First retry: 5 min ± 10 %.
    assertThat(soft.nextAttemptAt()).isBetween(T0.plusSeconds(270), T0.plusSeconds(330));
    assertThat(failedReports).containsExactly(message.id() + " bad@c.example");
    // The report carries the status as delivery typed it, untouched.
    assertThat(failedDetails).singleElement().satisfies(report -> {
      assertThat(report.status()).isSameAs(NO_SUCH_USER);
      assertThat(report.lastAttemptAt()).isEqualTo(T0);
      assertThat(report.willRetryUntil()).isEmpty();
    });

    // Nothing is due again until the retry time.
    assertThat(scheduler.runOnce()).isZero();
    clock.advance(Duration.ofSeconds(331));
    Scheduler recovered = scheduler(RetryPolicies.postfixLike(), due -> {
      calls.add(due);
      return due.recipients().stream()
          .map(r -> new RecipientResult(r.forwardPath(), OK))
          .toList();
    }, 5);
    assertThat(recovered.runOnce()).isEqualTo(1);
    assertThat(calls.getLast().recipients()).extracting(DueRecipient::forwardPath)
        .containsExactly("soft@b.example");
    assertThat(calls.getLast().recipients().getFirst().attempts()).isEqualTo(1);
    // The last open recipient is crossed off: the message leaves the queue.
    assertThat(store.queueAdmin().find(message.id())).isEmpty();
  }

  /** Answers by local part: gone… 550 5.1.1, policy… 550 5.7.1, soft… 451, nodomain… our own 5.1.2. */
  private static List<RecipientResult> hardAndSoft(DueDelivery due) {
    return due.recipients().stream().map(r -> {
      String path = r.forwardPath();
      DeliveryStatus status = path.startsWith("gone") ? NO_SUCH_USER
          : path.startsWith("policy") ? new DeliveryStatus(Action.FAILED, EnhancedStatus.of(5, 7, 1),
              new Diagnostic.RemoteReply(550, "5.7.1 refused by policy"), MX)
          : path.startsWith("nodomain") ? new DeliveryStatus(Action.FAILED, EnhancedStatus.of(5, 1, 2),
              new Diagnostic.LocalReason("Host or domain name not found"), Optional.empty())
          : GREYLISTED;
      return new RecipientResult(path, status);
    }).toList();
  }

  private Scheduler suppressing(DeliveryAgent agent) {
    return new Scheduler(store.queue(), store.queue()::applyFlush, RetryPolicies.postfixLike(), agent, reports, clock, random, 5, Map.of(),
        NO_EVENTS, java.util.Set.of(EnhancedStatus.of(5, 1, 1), EnhancedStatus.of(5, 1, 2)));
  }

  @Test
  void aRemote550With511SuppressesTheRecipientForTheSendingDomain() throws Exception {
    NewMessage message = accept("app@Sender.example", "gone@c.example", "policy@c.example", "soft@c.example",
        "nodomain@d.example");
    assertThat(suppressing(SchedulerTest::hardAndSoft).runOnce()).isEqualTo(4);

    var found = store.suppressions().find("sender.example", "GONE@c.example");
    assertThat(found).isPresent();
    assertThat(found.get().reason()).isEqualTo(dev.hikyaku.store.Suppression.Reason.HARD_BOUNCE);
    assertThat(found.get().enhancedStatus()).contains("5.1.1");
    assertThat(found.get().diagnostic()).contains("smtp; 550 5.1.1 no such user");
    assertThat(found.get().queueId()).contains(message.id());
    assertThat(found.get().createdAt()).isEqualTo(T0);
    // 5.7.x is about this message, 4xx about now, a DNS finding of ours about the path: none suppresses.
    assertThat(store.suppressions().list(Optional.empty(), Optional.empty()))
        .extracting(dev.hikyaku.store.Suppression::recipient).containsExactly("gone@c.example");
  }

  @Test
  void aBounceOrAnExpiryNeverSuppresses() throws Exception {
    accept("", "gone@c.example");
    NewMessage soft = accept("app@sender.example", "soft@c.example");
    Scheduler scheduler = suppressing(SchedulerTest::hardAndSoft);
    scheduler.runOnce();
    // The null reverse-path (RFC 5321 §4.5.5) has no sending domain.
    assertThat(store.suppressions().list(Optional.empty(), Optional.empty())).isEmpty();
    assertThat(failedReports).hasSize(1);

    clock.advance(Duration.ofDays(5).plusSeconds(1));
    scheduler.runOnce();
    assertThat(store.queueAdmin().find(soft.id())).isEmpty();
    assertThat(store.suppressions().list(Optional.empty(), Optional.empty())).isEmpty();
  }

  @Test
  void withoutSuppressStatusesNothingIsSuppressed() throws Exception {
    accept("app@sender.example", "gone@c.example");
    scheduler(RetryPolicies.postfixLike(), SchedulerTest::hardAndSoft, 5).runOnce();
    assertThat(store.suppressions().list(Optional.empty(), Optional.empty())).isEmpty();
  }

  @Test
  void transientFailurePastTheLifetimeFailsAsExpired() throws Exception {
    NewMessage message = accept("alice@example.org", "soft@b.example", "soft2@b.example");
    Scheduler scheduler = scheduler(RetryPolicies.postfixLike(), SchedulerTest::byLocalPart, 5);
    assertThat(scheduler.runOnce()).isEqualTo(2);
    assertThat(recipient(message.id(), "soft@b.example").state()).isEqualTo("deferred");

    clock.advance(Duration.ofDays(5).plusSeconds(1));
    assertThat(scheduler.runOnce()).isEqualTo(2);

    assertThat(store.queueAdmin().find(message.id())).isEmpty();
    // RFC 3463 X.4.7, failed: the last attempt's diagnostic and remote MTA stay (the server's 451).
    assertThat(failedDetails).hasSize(2).allSatisfy(report -> {
      assertThat(report.status()).isEqualTo(new DeliveryStatus(Action.FAILED, EnhancedStatus.of(5, 4, 7),
          new Diagnostic.RemoteReply(451, "4.7.1 greylisted"), MX));
      assertThat(report.lastAttemptAt()).isEqualTo(clock.instant());
    });
  }

  @Test
  void recipientsStayQueuedUntilTheirFailureIsReported() throws Exception {
    NewMessage message = accept("alice@example.org", "bad@c.example");
    Scheduler scheduler = new Scheduler(store.queue(), store.queue()::applyFlush, RetryPolicies.postfixLike(),
        SchedulerTest::byLocalPart, new DeliveryReports() {
          @Override
          public Optional<PendingReport> failed(DueDelivery delivery, List<RecipientReport> recipients)
              throws StoreException {
            throw new StoreException(StoreException.Kind.UNAVAILABLE, "disk trouble");
          }

          @Override
          public Optional<PendingReport> delayed(DueDelivery delivery, List<RecipientReport> recipients) {
            return Optional.empty();
          }

          @Override
          public Optional<PendingReport> succeeded(DueDelivery delivery, List<RecipientReport> recipients,
              RecipientResult.Handoff handoff) {
            return Optional.empty();
          }
        }, clock, random, 5, Map.of(), NO_EVENTS, java.util.Set.of());

    scheduler.runOnce();

    QueuedRecipient bad = recipient(message.id(), "bad@c.example");
    assertThat(bad.state()).isEqualTo("deferred");
    assertThat(bad.nextAttemptAt()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
    // The history says the same as the queue, in the same transaction: deferred, the failure kept.
    assertThat(store.history().show(message.id()).orElseThrow().attemptsOf("bad@c.example")).singleElement().satisfies(a -> {
      assertThat(a.outcome()).isEqualTo(dev.hikyaku.store.AttemptOutcome.DEFERRED);
      assertThat(a.enhancedStatus()).isEqualTo("4.3.0");
      assertThat(a.nextAttemptAt()).contains(T0.plus(Duration.ofMinutes(5)));
    });
  }

  @Test
  void anAgentThatThrowsDefersItsRecipientsRatherThanLoseThem() throws Exception {
    NewMessage message = accept("alice@example.org", "x@b.example");
    Scheduler scheduler = scheduler(RetryPolicies.postfixLike(), due -> {
      throw new IllegalStateException("bug in the agent");
    }, 5);

    assertThat(scheduler.runOnce()).isEqualTo(1);

    QueuedRecipient x = recipient(message.id(), "x@b.example");
    assertThat(x.state()).isEqualTo("deferred");
    // RFC 3463 X.3.0, our own side: deferred, in our words.
    assertThat(x.lastReply()).isEqualTo(DeliveryReasons.localFailure("no result from the delivery agent").toString())
        .isEqualTo("delayed 4.3.0 (X-Hikyaku; no result from the delivery agent)");
  }

  @Test
  void aRecipientQueuedTwiceIsSettledInOnePass() throws Exception {
    // Written straight to the store, as intake did before it dropped duplicate recipients.
    NewMessage message = accept("alice@example.org", "bad@c.example", "bad@c.example");
    List<DueDelivery> calls = new CopyOnWriteArrayList<>();
    Scheduler scheduler = scheduler(RetryPolicies.postfixLike(), due -> {
      calls.add(due);
      return byLocalPart(due);
    }, 5);

    scheduler.runOnce();
    assertThat(store.queueAdmin().find(message.id())).isEmpty();
    assertThat(failedReports).containsExactly(message.id() + " bad@c.example");
    assertThat(scheduler.runOnce()).isZero();
    assertThat(calls).hasSize(1);
  }

  @Test
  void heldMessagesAreLeftAlone() throws Exception {
    NewMessage message = accept("alice@example.org", "ok@a.example");
    store.queueAdmin().hold(message.id());
    List<DueDelivery> calls = new CopyOnWriteArrayList<>();
    Scheduler scheduler = scheduler(RetryPolicies.postfixLike(), due -> {
      calls.add(due);
      return byLocalPart(due);
    }, 5);

    assertThat(scheduler.runOnce()).isZero();
    assertThat(calls).isEmpty();

    store.queueAdmin().release(message.id());
    assertThat(scheduler.runOnce()).isEqualTo(1);
    assertThat(store.queueAdmin().find(message.id())).isEmpty();
  }

  @Test
  void aMessageReturnedByTheAdministratorFailsWithAReportWithoutADeliveryAttempt() throws Exception {
    NewMessage message = accept("alice@example.org", "ok@a.example", "soft@b.example");
    List<DueDelivery> calls = new CopyOnWriteArrayList<>();
    Scheduler scheduler = scheduler(RetryPolicies.postfixLike(), due -> {
      calls.add(due);
      return byLocalPart(due);
    }, 5);
    scheduler.runOnce(); // ok@ delivered, soft@ deferred for 5 minutes
    calls.clear();
    store.queueAdmin().hold(message.id());
    store.queueAdmin().returnToSender(message.id()); // held or not, it goes back now

    assertThat(store.queueAdmin().find(message.id()).orElseThrow().state()).isEqualTo(dev.hikyaku.store.MessageState.RETURNING);
    assertThat(scheduler.runOnce()).isEqualTo(1);
    assertThat(calls).isEmpty();
    assertThat(failedReports).containsExactly(message.id() + " soft@b.example");
    assertThat(failedDetails.getFirst().status()).isEqualTo(DeliveryReasons.returnedByAdmin());
    assertThat(failedDetails.getFirst().status().status()).isEqualTo(EnhancedStatus.of(5, 0, 0));
    assertThat(failedDetails.getFirst().status().diagnostic()).isInstanceOf(Diagnostic.LocalReason.class);
    assertThat(store.queueAdmin().find(message.id())).isEmpty();
  }

  @Test
  void deliveriesThatEndTheDsnChainAreReportedAndPassedOnOnesAreNot() throws Exception {
    accept("alice@example.org", "ok-relayed@a.example", "ok-boxed@b.example", "ok-passed@c.example");
    Scheduler scheduler = scheduler(RetryPolicies.postfixLike(), due -> due.recipients().stream().<RecipientResult>map(r -> {
      String path = r.forwardPath();
      RecipientResult.Handoff handoff = path.contains("relayed") ? RecipientResult.Handoff.RELAYED
          : path.contains("boxed") ? RecipientResult.Handoff.DELIVERED : RecipientResult.Handoff.PASSED_ON;
      return new RecipientResult(path, OK, handoff);
    }).toList(), 5);

    scheduler.runOnce();
    assertThat(succeededReports).containsExactlyInAnyOrder("RELAYED ok-relayed@a.example", "DELIVERED ok-boxed@b.example");
  }

  /** A scheduler whose agent notes each recipient it is given; docomo.example: one at a time, two a minute. */
  private Scheduler twoPerMinuteToDocomo(List<String> delivered) {
    DeliveryAgent agent = due -> {
      due.recipients().forEach(r -> delivered.add(r.forwardPath()));
      return byLocalPart(due);
    };
    return new Scheduler(store.queue(), store.queue()::applyFlush, RetryPolicies.postfixLike(), agent, reports, clock, random, 5,
        Map.of("docomo.example", new DestinationLimits(1, java.util.OptionalInt.of(2))), NO_EVENTS,
        java.util.Set.of());
  }

  @Test
  void aFlushRequestIsAppliedByAPassAndItsRecipientsStillMeetTheirDestinationsRate() throws Exception {
    // queue flush --domain only records a request; the pass applies it, and the recipients it made
    // due go through the destination's rate gate like any others.
    for (int i = 0; i < 5; i++) {
      NewMessage message = accept("alice@example.org", "ok" + i + "@docomo.example");
      store.queue().record(message.id(), List.of(dev.hikyaku.store.RecipientOutcome.deferred(
          "ok" + i + "@docomo.example", "451 4.7.1 later", T0, T0.plus(Duration.ofHours(1)))));
    }
    List<String> delivered = new CopyOnWriteArrayList<>();
    Scheduler scheduler = twoPerMinuteToDocomo(delivered);
    assertThat(scheduler.runOnce()).isZero();

    assertThat(store.queueAdmin().requestFlush(java.util.Optional.of("docomo.example"))).isEqualTo(5);
    scheduler.runOnce();
    assertThat(delivered).hasSize(2);
    // The other three wait for the gate (a minute), not for their deferral (an hour), untried again.
    assertThat(store.queue().nextDue()).contains(T0.plus(Duration.ofMinutes(1)));
    assertThat(store.queue().due(T0.plus(Duration.ofMinutes(1)), 100)).hasSize(3)
        .allSatisfy(d -> assertThat(d.recipients().getFirst().attempts()).isEqualTo(1));
    assertThat(store.queue().applyFlush()).as("the request is done").isFalse();
  }

  @Test
  void aFlushThatCannotBeAppliedDoesNotHoldBackWhatIsDue() throws Exception {
    // The flush is advisory: a store failure applying it is logged, the pass delivers what is due,
    // and the request stays open for the next pass.
    NewMessage waiting = accept("alice@example.org", "ok@later.example");
    store.queue().record(waiting.id(), List.of(dev.hikyaku.store.RecipientOutcome.deferred(
        "ok@later.example", "451 4.7.1 later", T0, T0.plus(Duration.ofHours(1)))));
    NewMessage due = accept("alice@example.org", "ok@now.example");
    assertThat(store.queueAdmin().requestFlush(Optional.empty())).isEqualTo(1);
    List<String> delivered = new CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicInteger flushes = new java.util.concurrent.atomic.AtomicInteger();
    Scheduler scheduler = new Scheduler(store.queue(), () -> {
      if (flushes.incrementAndGet() == 1) {
        throw new StoreException(StoreException.Kind.UNAVAILABLE, "database is locked");
      }
      return store.queue().applyFlush();
    }, RetryPolicies.postfixLike(), d -> {
      d.recipients().forEach(r -> delivered.add(r.forwardPath()));
      return byLocalPart(d);
    }, reports, clock, random, 5, Map.of(), NO_EVENTS, java.util.Set.of());

    assertThat(scheduler.runOnce()).isEqualTo(1);
    assertThat(delivered).containsExactly("ok@now.example");
    assertThat(store.queueAdmin().find(due.id())).isEmpty();

    assertThat(scheduler.runOnce()).as("the next pass applies the flush").isEqualTo(1);
    assertThat(delivered).containsExactly("ok@now.example", "ok@later.example");
    assertThat(store.queueAdmin().find(waiting.id())).isEmpty();
  }

  @Test
  void aDestinationsRateHoldsTheRestBackWithoutCountingAnAttempt() throws Exception {
    for (int i = 0; i < 5; i++) {
      accept("alice@example.org", "ok" + i + "@docomo.example");
    }
    NewMessage other = accept("alice@example.org", "ok@elsewhere.example");
    List<String> delivered = new CopyOnWriteArrayList<>();
    Scheduler scheduler = twoPerMinuteToDocomo(delivered);

    scheduler.runOnce();
    assertThat(delivered).filteredOn(p -> p.endsWith("@docomo.example")).hasSize(2);
    assertThat(delivered).contains("ok@elsewhere.example");
    assertThat(store.queueAdmin().find(other.id())).isEmpty();
    // The three held back wait a minute from the first start, untried.
    assertThat(store.queue().nextDue()).contains(T0.plus(Duration.ofMinutes(1)));
    assertThat(store.queue().due(T0.plusSeconds(59), 100)).isEmpty();
    assertThat(store.queue().due(T0.plus(Duration.ofMinutes(1)), 100)).hasSize(3)
        .allSatisfy(d -> assertThat(d.recipients().getFirst().attempts()).isZero());

    clock.advance(Duration.ofMinutes(1));
    scheduler.runOnce();
    assertThat(delivered).filteredOn(p -> p.endsWith("@docomo.example")).hasSize(4);
    clock.advance(Duration.ofMinutes(1));
    scheduler.runOnce();
    assertThat(delivered).filteredOn(p -> p.endsWith("@docomo.example")).hasSize(5).doesNotHaveDuplicates();
    assertThat(store.queue().nextDue()).isEmpty();
  }

  @Test
  void delayWarningGoesOutOnceAtTheFirstAttemptPastItsTime() throws Exception {
    RetryPolicy policy = new RetryPolicy(Duration.ofMinutes(5), Duration.ofSeconds(4000),
        Duration.ofDays(5), 0.1, Optional.of(Duration.ofHours(4)));
    accept("alice@example.org", "soft@b.example");
    Scheduler scheduler = scheduler(policy, SchedulerTest::byLocalPart, 5);

    scheduler.runOnce();
    assertThat(delayedDetails).isEmpty();

    clock.advance(Duration.ofHours(4).plusSeconds(1));
    scheduler.runOnce();
    assertThat(delayedDetails).singleElement().satisfies(report -> {
      assertThat(report.forwardPath()).isEqualTo("soft@b.example");
      assertThat(report.status()).isSameAs(GREYLISTED);
      assertThat(report.willRetryUntil()).contains(T0.plus(Duration.ofDays(5)));
    });

    clock.advance(Duration.ofHours(2));
    scheduler.runOnce();
    assertThat(delayedDetails).hasSize(1);
  }

  @Test
  void perDomainConcurrencyIsCapped() throws Exception {
    assertPeakConcurrency(3, 1, 3);
  }

  @Test
  void onSeveralNodesEachTakesItsShareOfADestinationsConcurrency() throws Exception {
    assertPeakConcurrency(5, 2, 3); // ceil(5 / 2): the two nodes together keep to about 5
  }

  @Test
  void onSeveralNodesEachTakesItsShareOfADestinationsRate() throws Exception {
    for (int i = 0; i < 5; i++) {
      accept("alice@example.org", "ok" + i + "@docomo.example");
    }
    List<String> delivered = new CopyOnWriteArrayList<>();
    Scheduler scheduler = new Scheduler(store.queue(), store.queue()::applyFlush, RetryPolicies.postfixLike(), due -> {
      due.recipients().forEach(r -> delivered.add(r.forwardPath()));
      return byLocalPart(due);
    }, reports, clock, random, 5, Map.of("docomo.example", new DestinationLimits(5, java.util.OptionalInt.of(4))), NO_EVENTS,
        java.util.Set.of()).sharedBy(() -> 2);

    scheduler.runOnce();

    assertThat(delivered).as("4 a minute for the cluster: 2 for each of the two nodes").hasSize(2);
  }

  /**
   * Holds every delivery until its domain's lane is full: the most at once to busy.example must be
   * {@code expectedPeak} for {@code cap} shared by {@code nodes}, and quiet.example's two go at once.
   */
  private void assertPeakConcurrency(int cap, int nodes, int expectedPeak) throws Exception {
    int lane = expectedPeak;
    Map<String, Integer> expected = Map.of("busy.example", 12, "quiet.example", 2);
    for (int i = 0; i < 12; i++) {
      accept("alice@example.org", "ok" + i + "@busy.example");
    }
    accept("alice@example.org", "ok@quiet.example");
    accept("alice@example.org", "ok2@quiet.example");

    ReentrantLock lock = new ReentrantLock();
    Condition changed = lock.newCondition();
    Map<String, Integer> current = new HashMap<>();
    Map<String, Integer> entered = new HashMap<>();
    Map<String, Integer> peak = new HashMap<>();
    List<String> timedOut = new CopyOnWriteArrayList<>();
    Function<DueDelivery, List<RecipientResult>> agent = due -> {
      String domain = due.recipients().getFirst().domain();
      lock.lock();
      try {
        current.merge(domain, 1, Integer::sum);
        entered.merge(domain, 1, Integer::sum);
        peak.merge(domain, current.get(domain), Math::max);
        changed.signalAll();
        // Hold every delivery until the lane is full (or nothing more can come): if the cap were
        // not honoured, more than `cap` would be inside here at once.
        long nanos = TimeUnit.SECONDS.toNanos(10);
        while (current.get(domain) < Math.min(lane, expected.get(domain))
            && entered.get(domain) < expected.get(domain) && nanos > 0) {
          nanos = changed.awaitNanos(nanos);
        }
        if (nanos <= 0) {
          timedOut.add(domain);
        }
        current.merge(domain, -1, Integer::sum);
        changed.signalAll();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        lock.unlock();
      }
      return byLocalPart(due);
    };

    int attempted = scheduler(RetryPolicies.postfixLike(), agent::apply, cap).sharedBy(() -> nodes).runOnce();

    assertThat(attempted).isEqualTo(14);
    assertThat(timedOut).isEmpty();
    assertThat(peak).containsEntry("busy.example", expectedPeak).containsEntry("quiet.example", 2);
    assertThat(store.queue().count()).isZero();
  }

  @Test
  void backgroundLoopRunsWhenWoken() throws Exception {
    LinkedBlockingQueue<DueDelivery> delivered = new LinkedBlockingQueue<>();
    try (Scheduler scheduler = scheduler(RetryPolicies.postfixLike(), due -> {
      delivered.add(due);
      return byLocalPart(due);
    }, 5)) {
      scheduler.start();
      // The loop found nothing and waits (up to a minute); new mail wakes it.
      NewMessage message = accept("alice@example.org", "ok@a.example");
      scheduler.wake();
      DueDelivery due = delivered.poll(10, TimeUnit.SECONDS);
      assertThat(due).isNotNull();
      assertThat(due.id()).isEqualTo(message.id());
    }
  }
}
