package dev.hikyaku.bench.load;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One phase of a run (the warm-up or the measured part), shared by the SMTP engine ({@link
 * LoadRun}) and the HTTP one ({@link ApiRun}): the messages still to be claimed, the pacing schedule
 * of {@code --rate}, the tally, and the latencies each worker recorded on its own, merged into
 * percentiles at the end with the elapsed time and the tool's own CPU time.
 */
final class Phase {

  final Tally tally = new Tally();
  private final AtomicLong unclaimed;
  private final AtomicLong paceSequence = new AtomicLong();
  private final double rate;
  private final ConcurrentLinkedQueue<Latencies[]> recorded = new ConcurrentLinkedQueue<>();
  private final long cpuBefore = cpuNanos();
  private final long start = System.nanoTime();

  /**
   * @param messages messages to claim in this phase
   * @param rate messages per second over all workers, or 0 for as fast as answered
   */
  Phase(long messages, double rate) {
    this.unclaimed = new AtomicLong(messages);
    this.rate = rate;
  }

  /** Up to {@code most} messages for the caller to send, or 0 when the phase is spent. */
  long claim(int most) {
    while (true) {
      long left = unclaimed.get();
      if (left <= 0) {
        return 0;
      }
      long claim = Math.min(left, most);
      if (unclaimed.compareAndSet(left, left - claim)) {
        return claim;
      }
    }
  }

  /** With a rate, waits for this message's slot on the shared schedule. */
  void pace() {
    if (rate <= 0) {
      return;
    }
    long due = start + (long) (paceSequence.getAndIncrement() * 1e9 / rate);
    long wait;
    while ((wait = due - System.nanoTime()) > 0) {
      LockSupport.parkNanos(wait);
    }
  }

  /** A worker's set-up and transaction times, handed over when it is done. */
  void recorded(Latencies setup, Latencies transaction) {
    recorded.add(new Latencies[] {setup, transaction});
  }

  /** Seconds since the phase began. */
  double elapsedSeconds() {
    return (System.nanoTime() - start) / 1e9;
  }

  /** What the phase came to, over {@code elapsedSeconds}; call once every worker is done. */
  LoadRun.Outcome outcome(double elapsedSeconds, long established) {
    Latencies setup = new Latencies();
    Latencies transaction = new Latencies();
    for (Latencies[] pair : recorded) {
      setup.addAll(pair[0]);
      transaction.addAll(pair[1]);
    }
    return new LoadRun.Outcome(tally, setup.summary(), transaction.summary(), elapsedSeconds, (cpuNanos() - cpuBefore) / 1e9, established);
  }

  private static long cpuNanos() {
    return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos()).orElse(0L);
  }
}
