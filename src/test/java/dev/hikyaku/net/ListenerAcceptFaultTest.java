package dev.hikyaku.net;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.hikyaku.testing.TestServers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Fault injection at the accept() of a listening port (issue 14): accept() failing with EMFILE
 * ("Too many open files") is said once per burst, waited out with a growing pause instead of a
 * spin, and the port takes connections again as soon as accept() works.
 */
@ResourceLock(TestServers.CAPTURED_LOGS)
class ListenerAcceptFaultTest {

  private static final byte[] GREETING = "220 listener.test ready\r\n".getBytes(StandardCharsets.US_ASCII);

  /** Fails like a process out of descriptors, {@code failures} times, then takes real connections. */
  private static final class ExhaustedDescriptors implements Listener.Acceptor {
    private final ServerSocket socket;
    private final int failures;
    private final AtomicInteger calls = new AtomicInteger();

    ExhaustedDescriptors(ServerSocket socket, int failures) {
      this.socket = socket;
      this.failures = failures;
    }

    @Override
    public Socket accept() throws IOException {
      if (calls.incrementAndGet() <= failures) {
        throw new IOException("Too many open files");
      }
      return socket.accept();
    }
  }

  /** Greets every connection, then closes it. */
  private static final Listener.ConnectionHandler GREETER = (connection, permit) -> {
    try (permit; connection) {
      connection.getOutputStream().write(GREETING);
    } catch (IOException ignored) {
      // The client went away; nothing to greet.
    }
  };

  private static Listener listener(ServerSocket socket, Listener.Acceptor acceptor, Listener.AcceptBackoff backoff) {
    return listener(socket, acceptor, backoff, new ConnectionPermits(10, 10), GREETER);
  }

  private static Listener listener(ServerSocket socket, Listener.Acceptor acceptor, Listener.AcceptBackoff backoff,
      ConnectionPermits permits, Listener.ConnectionHandler handler) {
    return new Listener("relay", ListenerRole.RELAY, socket, acceptor, backoff, permits, (refusal, client) -> new byte[0], handler);
  }

  private static String greetingOf(int port) throws IOException {
    try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
      client.setSoTimeout(10_000);
      return new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void acceptFailingWithEmfileIsLoggedOncePerBurstAndTheNextClientIsGreeted() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        CapturedLogs logs = CapturedLogs.of(Listener.class)) {
      ExhaustedDescriptors exhausted = new ExhaustedDescriptors(socket, 40);
      try (Listener listener = listener(socket, exhausted, new Listener.AcceptBackoff(Duration.ofMillis(1), Duration.ofMillis(4)))) {
        listener.start();

        // The client waits in the backlog while accept() fails, then is taken and greeted.
        assertThat(greetingOf(listener.port())).isEqualTo("220 listener.test ready");
        assertThat(greetingOf(listener.port())).isEqualTo("220 listener.test ready");
      }

      assertThat(exhausted.calls.get()).isGreaterThan(40);
      assertThat(logs.at(Level.ERROR)).singleElement().satisfies(line -> assertThat(line.message())
          .contains("listener relay cannot accept connections", "Too many open files"));
      assertThat(logs.at(Level.WARN)).singleElement().satisfies(line -> assertThat(line.message())
          .contains("listener relay accepting again after 40 failed accept() calls"));
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void acceptFailingWithoutEndBacksOffInsteadOfSpinning() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        CapturedLogs logs = CapturedLogs.of(Listener.class)) {
      ExhaustedDescriptors exhausted = new ExhaustedDescriptors(socket, Integer.MAX_VALUE);
      try (Listener listener = listener(socket, exhausted, Listener.AcceptBackoff.DEFAULT)) {
        listener.start();
        Thread.sleep(1_600); // the failure lasting: 50 + 100 + 200 + 400 + 800 ms of pauses
      }

      // A spinning loop would have made millions of calls in 1.6 s, the old fixed 100 ms pause 16.
      assertThat(exhausted.calls.get()).isBetween(2, 7);
      assertThat(logs.at(Level.ERROR)).hasSize(1);
      assertThat(Listener.AcceptBackoff.DEFAULT.after(1)).isEqualTo(Duration.ofMillis(50));
      assertThat(Listener.AcceptBackoff.DEFAULT.after(40)).isEqualTo(Duration.ofSeconds(1));
    }
  }

  /** The clock the per-minute connection counter reads; throws once when armed, as a bug there would. */
  private static final class FaultyClock extends java.time.Clock {
    final java.util.concurrent.atomic.AtomicBoolean isArmed = new java.util.concurrent.atomic.AtomicBoolean();

    @Override
    public java.time.Instant instant() {
      if (isArmed.compareAndSet(true, false)) {
        throw new IllegalStateException("injected bug in admitting a connection");
      }
      return java.time.Instant.now();
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aBugAdmittingOneConnectionDropsThatClientAndTheNextIsGreeted() throws Exception {
    FaultyClock clock = new FaultyClock();
    ConnectionPermits permits = new ConnectionPermits(10, 10, 100, clock);
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        CapturedLogs logs = CapturedLogs.of(Listener.class);
        Listener listener = listener(socket, socket::accept, Listener.AcceptBackoff.DEFAULT, permits, GREETER)) {
      listener.start();
      clock.isArmed.set(true);

      assertThat(greetingOf(listener.port())).as("dropped: closed without a word").isNull();
      assertThat(greetingOf(listener.port())).isEqualTo("220 listener.test ready");
      assertThat(logs.at(Level.ERROR)).singleElement().satisfies(line -> {
        assertThat(line.message()).startsWith("listener relay dropped a connection from /127.0.0.1");
        assertThat(line.throwable()).contains("injected bug in admitting a connection");
      });
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aHandlerThatFailsGivesBackItsSocketAndItsPermit() throws Exception {
    AtomicInteger handled = new AtomicInteger();
    Listener.ConnectionHandler failsFirst = (connection, permit) -> {
      if (handled.incrementAndGet() == 1) {
        throw new IllegalStateException("injected bug in a handler");
      }
      GREETER.handle(connection, permit);
    };
    // One connection per client at a time: a permit kept by the failed handler would refuse the next.
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        CapturedLogs logs = CapturedLogs.of(Listener.class);
        Listener listener = listener(socket, socket::accept, Listener.AcceptBackoff.DEFAULT, new ConnectionPermits(10, 1), failsFirst)) {
      listener.start();

      assertThat(greetingOf(listener.port())).as("closed, not left open").isNull();
      assertThat(greetingOf(listener.port())).isEqualTo("220 listener.test ready");
      assertThat(logs.at(Level.ERROR)).singleElement()
          .satisfies(line -> assertThat(line.throwable()).contains("injected bug in a handler"));
    }
  }
}
