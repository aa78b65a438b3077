package dev.hikyaku.schedule;

import dev.hikyaku.limits.WakeSignal;
import dev.hikyaku.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Scheduler}'s loops. The main loop runs a pass, then waits until the queue's next due
 * time, a {@link #wake} (new mail accepted), the poll (±25 %) or {@link #close}; the take-over loop
 * looks every poll, while a pass is busy, for what other nodes let lapse, and runs each take-over
 * pass on a thread of its own, {@link #TAKE_OVERS_AT_ONCE} at most. Tests call the scheduler's
 * passes directly and never start these.
 */
final class PassLoops {

  private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

  // Waits are capped so that changes made by another process (admin CLI release) are seen.
  static final Duration LONGEST_WAIT = Duration.ofMinutes(1);
  private static final Duration WAIT_AFTER_FAILURE = Duration.ofSeconds(5);
  private static final Duration CLOSE_WAIT = Duration.ofMinutes(1);
  /**
   * Take-over passes running at once. A take-over pass returns only once it has delivered what it
   * took, and a slow destination can hold it for long; meanwhile a second node's leases may lapse
   * (two nodes lost one after the other, or one stopped and one dead). A second pass may then take
   * that mail over at the next poll rather than after the first pass, so every dead node's mail is
   * taken within a lease and a poll. Bounded, so what is read into memory stays a few batches.
   */
  static final int TAKE_OVERS_AT_ONCE = 2;

  /** What the loops run. */
  interface Passes {
    int runOnce() throws StoreException;

    int takeOverOnce() throws StoreException;

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
   * Every poll (jittered), unless {@link #TAKE_OVERS_AT_ONCE} are still delivering: a take-over
   * pass, which does nothing unless a pass is busy. Returns once the running ones have finished.
   */
  private void runTakeOverLoop() {
    Semaphore free = new Semaphore(TAKE_OVERS_AT_ONCE);
    try (ExecutorService takeOvers = Executors.newThreadPerTaskExecutor(
        Thread.ofVirtual().name("hikyaku-scheduler-takeover-", 0).factory())) {
      while (!closed.await(passes.jittered(poll).toNanos(), TimeUnit.NANOSECONDS)) {
        if (free.tryAcquire()) {
          takeOvers.execute(() -> {
            try {
              passes.takeOverOnce();
            } catch (StoreException | RuntimeException e) {
              log.warn("take-over pass failed: {}", e.toString());
            } finally {
              free.release();
            }
          });
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
