package dev.hikyaku.schedule;

import dev.hikyaku.limits.WakeSignal;
import dev.hikyaku.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Scheduler}'s loops. The main loop runs a pass, then waits until the queue's next due
 * time, a {@link #wake} (new mail accepted), the poll (±25 %) or {@link #close}; the take-over loop
 * looks every poll, while a pass is busy, for other nodes that let their leases lapse, and runs a
 * take-over pass for each on a thread of its own: one per lost node, {@link #TAKE_OVERS_AT_ONCE}
 * at most. Tests call the scheduler's passes directly and never start these.
 */
final class PassLoops {

  private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

  // Waits are capped so that changes made by another process (admin CLI release) are seen.
  static final Duration LONGEST_WAIT = Duration.ofMinutes(1);
  private static final Duration WAIT_AFTER_FAILURE = Duration.ofSeconds(5);
  private static final Duration CLOSE_WAIT = Duration.ofMinutes(1);
  /**
   * Take-over passes running at once, each for another lost node. A take-over pass returns only
   * once it has delivered what it took, and a slow destination can hold it for long; meanwhile a
   * second node's leases may lapse (two nodes lost one after the other, or one stopped and one
   * dead). Its own pass then takes that mail over at the next poll, whatever the first node's
   * backlog: a pass per node, not a number of passes the first node's batches could all hold (the
   * cluster test once saw a paused node's 232 messages hold both of two passes while a killed
   * node's mail waited 5 s). Bounded, so what is read into memory stays a few batches.
   */
  static final int TAKE_OVERS_AT_ONCE = 4;

  /** What the loops run. */
  interface Passes {
    int runOnce() throws StoreException;

    /** The other nodes whose leases have lapsed, while a pass is busy (else none). */
    List<String> lapsedOwners() throws StoreException;

    /** A take-over pass for what node {@code leftBy} let lapse. */
    int takeOverOnce(String leftBy) throws StoreException;

    /** How long until the earliest due recipient (zero or less: now). */
    Duration untilNextDue() throws StoreException;

    Duration jittered(Duration base);
  }

  private final Passes passes;
  private final ReentrantLock lock = new ReentrantLock(); // guards the threads
  private final WakeSignal signal = new WakeSignal();
  private final CountDownLatch closed = new CountDownLatch(1);
  private Thread loop; // guarded by lock
  private Thread takeOverLoop; // guarded by lock
  private volatile Duration poll = Duration.ofSeconds(1);

  PassLoops(Passes passes) {
    this.passes = passes;
  }

  void start(Duration every) {
    this.poll = Objects.requireNonNull(every, "poll");
    lock.lock();
    try {
      if (loop != null) {
        throw new IllegalStateException("scheduler already started");
      }
      if (signal.isClosed()) {
        throw new IllegalStateException("scheduler is closed");
      }
      loop = Thread.ofVirtual().name("hikyaku-scheduler").start(this::runLoop);
      takeOverLoop = Thread.ofVirtual().name("hikyaku-scheduler-takeover").start(this::runTakeOverLoop);
    } finally {
      lock.unlock();
    }
  }

  void wake() {
    signal.wake();
  }

  /** Stops both loops after their current passes (which finish their deliveries). Idempotent. */
  void close() {
    List<Thread> running = new ArrayList<>();
    signal.close();
    closed.countDown();
    lock.lock();
    try {
      if (loop != null) {
        running.add(loop);
        running.add(takeOverLoop);
      }
    } finally {
      lock.unlock();
    }
    for (Thread thread : running) {
      try {
        if (!thread.join(CLOSE_WAIT)) {
          log.error("scheduler pass still running after {}; not waiting longer", CLOSE_WAIT);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void runLoop() {
    while (!signal.isClosed()) {
      Duration wait;
      try {
        int attempted = passes.runOnce();
        wait = passes.untilNextDue();
        Duration idle = passes.jittered(poll);
        // Something due that this pass could not claim is another node's, in flight: look again at
        // the poll, not at once, or the loop would spin until that node is done with it.
        if ((attempted == 0 && !wait.isPositive()) || wait.compareTo(idle) > 0) {
          wait = idle;
        }
      } catch (StoreException | RuntimeException e) {
        log.error("scheduler pass failed; trying again in {}: {}", WAIT_AFTER_FAILURE, e.toString());
        wait = WAIT_AFTER_FAILURE;
      }
      signal.await(wait.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait);
    }
  }

  /**
   * Every poll (jittered): for each node whose leases have lapsed (asked only while a pass is busy)
   * and that no take-over pass is serving yet, a take-over pass, {@link #TAKE_OVERS_AT_ONCE} at
   * most. Returns once the running ones have finished.
   */
  private void runTakeOverLoop() {
    Set<String> serving = ConcurrentHashMap.newKeySet();
    try (ExecutorService takeOvers = Executors.newThreadPerTaskExecutor(
        Thread.ofVirtual().name("hikyaku-scheduler-takeover-", 0).factory())) {
      while (!closed.await(passes.jittered(poll).toNanos(), TimeUnit.NANOSECONDS)) {
        List<String> lapsed;
        try {
          lapsed = serving.size() < TAKE_OVERS_AT_ONCE ? passes.lapsedOwners() : List.of();
        } catch (StoreException | RuntimeException e) {
          log.warn("looking for lapsed leases failed: {}", e.toString());
          continue;
        }
        for (String leftBy : lapsed) {
          if (serving.size() >= TAKE_OVERS_AT_ONCE || !serving.add(leftBy)) {
            continue;
          }
          takeOvers.execute(() -> {
            try {
              passes.takeOverOnce(leftBy);
            } catch (StoreException | RuntimeException e) {
              log.warn("take-over pass for node {} failed: {}", leftBy, e.toString());
            } finally {
              serving.remove(leftBy);
            }
          });
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
