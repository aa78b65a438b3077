package dev.hikyaku.session;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.hikyaku.app.Server;
import dev.hikyaku.app.StoreSenderRegistry;
import dev.hikyaku.auth.AuthThrottle;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.ListenerConfig;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.net.ConnectionPermits;
import dev.hikyaku.net.Listener;
import dev.hikyaku.net.SocketTransport;
import dev.hikyaku.net.TlsContexts;
import dev.hikyaku.policy.PolicyChain;
import dev.hikyaku.policy.RecipientCheck;
import dev.hikyaku.policy.Rule;
import dev.hikyaku.policy.Verdict;
import dev.hikyaku.store.Store;
import dev.hikyaku.testing.RelayClient;
import dev.hikyaku.testing.TestServers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.slf4j.LoggerFactory;

/**
 * Fault injection in a session (issue 14): a bug (a RuntimeException) in the middle of a
 * conversation over a real socket. The client hears exactly 421 4.3.0 and the connection closes
 * (it keeps, and retries, whatever it has no 250 for); the trace goes to the log, not to the
 * client; the transaction that was under way leaves nothing in the queue; the listener goes on
 * serving the next client.
 */
@ResourceLock(TestServers.CAPTURED_LOGS)
class SessionBugTest {

  private static final String BUG_RECIPIENT = "bug@" + TestServers.HOSTED_DOMAIN;
  private static final String RECIPIENT = "bob@" + TestServers.HOSTED_DOMAIN;
  private static final String DEEP_RECIPIENT = "deep@" + TestServers.HOSTED_DOMAIN;
  private static final String BUG_TEXT = "injected bug at RCPT, internal detail 7f3a";

  /** The fault: a rule with a bug that fires on one recipient; every other address it lets through. */
  private static final Rule BUGGY_RULE = new Rule() {
    @Override
    public String name() {
      return "buggy";
    }

    @Override
    public Verdict onRecipient(RecipientCheck check) {
      if (check.recipient().toString().contains(BUG_RECIPIENT)) {
        throw new IllegalStateException(BUG_TEXT);
      }
      if (check.recipient().toString().contains(DEEP_RECIPIENT)) {
        return recurse(check);
      }
      return Verdict.CONTINUE;
    }

    /** A recursion without a base case, as a parser on hostile nesting could have. */
    private Verdict recurse(RecipientCheck check) {
      Verdict verdict = recurse(check);
      return verdict == null ? Verdict.CONTINUE : verdict;
    }
  };

  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  @TempDir Path data;
  private Store store;
  private TlsContexts tls;
  private AuthThrottle throttle;
  private Listener listener;

