package dev.hikyaku.defence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.events.Event;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.testing.SettableClock;
import dev.hikyaku.testing.TestServers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directory harvesting on the relay port, over real sockets from several loopback networks
 * (127.0.X.0/24 are different /24 networks to the server), with the fast abuse settings (tarpit
 * 10 ms doubling to 200 ms) and a harvest threshold of 5 distinct unknown recipients per hour.
 */
class DirectoryHarvestTest {

  private static final int THRESHOLD = 5;
  private static final String KNOWN = "alice@hikyaku.test";

  @TempDir Path data;
  private Server server;
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final SettableClock clock = new SettableClock(Instant.parse("2026-11-23T10:00:00Z"));

  @BeforeEach
  void start() throws Exception {
    HikyakuConfig base = TestServers.config(data);
    HikyakuConfig config = base.withRecipients(base.recipients().withHarvestThreshold(THRESHOLD));
    server = Server.start(config, UnaryOperator.identity(), List.of(events::add), clock);
    TestServers.createMailboxes(server, KNOWN);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void guessingLocalPartsIsSlowedThenTheNetworkIsBlockedAndReported() throws Exception {
    List<Duration> waits = new java.util.ArrayList<>();
    try (Client harvester = new Client("127.0.5.5")) {
      harvester.mailFrom("probe@client.example");
      for (int i = 1; i <= THRESHOLD; i++) {
        long started = System.nanoTime();
        assertThat(harvester.command("RCPT TO:<guess" + i + "@hikyaku.test>"))
            .isEqualTo("550 5.1.1 <guess" + i + "@hikyaku.test>: Recipient address rejected: User unknown");
        waits.add(Duration.ofNanos(System.nanoTime() - started));
      }
    }
    // The first two cost nothing (typos happen); then 10, 20, 40 ms: the tarpit doubles.
    assertThat(waits.get(2)).isGreaterThanOrEqualTo(Duration.ofMillis(10));
    assertThat(waits.get(3)).isGreaterThanOrEqualTo(Duration.ofMillis(20));
    assertThat(waits.get(4)).isGreaterThanOrEqualTo(Duration.ofMillis(40));

    assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(Event.AttackSuspected.class, a -> {
      assertThat(a.kind()).isEqualTo("directory-harvest");
      assertThat(a.detail()).isEqualTo("127.0.5.5 asked for 5 unknown recipients within an hour");
    }));
    assertThat(blocks()).singleElement().satisfies(b -> {
      assertThat(b.scope()).isEqualTo("net24");
      assertThat(b.subject()).isEqualTo("127.0.5.0/24");
      assertThat(b.until()).isEqualTo(clock.instant().plus(server.config().abuse().blockDuration()));
      assertThat(b.reason()).contains("directory harvest");
    });
    // The audit log has both lines, for the operator and for fail2ban.
    String audit = Files.readString(data.resolve("audit.log"));
    assertThat(audit).contains("\"event\":\"attack_suspected\",\"kind\":\"directory-harvest\"");
    assertThat(audit).contains("\"event\":\"client_blocked\",\"scope\":\"net24\",\"subject\":\"127.0.5.0/24\"");
    assertThat(audit).contains("\"event\":\"recipient_rejected\"").contains("\"rule\":\"recipients\"");

    // Every address of the network is refused at the greeting now; other networks are not.
    try (Client neighbour = new Client("127.0.5.77")) {
      assertThat(neighbour.greeting()).startsWith("421 4.7.0 ").contains("blocked until");
    }
    try (Client other = new Client("127.0.6.6")) {
      other.mailFrom("someone@client.example");
      assertThat(other.command("RCPT TO:<" + KNOWN + ">")).isEqualTo("250 2.1.5 Ok");
    }
  }

  @Test
  void oneStaleAddressAskedForAgainAndAgainIsNoHarvest() throws Exception {
    for (int connection = 0; connection < 2; connection++) {
      try (Client list = new Client("127.0.7.7")) {
        list.mailFrom("list@client.example");
        for (int i = 0; i < THRESHOLD; i++) {
          assertThat(list.command("RCPT TO:<left-years-ago@hikyaku.test>")).startsWith("550 5.1.1 ");
        }
        assertThat(list.command("RCPT TO:<" + KNOWN + ">")).isEqualTo("250 2.1.5 Ok");
      }
    }
    assertThat(blocks()).isEmpty();
    assertThat(events).noneMatch(Event.AttackSuspected.class::isInstance);
  }

  @Test
  void anAuthenticatedUsersTyposAreRefusedButNotCountedAsHarvest() throws Exception {
    String password = "a pass phrase long enough for any policy 7";
    TestServers.createAccount(server, "bob@hikyaku.test", password);
    var client = TestServers.submissionClient(server, "bob@hikyaku.test", password);
    try {
      assertThat(client.setSender("bob@hikyaku.test")).isTrue();
      // No tarpit either (RecipientRuleTest): the account is accountable and rate-limited already.
      for (int i = 1; i <= THRESHOLD + 1; i++) {
        assertThat(client.addRecipient("colleague" + i + "@hikyaku.test")).isFalse();
        assertThat(client.getReplyString()).startsWith("550 5.1.1 <colleague" + i + "@hikyaku.test>: ");
      }
      assertThat(client.addRecipient(KNOWN)).isTrue();
    } finally {
      client.disconnect();
    }
    assertThat(blocks()).isEmpty();
  }

  private List<Event.ClientBlocked> blocks() {
    return events.stream().filter(Event.ClientBlocked.class::isInstance).map(Event.ClientBlocked.class::cast).toList();
  }

  /** A plain SMTP client on the relay port, bound to {@code from}; reads one reply per command. */
  private final class Client implements AutoCloseable {
    private final Socket socket = new Socket();
    private final BufferedReader in;
    private final OutputStream out;
    private final String greeting;

    Client(String from) throws IOException {
      socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      socket.connect(new InetSocketAddress("127.0.0.1", server.port(ListenerRole.RELAY)), 5_000);
      socket.setSoTimeout(10_000);
      in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      out = socket.getOutputStream();
      greeting = reply();
    }

    String greeting() {
      return greeting;
    }

    void mailFrom(String sender) throws IOException {
      assertThat(greeting).startsWith("220 ");
      assertThat(command("EHLO client.example")).startsWith("250 ");
      assertThat(command("MAIL FROM:<" + sender + ">")).startsWith("250 ");
    }

    /** The last line of the reply to {@code line}. */
    String command(String line) throws IOException {
      out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return reply();
    }

    private String reply() throws IOException {
      String line = in.readLine();
      while (line != null && line.length() > 3 && line.charAt(3) == '-') {
        line = in.readLine();
      }
      return line;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
