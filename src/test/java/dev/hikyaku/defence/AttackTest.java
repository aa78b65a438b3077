package dev.hikyaku.defence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.app.Server;
import dev.hikyaku.config.AbuseConfig;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Event.AuthAttempt.Kind;
import dev.hikyaku.events.Event.AuthAttempt.Result;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.testing.SettableClock;
import dev.hikyaku.testing.TestServers;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.SMTPConnectionClosedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on a running server over real sockets, from several loopback networks (127.0.X.0/24 are
 * different /24 networks to the server). The owner always logs in from 127.0.1.1, a network she has
 * used before; attackers come from elsewhere. Each test states the attacker's budget of guesses.
 */
class AttackTest {

  private static final String OWNER = "alice@hikyaku.test";
  private static final String PASSWORD = "a pass phrase long enough for any policy 7";
  private static final String OWNER_HOME = "127.0.1.1";

  @TempDir Path data;
  private Server server;
  private SSLContext trust;
  private final List<Event> events = new CopyOnWriteArrayList<>();
  // Frozen at the start of a minute, so the per-minute stuffing window holds the whole attack.
  private final SettableClock clock =
      new SettableClock(Instant.ofEpochSecond((Instant.now().getEpochSecond() / 60) * 60 + 1));

  private void start(UnaryOperator<AbuseConfig> abuse) throws Exception {
    HikyakuConfig base = TestServers.config(data);
    HikyakuConfig config = base.withAbuse(abuse.apply(base.abuse()));
    server = Server.start(config, UnaryOperator.identity(), List.of(events::add), clock);
    trust = TestServers.clientTrusting(server.tls().currentCertificate());
    TestServers.createAccount(server, OWNER, PASSWORD);
    assertThat(login(OWNER_HOME, OWNER, PASSWORD)).as("the owner's first login makes her network known").startsWith("235 ");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** One connection from {@code from}: STARTTLS, AUTH PLAIN; returns the reply that decided it. */
  private String login(String from, String user, String password) throws Exception {
    AuthenticatingSMTPClient client = new AuthenticatingSMTPClient(false, trust);
    client.setDefaultTimeout(30_000);
    try {
      client.connect(InetAddress.getByName("127.0.0.1"), server.port(ListenerRole.SUBMISSION), InetAddress.getByName(from), 0);
    } catch (SMTPConnectionClosedException refused) {
      return client.getReplyString() == null ? refused.getMessage() : client.getReplyString().strip();
    }
    try {
      startTls(client);
      return auth(client, user, password);
    } catch (SMTPConnectionClosedException closed) {
      return client.getReplyString().strip();
    } finally {
      disconnect(client);
    }
  }

  /** STARTTLS and EHLO again: ready for AUTH (RFC 4954 §4: not before TLS on submission). */
  private static void startTls(AuthenticatingSMTPClient client) throws Exception {
    client.ehlo("client.example");
    assertThat(client.execTLS()).isTrue();
    client.ehlo("client.example");
  }

  /** AUTH PLAIN on an open connection; returns the reply, also when the server closed after it. */
  private static String auth(AuthenticatingSMTPClient client, String user, String password) throws Exception {
    try {
      client.auth(AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, user, password);
    } catch (SMTPConnectionClosedException closed) {
      // A 421: the reply is read, then the connection is gone.
    }
    return client.getReplyString().strip();
  }

  /** The first line the server sends to a connection from {@code from}. */
  private String greeting(String from) throws Exception {
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.bind(new java.net.InetSocketAddress(InetAddress.getByName(from), 0));
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", server.port(ListenerRole.SUBMISSION)), 5_000);
      socket.setSoTimeout(10_000);
      return new java.io.BufferedReader(
              new java.io.InputStreamReader(socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII))
          .readLine();
    }
  }

  private static void disconnect(AuthenticatingSMTPClient client) {
    try {
      client.disconnect();
    } catch (IOException ignored) {
      // Already closed by the server.
    }
  }