  /** The server's own intake and session over a real listener; the policy is the buggy rule alone. */
  @BeforeEach
  void start() throws Exception {
    HikyakuConfig config = TestServers.config(data);
    store = Store.openSqlite(data, Clock.systemUTC());
    TestServers.createMailbox(store, RECIPIENT);
    tls = TlsContexts.selfSigned(TestServers.HOSTNAME, data.resolve("tls"), Duration.ZERO);
    Events published = new Events(List.of(events::add));
    throttle = Server.throttle(config, store, published, Clock.systemUTC());
    SessionServices services = new SessionServices(
        new PolicyChain(List.of(BUGGY_RULE)),
        Server.intake(config, store, new StoreSenderRegistry(store.accounts()), published, Clock.systemUTC(), new SecureRandom()),
        Server.authenticator(config, store, Optional.of(throttle), Clock.systemUTC(), new SecureRandom()),
        throttle, published, Clock.systemUTC(), new Sessions());
    ListenerConfig relay = config.listeners().getFirst();
    SessionSettings settings = Server.settingsFor(config, relay);
    AtomicLong sessions = new AtomicLong();
    listener = Listener.bind(relay.name(), relay.role(), InetAddress.getLoopbackAddress(), 0, new ConnectionPermits(10, 10),
        (refusal, client) -> new byte[0],
        (socket, permit) -> {
          try (permit) {
            new SmtpSession("bug-" + sessions.incrementAndGet(), new SocketTransport(socket, tls, settings.commandTimeout()), settings, services)
                .run();
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(SmtpSession.class)).addAppender(log);
    log.list = new CopyOnWriteArrayList<>();
    log.start();
    listener.start();
  }

  @AfterEach
  void stop() {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(SmtpSession.class)).detachAppender(log);
    listener.close();
    tls.close();
    throttle.close(); // before the store: its keeper would go on reading and saving to a closed one
    store.close();
  }

  /** A client that writes command lines and reads whole replies (the last line of multi-line ones). */
  private record Dialogue(BufferedReader in, OutputStream out) {
    String reply() throws IOException {
      String line;
      do {
        line = in.readLine();
      } while (line != null && line.length() > 3 && line.charAt(3) == '-');
      return line;
    }

    String say(String command) throws IOException {
      out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return reply();
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aBugInASessionAnswers421AndClosesAndTheNextClientIsServed() throws Exception {
    String acknowledged;
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
      Dialogue client = greeted(socket);
      // A first transaction gets its 250 before the bug.
      assertThat(client.say("MAIL FROM:<a@client.example>")).startsWith("250 ");
      assertThat(client.say("RCPT TO:<" + RECIPIENT + ">")).startsWith("250 ");
      assertThat(client.say("DATA")).startsWith("354 ");
      acknowledged = client.say("Subject: first\r\n\r\nacknowledged before the bug\r\n.");
      assertThat(acknowledged).startsWith("250 2.0.0 Ok: queued as ");
      // The second is under way when the bug strikes.
      assertThat(client.say("MAIL FROM:<a@client.example>")).startsWith("250 ");
      assertThat(client.say("RCPT TO:<" + RECIPIENT + ">")).startsWith("250 ");

      assertThat(client.say("RCPT TO:<" + BUG_RECIPIENT + ">"))
          .isEqualTo("421 4.3.0 " + TestServers.HOSTNAME + " Error: internal error, closing connection");
      assertThat(client.in().readLine()).as("the server closed the connection").isNull();
    }
    String firstId = RelayClient.queueIdOf(acknowledged);
    assertThat(RelayClient.queuedIds(store)).containsExactly(firstId);

    // The bug is in the log with its trace, and in the close event; the client was told nothing of it.
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> events.stream().anyMatch(event -> event instanceof Event.ConnectionClosed));
    assertThat(log.list).filteredOn(line -> line.getLevel() == Level.ERROR).singleElement().satisfies(line -> {
      assertThat(line.getFormattedMessage()).isEqualTo("session bug-1 ended by a bug");
      assertThat(line.getThrowableProxy().getMessage()).isEqualTo(BUG_TEXT);
    });
    assertThat(events).filteredOn(event -> event instanceof Event.ConnectionClosed).singleElement()
        .satisfies(event -> assertThat(((Event.ConnectionClosed) event).reason()).startsWith("bug: java.lang.IllegalStateException"));

    String next = RelayClient.send(listener.port(), "c@client.example", RECIPIENT, "Subject: next\r\n\r\nafter the bug\r\n");
    assertThat(RelayClient.queuedIds(store)).containsExactly(firstId, RelayClient.queueIdOf(next));
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aStackOverflowInASessionAnswers421AndTheNextClientIsServed() throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
      Dialogue client = greeted(socket);
      assertThat(client.say("MAIL FROM:<a@client.example>")).startsWith("250 ");
      assertThat(client.say("RCPT TO:<" + DEEP_RECIPIENT + ">"))
          .isEqualTo("421 4.3.0 " + TestServers.HOSTNAME + " Error: internal error, closing connection");
      assertThat(client.in().readLine()).as("the server closed the connection").isNull();
    }
    // The close event follows the close of the socket the client saw.
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> events.stream().anyMatch(event -> event instanceof Event.ConnectionClosed));
    assertThat(events).filteredOn(event -> event instanceof Event.ConnectionClosed).singleElement()
        .satisfies(event -> assertThat(((Event.ConnectionClosed) event).reason()).startsWith("bug: java.lang.StackOverflowError"));
    String next = RelayClient.send(listener.port(), "c@client.example", RECIPIENT, "Subject: next\r\n\r\nafter the bug\r\n");
    assertThat(RelayClient.queuedIds(store)).containsExactly(RelayClient.queueIdOf(next));
  }

  private static Dialogue greeted(Socket socket) throws Exception {
    socket.setSoTimeout(10_000);
    Dialogue client = new Dialogue(
        new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)), socket.getOutputStream());
    assertThat(client.reply()).startsWith("220 ");
    assertThat(client.say("EHLO client.example")).startsWith("250 ");
    return client;
  }
}
