package dev.hikyaku.schedule;

import dev.hikyaku.events.Events;
import dev.hikyaku.protocol.DeliveryReasons;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.store.AttemptRecord;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.DueRecipient;
import dev.hikyaku.store.MessageQueue;
import dev.hikyaku.store.RecipientOutcome;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.store.Suppression;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes due deliveries from the queue, hands them to the {@link DeliveryAgent} in per-destination
 * lanes, and records each recipient's outcome with its next attempt from the {@link RetryPolicy}.
 *
 * <p>A pass ({@link #runOnce}) splits every due message by recipient domain (one SMTP transaction
 * per destination) and runs each domain's share in a lane: at most {@code maxPerDomain} deliveries
 * to one domain at once, on virtual threads, so one slow or throttling destination cannot take every
 * connection and a receiver is not flooded (RFC 5321 §4.5.4.1 asks senders to limit simultaneous
 * connections to one host). The pass returns when all its deliveries are recorded. On a store that
 * several nodes share, take-over passes ({@link #takeOverOnce}, one per lost node) may run beside a busy
 * one, on other messages ({@link Claims}) and under the same per-destination limits: a message is
 * never handed out twice at once.
 *
 * <p>The background loop ({@link #start}) runs a pass, then waits on a condition until the queue's
 * {@link MessageQueue#nextDue} time, a {@link #wake} (new mail accepted) or {@link #close}. Tests
 * call {@link #runOnce} with a settable clock and never wait for time to pass.
 */
public final class Scheduler implements AutoCloseable {

  /**
   * Messages taken from the queue per pass. A pass returns only when all of them are recorded, so
   * the bound keeps a pass short and the next one (with the mail that came in meanwhile) near.
   */
  private static final int BATCH_SIZE = 100;

  private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

  private final MessageQueue queue;
  private final FlushStep flush;
  private final Events events;
  private final RetryPolicy policy;
  private final DeliveryAgent agent;
  private final DeliveryReports reports;
  private final Clock clock;
  private final RandomGenerator random; // guarded by randomLock: generators are not thread-safe
  private final ReentrantLock randomLock = new ReentrantLock();
  private final int maxPerDomain;
  private final Map<String, DestinationLimits> destinations;
  private final Set<EnhancedStatus> suppressStatuses;
  private final Map<String, RateGate> gates = new ConcurrentHashMap<>();
  /** How many nodes share the store, and so every per-destination limit ({@link #sharedBy}). */
  private volatile IntSupplier liveNodes = () -> 1;

  // Deliveries at once per destination over both passes: "domain limit" -> permits.
  private final Map<String, Semaphore> permits = new ConcurrentHashMap<>();
  private volatile boolean isPassRunning;
  private final Claims claims;
  private final PassLoops loops = new PassLoops(new PassLoops.Passes() {
    @Override
    public int runOnce() throws StoreException {
      return Scheduler.this.runOnce();
    }

    @Override
    public List<String> lapsedOwners() throws StoreException {
      // Only while a pass is busy: an idle node's next pass takes lapsed mail anyway.
      return isPassRunning ? claims.lapsedOwners() : List.of();
    }

    @Override
    public int takeOverOnce(String leftBy) throws StoreException {
      return Scheduler.this.takeOverOnce(leftBy);
    }

    @Override
    public Duration untilNextDue() throws StoreException {
      // A flush request still open: go on at once.
      return isFlushing ? Duration.ZERO : queue.nextDue().map(at -> Duration.between(clock.instant(), at)).orElse(PassLoops.LONGEST_WAIT);
    }

    @Override
    public Duration jittered(Duration base) {
      return Scheduler.this.jittered(base);
    }
  });
  /** Whether the last pass found a flush request open: the loop goes on without waiting. */
  private volatile boolean isFlushing;
  /** Whether the last pass failed to apply the flush: its warning is logged once per streak. */
  private volatile boolean isFlushFailing;

  /**
   * @param flush the pass's step of an open flush request: {@code queue::applyFlush}
   * @param policy when a failed recipient is tried again ({@code DeliveryConfig.retryPolicy})
   * @param maxPerDomain deliveries at once to a domain without limits of its own ({@code
   *     delivery.max-per-domain})
   * @param destinations limits of particular domains (lower-case), over {@code maxPerDomain}
   * @param events where every recorded outcome is told (send log, metrics)
   * @param suppressStatuses the statuses of a remote server's permanent refusal that put the
   *     recipient on the suppression list for the message's sending domain ({@code
   *     delivery.suppress-statuses}); empty: nothing is suppressed automatically
   */
  public Scheduler(
      MessageQueue queue,
      FlushStep flush,
      RetryPolicy policy,
      DeliveryAgent agent,
      DeliveryReports reports,
      Clock clock,
      RandomGenerator random,
      int maxPerDomain,
      Map<String, DestinationLimits> destinations,
      Events events,
      Set<EnhancedStatus> suppressStatuses) {
    this.flush = Objects.requireNonNull(flush, "flush");
    this.suppressStatuses = Set.copyOf(suppressStatuses);
    this.events = Objects.requireNonNull(events, "events");
    this.destinations = Map.copyOf(destinations);
    this.queue = Objects.requireNonNull(queue, "queue");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.agent = Objects.requireNonNull(agent, "agent");
    this.reports = Objects.requireNonNull(reports, "reports");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
    if (maxPerDomain < 1) {
      throw new IllegalArgumentException("maxPerDomain must be at least 1, was " + maxPerDomain);
    }
    this.maxPerDomain = maxPerDomain;
    this.claims = new Claims(queue, clock);
  }

  /**
   * On a store shared by several nodes, each node keeps to its share of every per-destination limit,
   * so that the cluster as a whole keeps to about the limit: {@code ceil(limit / nodes)} deliveries
   * at once and {@code limit / nodes} (at least one) started per minute, with {@code liveNodes} the
   * nodes alive now (the heartbeat counts them). A static split, not a shared semaphore: it costs no
   * round trip to the database per delivery, and may leave a node's share idle while another node
   * has more mail for the destination than its share.
   */
  public Scheduler sharedBy(IntSupplier liveNodes) {
    this.liveNodes = Objects.requireNonNull(liveNodes, "liveNodes");
    return this;
  }

  /**
   * One pass: delivers what is due now (up to the batch size), records every outcome and returns
   * how many recipients were attempted. Returns after every delivery of the pass has finished.
   *
   * @throws StoreException when the due deliveries cannot be read; failures to record single
   *     outcomes are logged and leave those recipients due (delivered again at worst, never lost);
   *     so is a failure to apply a flush request
   */
  public int runOnce() throws StoreException {
    applyFlush();
    List<DueDelivery> due = claims.claim(BATCH_SIZE);
    if (due.isEmpty()) {
      return 0;
    }
    long claimedAt = System.nanoTime();
    isPassRunning = true;
    try {
      return deliverAll(due, claimedAt);
    } finally {
      isPassRunning = false;
      claims.release(due);
    }
  }

  /**
   * While a pass is busy (a slow destination can keep one busy for many seconds): takes over what
   * other nodes held and let lapse (a node died or stalled), so that their mail waits a lease and a
   * poll, not a lease, a poll and the rest of this node's pass. Takes what node {@code leftBy} left,
   * a batch at most. Returns how many recipients it attempted; none when no pass runs (the next
   * pass takes such mail anyway).
   */
  int takeOverOnce(String leftBy) throws StoreException {
    if (!isPassRunning) {
      return 0;
    }
    List<DueDelivery> left = claims.takeOver(BATCH_SIZE, leftBy);
    if (left.isEmpty()) {
      return 0;
    }
    log.info("taking over {} message(s) whose node {} let its lease lapse", left.size(), leftBy);
    try {
      return deliverAll(left, System.nanoTime());
    } finally {
      claims.release(left);
    }
  }

  private int deliverAll(List<DueDelivery> due, long claimedAt) {
    // Lanes: each domain's shares, in queue order (oldest message first).
    Map<String, ConcurrentLinkedQueue<DueDelivery>> lanes = new LinkedHashMap<>();
    for (DueDelivery delivery : due) {
      Map<String, List<DueRecipient>> byDomain = new LinkedHashMap<>();
      for (DueRecipient recipient : delivery.recipients()) {
        byDomain.computeIfAbsent(recipient.domain(), d -> new ArrayList<>()).add(recipient);
      }
      byDomain.forEach((domain, recipients) -> lanes
          .computeIfAbsent(domain, d -> new ConcurrentLinkedQueue<>())
          .add(delivery.withRecipients(recipients)));
    }
    AtomicInteger attempted = new AtomicInteger();
    int nodes = Math.max(1, liveNodes.getAsInt());
    try (ExecutorService threads = Executors.newThreadPerTaskExecutor(
        Thread.ofVirtual().name("hikyaku-delivery-", 0).factory())) {
      lanes.forEach((domain, shares) -> {
        // A lane is up to its concurrency of workers draining the domain's shares one at a time.
        DestinationLimits limits = destinations.getOrDefault(domain, DestinationLimits.concurrency(maxPerDomain));
        // This node's share of the destination's limits (sharedBy); all of them on a node alone.
        int perMinute = Math.max(1, limits.messagesPerMinute().orElse(0) / nodes);
        Optional<RateGate> gate = limits.messagesPerMinute().isPresent()
            ? Optional.of(gates.computeIfAbsent(domain + " " + perMinute, d -> new RateGate(perMinute)))
            : Optional.empty();
        int concurrency = Math.ceilDiv(limits.concurrency(), nodes);
        int workers = Math.min(concurrency, shares.size());
        // Shared with a take-over pass running beside this one: the limit holds over both. Fair, so
        // that a take-over's delivery waits for one delivery to end, not for the busy pass to drain.
        Semaphore lane = permits.computeIfAbsent(domain + " " + concurrency, key -> new Semaphore(concurrency, true));
        for (int i = 0; i < workers; i++) {
          threads.execute(() -> {
            for (DueDelivery share; (share = shares.poll()) != null; ) {
              // A message being returned makes no delivery, so it does not count against the rate.
              Optional<Instant> later = share.isReturning()
                  ? Optional.empty() : gate.flatMap(g -> g.admit(clock.instant()));
              if (later.isPresent()) {
                postpone(share, later.get());
              } else {
                lane.acquireUninterruptibly();
                try {
                  // Asked once the permit is ours, right before the delivery: a wait for the permit
                  // may be long (a take-over pass shares it), and a pause may fall inside it.
                  if (claims.isStillHeld(share, claimedAt)) {
                    attempted.addAndGet(deliver(share));
                  }
                } finally {
                  lane.release();
                }
              }
            }
          });
        }
      });
    } // close() waits for every lane to drain
    return attempted.get();
  }

  /**
   * A queue flush is a request (QueueAdmin.requestFlush); one short batch of it per pass keeps the
   * write lock free for the sessions' commits in between. It is advisory: when it cannot be applied
   * the request stays open for the next pass, and this pass still delivers what is due.
   */
  private void applyFlush() {
    try {
      isFlushing = flush.apply();
      if (isFlushFailing) {
        isFlushFailing = false;
        log.info("queue flush applied again");
      }
    } catch (StoreException | RuntimeException e) {
      isFlushing = false; // the loop waits as usual rather than spinning on a failing flush
      if (!isFlushFailing) {
        isFlushFailing = true;
        log.warn("could not apply the queue flush request; delivering what is due without it: {}", e.toString());
      }
    }
  }

  /** One batch of an open flush request: whether the request is still open after it. */
  @FunctionalInterface
  public interface FlushStep {
    boolean apply() throws StoreException;
  }

  /** Over the destination's rate: the share waits in the queue, no attempt counted. */
  private void postpone(DueDelivery share, Instant until) {
    try {
      queue.postpone(share.id(), share.recipients().stream().map(DueRecipient::forwardPath).toList(), until);
    } catch (StoreException e) {
      // Left due: the next pass meets the gate again. Nothing is lost.
      log.warn("could not postpone message {} for its destination's rate: {}", share.id(), e.getMessage());
    }
  }

  /** Delivers one share (one message, one domain) and records the outcomes. */
  private int deliver(DueDelivery share) {
    Instant attemptedAt = clock.instant();
    List<RecipientResult> results;
    try {
      results = share.isReturning()
          ? share.recipients().stream()
              .map(r -> new RecipientResult(r.forwardPath(), DeliveryReasons.returnedByAdmin()))
              .toList()
          : agent.deliver(share);
    } catch (RuntimeException bug) {
      log.error("delivery agent failed on message {}; deferring its recipients", share.id(), bug);
      results = List.of();
    }
    Map<String, RecipientResult> byPath = new HashMap<>();
    for (RecipientResult result : results) {
      byPath.putIfAbsent(result.forwardPath(), result);
    }
    Instant now = clock.instant();
    List<RecipientOutcome> outcomes = new ArrayList<>();
    List<RecipientReport> failed = new ArrayList<>();
    List<RecipientReport> delayed = new ArrayList<>();
    List<RecipientReport> succeeded = new ArrayList<>();
    RecipientResult.Handoff handoff = RecipientResult.Handoff.PASSED_ON;
    Set<String> seen = new HashSet<>();
    for (DueRecipient recipient : share.recipients()) {
      String path = recipient.forwardPath();
      if (!seen.add(path)) {
        continue; // the same path twice (a queue from before intake dropped duplicates): one outcome
      }
      RecipientResult result = byPath.get(path);
      if (result == null) {
        log.error("delivery agent gave no result for <{}> of message {}", path, share.id());
        result = new RecipientResult(path, DeliveryReasons.localFailure("no result from the delivery agent"));
        byPath.put(path, result); // what is recorded, reported and told below
      }
      DeliveryStatus status = result.status();
      switch (status.outcome()) {
        case DELIVERED -> {
          outcomes.add(RecipientOutcome.delivered(path, status.toString(), attemptedAt));
          if (result.handoff() != RecipientResult.Handoff.PASSED_ON) {
            // One share goes to one next hop, so its recipients share the handoff.
            handoff = result.handoff();
            succeeded.add(new RecipientReport(path, status, attemptedAt, Optional.empty()));
          }
        }
        case FAILED -> {
          outcomes.add(RecipientOutcome.failed(path, status.toString(), attemptedAt));
          failed.add(new RecipientReport(path, status, attemptedAt, Optional.empty()));
        }
        case DEFERRED -> {
          Optional<Instant> next =
              nextAttempt(recipient.attempts() + 1, share.receivedAt(), now);
          if (next.isEmpty()) {
            // RFC 5321 §4.5.4.1: give up after the lifetime; RFC 3463 X.4.7 "delivery time expired".
            DeliveryStatus expired = DeliveryReasons.expired(status);
            outcomes.add(RecipientOutcome.failed(path, expired.toString(), attemptedAt));
            failed.add(new RecipientReport(path, expired, attemptedAt, Optional.empty()));
          } else {
            outcomes.add(RecipientOutcome.deferred(path, status.toString(), attemptedAt, next.get()));
            if (policy.isDelayWarningDue(share.receivedAt(), recipient.lastAttemptAt(), now)) {
              delayed.add(new RecipientReport(path, status, attemptedAt, Optional.of(policy.expiresAt(share.receivedAt()))));
            }
          }
        }
      }
    }
    List<PendingReport> made = new ArrayList<>();
    if (!failed.isEmpty()) {
      try {
        reports.failed(share, failed).ifPresent(made::add);
      } catch (StoreException | RuntimeException e) {
        // Not recorded as failed without its report: keep the recipients, fail them again later.
        log.error("could not report failed recipients of message {}; keeping them queued: {}",
            share.id(), e.toString());
        Instant retry = now.plus(policy.first());
        outcomes = outcomes.stream()
            .map(outcome -> outcome.state() == RecipientOutcome.State.FAILED
                ? RecipientOutcome.deferred(
                    outcome.forwardPath(), outcome.lastReply(), outcome.attemptedAt(), retry)
                : outcome)
            .toList();
      }
    }
    if (!succeeded.isEmpty()) {
      try {
        reports.succeeded(share, succeeded, handoff).ifPresent(made::add);
      } catch (StoreException | RuntimeException e) {
        // The message is where it was going; only the sender's receipt is missing.
        log.warn("could not report delivered recipients of message {}: {}", share.id(), e.toString());
      }
    }
    if (!delayed.isEmpty()) {
      try {
        reports.delayed(share, delayed).ifPresent(made::add);
      } catch (StoreException | RuntimeException e) {
        // A delay warning is advice (RFC 3464 leaves it optional); the delivery goes on.
        log.warn("could not report delayed recipients of message {}: {}", share.id(), e.toString());
      }
    }
    try {
      RecordedShare recorded = RecordedShare.of(share, byPath, outcomes);
      List<AttemptRecord> rows;
      try {
        rows = recorded.history(clock.instant());
      } catch (RuntimeException bug) {
        // The history tells; the queue decides. A row we cannot make must not keep an outcome unrecorded.
        log.error("message {}: attempts recorded without their history rows", share.id(), bug);
        rows = List.of();
      }
      List<Suppression> suppressed = recorded.suppressions(suppressStatuses, clock.instant());
      // The reports commit with the outcomes they tell of, under the lease: each exactly once.
      boolean isRemoved = queue.record(share.id(), share.leaseToken(), outcomes, rows, suppressed,
          made.stream().map(PendingReport::message).toList());
      made.forEach(report -> report.queued().run());
      recorded.publish(events, attemptedAt, isRemoved, suppressed, clock.instant());
    } catch (StoreException e) {
      if (e.kind() == StoreException.Kind.CONFLICT) {
        // Fenced (DeliveryLeases): this node was paused or cut off past its lease and another node
        // has the message now. It may have delivered it too (a duplicate, never a loss); its reports
        // were not queued, the other node's are. (Counted by DeliveryLeases#lost.)
        log.warn("message {}: {}", share.id(), e.getMessage());
      } else {
        log.error("could not record outcomes of message {}; its recipients stay due: {}",
            share.id(), e.getMessage());
      }
    }
    return outcomes.size();
  }

  private Optional<Instant> nextAttempt(int attempts, Instant receivedAt, Instant now) {
    randomLock.lock();
    try {
      return policy.nextAttempt(attempts, receivedAt, now, random);
    } finally {
      randomLock.unlock();
    }
  }

  /** Starts the background loop, looking for work at least every second ({@code store.poll}). */
  public void start() {
    start(Duration.ofSeconds(1));
  }

  /**
   * Starts the background loop on a thread of its own ({@link PassLoops}). Besides the next due
   * time and {@link #wake}, it looks for work every {@code poll} (±25 %, so that nodes do not poll in
   * step): work other nodes sharing the store accepted, or left behind when they died, is not
   * announced to this one.
   */
  public void start(Duration poll) {
    loops.start(poll);
  }

  /** New mail: run a pass now instead of waiting for the next due time. */
  public void wake() {
    loops.wake();
  }

  /**
   * Stops the loop after its current pass (which finishes its deliveries), then closes the agent.
   * Idempotent.
   */
  @Override
  public void close() {
    loops.close();
    agent.close();
  }

  private Duration jittered(Duration base) {
    randomLock.lock();
    try {
      return Duration.ofNanos((long) (base.toNanos() * (0.75 + 0.5 * random.nextDouble())));
    } finally {
      randomLock.unlock();
    }
  }
}