  /** The AUTH attempts recorded since {@code mark}, once there are {@code count} of them. */
  private List<Event.AuthAttempt> authAttemptsSince(int mark, int count) {
    // A refusal that closes the connection is published after its reply: the client may be first.
    await().atMost(Duration.ofSeconds(10)).until(() -> authAttemptsSince(mark).size() >= count);
    return authAttemptsSince(mark);
  }

  private List<Event.AuthAttempt> authAttemptsSince(int mark) {
    List<Event> all = List.copyOf(events); // a snapshot: sessions still publish (ConnectionClosed)
    return all.subList(mark, all.size()).stream()
        .filter(Event.AuthAttempt.class::isInstance)
        .map(Event.AuthAttempt.class::cast)
        .toList();
  }

  private List<Event.ClientBlocked> blocks() {
    return events.stream().filter(Event.ClientBlocked.class::isInstance).map(Event.ClientBlocked.class::cast).toList();
  }

  @Test
  void bruteForceOnOneAccountIsBlockedForTheAttackingNetworkOnly() throws Exception {
    start(UnaryOperator.identity());
    int guesses = 0;
    while (blocks().isEmpty() && guesses < 50) {
      assertThat(login("127.0.2.2", OWNER, "guess number " + guesses)).startsWith("535 5.7.8 ");
      guesses++;
    }
    assertThat(guesses).as("guesses before the account is blocked for the attacker's /24").isEqualTo(10);
    assertThat(blocks()).singleElement().satisfies(b -> {
      assertThat(b.scope()).isEqualTo("account-from-source");
      assertThat(b.subject()).isEqualTo(OWNER + " from 127.0.2.0/24");
    });
    // Even the right password is refused from the attacking network now; the reply is the same.
    assertThat(login("127.0.2.7", OWNER, PASSWORD)).startsWith("535 5.7.8 ");
    // The owner, from her known network, is not locked out.
    assertThat(login(OWNER_HOME, OWNER, PASSWORD)).startsWith("235 2.7.0 ");
    // Budget: 10 guesses per attacking /24 per block-duration (1h) = 240 per network per day; see
    // the next test for the cap across networks.
  }

