package dev.hikyaku.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A normal client kept busy beside an attack: from 127.0.0.1 (attacks come from other loopback
 * addresses), one whole transaction after another (EHLO, MAIL, RCPT, DATA, QUIT, each answered as a
 * working server answers), each timed, until the attack is over. What it proves is that the server
 * stays responsive to everyone else while one client does its worst.
 */
public final class Probe implements AutoCloseable {

  /**
   * The most one probe transaction may take under attack: generous for CI on 2 cores (an unloaded
   * one takes milliseconds), far below any timeout an attack could make it wait out.
   */
  public static final Duration BOUND = Duration.ofSeconds(5);

  private static final Duration PAUSE = Duration.ofMillis(100);

  private final int port;
  private final String recipient;
  private final List<Duration> times = new CopyOnWriteArrayList<>();
  private final List<Throwable> failures = new CopyOnWriteArrayList<>();
  private final AtomicBoolean isRunning = new AtomicBoolean(true);
  private final Thread thread;

  private Probe(int port, String recipient) {
    this.port = port;
    this.recipient = recipient;
    this.thread = Thread.ofVirtual().name("probe").start(this::loop);
  }

  /** Starts probing {@code port} with mail to {@code recipient} (a hosted mailbox). */
  public static Probe during(int port, String recipient) {
    return new Probe(port, recipient);
  }

  /** One probe transaction on its own; fails unless it is served within {@link #BOUND}. */
  public static Duration once(int port, String recipient) throws Exception {
    Duration took = transaction(port, recipient);
    assertThat(took).as("a normal client's transaction").isLessThan(BOUND);
    return took;
  }

  private void loop() {
    while (isRunning.get()) {
      try {
        times.add(transaction(port, recipient));
        Thread.sleep(PAUSE);
      } catch (InterruptedException e) {
        return;
      } catch (Exception | AssertionError e) {
        failures.add(e);
      }
    }
  }

  private static Duration transaction(int port, String recipient) throws Exception {
    long started = System.nanoTime();
    try (SmtpWire wire = SmtpWire.connect(port)) {
      assertThat(wire.reply()).startsWith("220 ");
      assertThat(wire.ask("EHLO probe.example")).startsWith("250 ");
      assertThat(wire.ask("MAIL FROM:<probe@probe.example>")).isEqualTo("250 2.1.0 Ok");
      assertThat(wire.ask("RCPT TO:<" + recipient + ">")).isEqualTo("250 2.1.5 Ok");
      assertThat(wire.ask("DATA")).startsWith("354 ");
      wire.write("Subject: probe\r\nFrom: <probe@probe.example>\r\n\r\nstill here\r\n.\r\n");
      assertThat(wire.reply()).startsWith("250 2.0.0 Ok: queued as ");
      assertThat(wire.ask("QUIT")).isEqualTo("221 2.0.0 Bye");
    }
    return Duration.ofNanos(System.nanoTime() - started);
  }

  /** Stops probing and checks that every transaction was served, within {@link #BOUND}; returns the slowest. */
  public Duration served() throws InterruptedException {
    close();
    assertThat(failures).as("probe transactions that failed under attack").isEmpty();
    assertThat(times).as("probe transactions completed during the attack").isNotEmpty();
    Duration slowest = times.stream().max(Duration::compareTo).orElseThrow();
    assertThat(slowest).as("the slowest of %d probe transactions", times.size()).isLessThan(BOUND);
    return slowest;
  }

  @Override
  public void close() throws InterruptedException {
    isRunning.set(false);
    thread.join(BOUND.multipliedBy(2).toMillis());
  }
}
