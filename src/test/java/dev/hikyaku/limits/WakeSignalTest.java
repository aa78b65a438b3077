package dev.hikyaku.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A polling loop's wake-up: a wake given while busy is kept, a close ends every wait, an interrupt closes. */
class WakeSignalTest {

  private static final Duration HOUR = Duration.ofHours(1);

  @Test
  void aWakeGivenBeforeTheWaitIsKeptOnce() {
    WakeSignal signal = new WakeSignal();
    signal.wake();
    long started = System.nanoTime();
    signal.await(HOUR);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    // Forgotten once used: the next wait runs to its end.
    started = System.nanoTime();
    signal.await(Duration.ofMillis(50));
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
    assertThat(signal.isClosed()).isFalse();
  }

  @Test
  void aCloseEndsTheWaitUnderWayAndEveryLaterOne() throws Exception {
    WakeSignal signal = new WakeSignal();
    Thread waiter = Thread.ofVirtual().start(() -> signal.await(HOUR));
    signal.close();
    waiter.join(Duration.ofSeconds(5));
    assertThat(waiter.isAlive()).isFalse();
    assertThat(signal.isClosed()).isTrue();
    long started = System.nanoTime();
    signal.await(HOUR);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void anInterruptedWaitClosesAndKeepsTheInterrupt() throws Exception {
    WakeSignal signal = new WakeSignal();
    boolean[] isInterrupted = new boolean[1];
    Thread waiter = Thread.ofVirtual().start(() -> {
      signal.await(HOUR);
      isInterrupted[0] = Thread.currentThread().isInterrupted();
    });
    waiter.interrupt();
    waiter.join(Duration.ofSeconds(5));
    assertThat(waiter.isAlive()).isFalse();
    assertThat(isInterrupted[0]).isTrue();
    assertThat(signal.isClosed()).isTrue();
  }
}