  @Test
  void manyNetworksHitTheHourlyCapAndTheOwnerStillGetsIn() throws Exception {
    start(a -> a.toBuilder().accountFailuresPerHour(20).stuffingMinimum(1000).build());
    int guesses = 0;
    // Seven guesses from each of several networks: under the per-network threshold of 10.
    for (int network = 20; blocks().stream().noneMatch(b -> b.scope().equals("account")) && network < 40; network++) {
      for (int i = 0; i < 7 && blocks().stream().noneMatch(b -> b.scope().equals("account")); i++) {
        assertThat(login("127.0." + network + ".1", OWNER, "guess " + network + "/" + i)).startsWith("535 5.7.8 ");
        guesses++;
      }
    }
    assertThat(guesses).as("failures per account per hour from unknown networks (config: 20; NIST cap 100)").isEqualTo(20);
    assertThat(login("127.0.99.1", OWNER, PASSWORD)).as("a new network, even with the password").startsWith("535 5.7.8 ");
    assertThat(login(OWNER_HOME, OWNER, PASSWORD)).startsWith("235 2.7.0 ");
    assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(Event.AttackSuspected.class,
        a -> assertThat(a.kind()).isEqualTo("brute-force")));
    // Budget with the defaults: at most 100 failures per account per hour across all networks the
    // owner never used = 2400 guesses per day, each costing the attacker a growing tarpit.
  }

  @Test
  void distributedGuessingIsHeldBackWhileTheOwnerGetsInAtOnce() throws Exception {
    Duration accountTarpit = Duration.ofSeconds(5);
    start(a -> a.toBuilder().accountTarpitMax(accountTarpit).build());
    int mark = events.size();
    // A botnet's burst: forty connections at once, each from a /24 of its own, one guess each. No
    // network, and not the account (100 an hour), reaches a threshold of its own.
    List<Future<String>> attempts = new ArrayList<>();
    try (var pool = Executors.newFixedThreadPool(40)) {
      for (int i = 1; i <= 40; i++) {
        String from = "127.0." + (100 + i) + ".1";
        attempts.add(pool.submit(() -> login(from, OWNER, "guess from " + from)));
      }
      for (Future<String> attempt : attempts) {
        assertThat(attempt.get()).startsWith("535 5.7.8 ");
      }
    }
    assertThat(authAttemptsSince(mark, 40))
        .as("ten checked, then the eleventh's turn; the rest refused unchecked, with the same reply")
        .filteredOn(a -> a.reason().startsWith("account under distributed guessing"))
        .hasSize(29);
    assertThat(events).filteredOn(e -> e instanceof Event.AttackSuspected a && a.kind().equals("distributed-guessing"))
        .as("one event, not one per failure").hasSize(1);
    assertThat(blocks()).isEmpty();

    // The owner at home is checked at once: 235, without waiting for the account's tarpit.
    long started = System.nanoTime();
    assertThat(login(OWNER_HOME, OWNER, PASSWORD)).startsWith("235 2.7.0 ");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(accountTarpit);
    // From a network the account never used, even the password waits its turn (the clock stands
    // still here, so the turn never comes): refused unchecked, after the account's tarpit.
    started = System.nanoTime();
    assertThat(login("127.0.99.1", OWNER, PASSWORD)).startsWith("535 5.7.8 ");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(accountTarpit);
    // Budget: see DistributedGuessingTest; 22 checked guesses an hour whatever the number of networks.
  }

  @Test
  void passwordSprayingBlocksTheSource() throws Exception {
    start(UnaryOperator.identity());
    for (int i = 0; i < 10; i++) {
      assertThat(login("127.0.3.3", "user" + i + "@hikyaku.test", "Summer2026!")).startsWith("535 5.7.8 ");
    }
    assertThat(blocks()).anySatisfy(b -> {
      assertThat(b.scope()).isEqualTo("ip");
      assertThat(b.subject()).isEqualTo("127.0.3.3");
    });
    assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(Event.AttackSuspected.class,
        a -> assertThat(a.kind()).isEqualTo("password-spraying")));
    // The sprayer is refused at the greeting; the owner is not.
    assertThat(greeting("127.0.3.3")).startsWith("421 4.7.0 ").contains("blocked until");
    assertThat(login(OWNER_HOME, OWNER, PASSWORD)).startsWith("235 2.7.0 ");
    // Budget: one address tries at most 10 accounts (one guess each) per hour before it is blocked.
  }

  @Test
  void sprayingSpreadOverOneNetworkBlocksTheNetwork() throws Exception {
    start(UnaryOperator.identity());
    // Three accounts from each of ten addresses in 127.0.8.0/24: no address reaches 10 accounts.
    for (int host = 1; host <= 10; host++) {
      for (int i = 0; i < 3; i++) {
        assertThat(login("127.0.8." + host, "user" + host + "-" + i + "@hikyaku.test", "Winter2026!")).startsWith("535 5.7.8 ");
      }
    }
    assertThat(blocks()).anySatisfy(b -> {
      assertThat(b.scope()).isEqualTo("net24");
      assertThat(b.subject()).isEqualTo("127.0.8.0/24");
    });
    assertThat(greeting("127.0.8.99")).startsWith("421 4.7.0 ");
    assertThat(login(OWNER_HOME, OWNER, PASSWORD)).startsWith("235 2.7.0 ");
    // Budget: one /24 tries at most 30 accounts per hour before the whole network is blocked.
  }

  @Test
  void credentialStuffingFromManySourcesRaisesTheAlarmAndSlowsFailures() throws Exception {
    start(a -> a.toBuilder().stuffingFactor(10).stuffingMinimum(30).build());
    // 40 sources, one leaked pair each: no address, network or account reaches its own threshold.
    List<Future<String>> attempts = new ArrayList<>();
    try (var pool = Executors.newFixedThreadPool(4)) {
      for (int i = 1; i <= 40; i++) {
        String from = "127.0." + (100 + i) + ".1";
        String user = "leaked" + i + "@hikyaku.test";
        attempts.add(pool.submit(() -> login(from, user, "password-from-a-breach")));
      }
      for (Future<String> attempt : attempts) {
        assertThat(attempt.get()).startsWith("535 5.7.8 ");
      }
    }
    assertThat(blocks()).as("no single source or account crossed its threshold").isEmpty();
    assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(Event.AttackSuspected.class,
        a -> assertThat(a.kind()).isEqualTo("credential-stuffing")));
    // During the surge every failure waits the extra stuffing delay; the owner is not slowed.
    long started = System.nanoTime();
    assertThat(login("127.0.200.1", "leaked-late@hikyaku.test", "password-from-a-breach")).startsWith("535 5.7.8 ");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
    assertThat(login(OWNER_HOME, OWNER, PASSWORD)).startsWith("235 2.7.0 ");
  }

  @Test
  void blocksAndCountersSurviveARestart() throws Exception {
    start(UnaryOperator.identity());
    for (int i = 0; i < 10; i++) {
      login("127.0.2.2", OWNER, "guess " + i);
    }
    assertThat(blocks()).hasSize(1);
    for (int i = 0; i < 5; i++) {
      login("127.0.7.7", OWNER, "guess " + i); // counted, not yet blocked
    }
    server.close();
    server = Server.start(server.config(), UnaryOperator.identity(), List.of(events::add), clock);
    trust = TestServers.clientTrusting(server.tls().currentCertificate());
    assertThat(login("127.0.2.2", OWNER, PASSWORD)).as("the block outlived the restart").startsWith("535 5.7.8 ");
    events.clear();
    for (int i = 5; i < 10; i++) {
      login("127.0.7.7", OWNER, "guess " + i);
    }
    assertThat(blocks()).as("the five failures before the restart still counted").singleElement()
        .satisfies(b -> assertThat(b.subject()).isEqualTo(OWNER + " from 127.0.7.0/24"));
    assertThat(login(OWNER_HOME, OWNER, PASSWORD)).startsWith("235 2.7.0 ");
  }

  @Test
  void authOverTheRateIsRefusedAndRecordedAsRateLimited() throws Exception {
    start(a -> a.toBuilder().authPerMinute(2).build());
    // start() logged the owner in once this minute: the second AUTH is within the rate of 2, the third is not.
    assertThat(login(OWNER_HOME, OWNER, PASSWORD)).startsWith("235 2.7.0 ");
    int mark = events.size();
    assertThat(login(OWNER_HOME, OWNER, PASSWORD)).startsWith("421 4.7.0 ");
    assertThat(authAttemptsSince(mark, 1)).singleElement().satisfies(a -> {
      assertThat(a.result()).isEqualTo(new Result(Kind.RATE_LIMITED, 421, EnhancedStatus.of(4, 7, 0)));
      assertThat(a.reason()).isEqualTo("over the AUTH rate for this address");
    });
  }

  @Test
  void aConnectionOpenedBeforeItsSourceWasBlockedIsRefusedAtAuthAndRecordedAsBlocked() throws Exception {
    start(UnaryOperator.identity());
    AuthenticatingSMTPClient early = new AuthenticatingSMTPClient(false, trust);
    early.setDefaultTimeout(30_000);
    early.connect(
        InetAddress.getByName("127.0.0.1"), server.port(ListenerRole.SUBMISSION), InetAddress.getByName("127.0.3.3"), 0);
    try {
      startTls(early);
      for (int i = 0; i < 10; i++) {
        assertThat(login("127.0.3.3", "user" + i + "@hikyaku.test", "Summer2026!")).startsWith("535 5.7.8 ");
      }
      assertThat(blocks()).anySatisfy(b -> assertThat(b.subject()).isEqualTo("127.0.3.3"));
      int mark = events.size();
      assertThat(auth(early, OWNER, PASSWORD)).startsWith("421 4.7.0 ").contains("blocked until");
      assertThat(authAttemptsSince(mark, 1)).singleElement().satisfies(a -> {
        assertThat(a.result()).isEqualTo(new Result(Kind.BLOCKED, 421, EnhancedStatus.of(4, 7, 0)));
        assertThat(a.account()).as("refused before the client named one").isEmpty();
        assertThat(a.reason()).startsWith("source blocked: ");
      });
    } finally {
      disconnect(early);
    }
  }
}
