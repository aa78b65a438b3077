package dev.hikyaku.defence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.app.AdminCommandLine;
import dev.hikyaku.app.Server;
import dev.hikyaku.config.ConfigLoader;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.RateConfig;
import dev.hikyaku.events.Event;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.testing.TestServers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.SMTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anvil-style rates and quotas, compromised-account suspension, and the admin commands that lift
 * blocks and suspensions, against a running server over real sockets.
 */
class RatesAndSuspensionTest {

  private static final String OWNER = "alice@hikyaku.test";
  private static final String PASSWORD = "a pass phrase long enough for any policy 7";

  @TempDir Path data;
  private Server server;
  private SSLContext trust;
  private final List<Event> events = new CopyOnWriteArrayList<>();
  // The windows are per minute and per hour, aligned to the epoch: a clock that stands at the start
  // of an hour keeps every count of a test in one window, whenever the test runs.
  private final dev.hikyaku.testing.SettableClock clock =
      new dev.hikyaku.testing.SettableClock(java.time.Instant.ofEpochSecond((java.time.Instant.now().getEpochSecond() / 3600) * 3600 + 1));

  private void start(RateConfig rates) throws Exception {
    HikyakuConfig config = TestServers.config(data).withRates(rates);
    server = Server.start(config, UnaryOperator.identity(), List.of(events::add), clock);
    trust = TestServers.clientTrusting(server.tls().currentCertificate());
    if (server.store().accounts().find(OWNER).isEmpty()) {
      TestServers.createAccount(server, OWNER, PASSWORD);
    }
  }

  private static RateConfig rates(int connections, int messages, int recipients, int accountHour, int volumeMinimum) {
    return ConfigLoader.defaults().rates().toBuilder()
        .connectionsPerMinute(connections)
        .messagesPerMinute(messages)
        .recipientsPerMinute(recipients)
        .accountMessagesPerMinute(1000)
        .accountRecipientsPerMinute(1000)
        .accountMessagesPerHour(accountHour)
        .accountMessagesPerDay(10_000)
        .suspendVolumeFactor(10)
        .suspendVolumeMinimum(volumeMinimum)
        .suspendNewDomains(100)
        .build();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private String greeting(String from) throws IOException {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      socket.connect(new InetSocketAddress("127.0.0.1", server.port(ListenerRole.RELAY)), 5_000);
      socket.setSoTimeout(10_000);
      return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }
  }

  @Test
  void connectionMessageAndRecipientRatesPerAddress() throws Exception {
    start(rates(3, 2, 3, 1000, 1000));
    for (int i = 0; i < 3; i++) {
      assertThat(greeting("127.0.0.21")).startsWith("220 ");
    }
    assertThat(greeting("127.0.0.21")).isEqualTo("421 4.7.0 mx.hikyaku.test Error: too many connections per minute from your address");
    assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(Event.ConnectionRefused.class,
        r -> assertThat(r.reason()).isEqualTo("CLIENT_RATE")));

    SMTPClient client = new SMTPClient();
    client.setDefaultTimeout(10_000);
    client.connect(InetAddress.getByName("127.0.0.1"), server.port(ListenerRole.RELAY), InetAddress.getByName("127.0.0.22"), 0);
    try {
      client.login("client.example");
      for (int i = 0; i < 2; i++) {
        assertThat(client.setSender("a@client.example")).isTrue();
        client.reset();
      }
      assertThat(client.setSender("a@client.example")).isFalse();
      assertThat(client.getReplyString()).startsWith("450 4.7.1 Message rate limit reached for 127.0.0.22: 2 per minute");
    } finally {
      client.disconnect();
    }

    TestServers.createMailboxes(server, "user0@hikyaku.test", "user1@hikyaku.test", "user2@hikyaku.test", "user3@hikyaku.test");
    client.connect(InetAddress.getByName("127.0.0.1"), server.port(ListenerRole.RELAY), InetAddress.getByName("127.0.0.23"), 0);
    try {
      client.login("client.example");
      assertThat(client.setSender("a@client.example")).isTrue();
      for (int i = 0; i < 3; i++) {
        assertThat(client.addRecipient("user" + i + "@hikyaku.test")).isTrue();
      }
      assertThat(client.addRecipient("user3@hikyaku.test")).isFalse();
      assertThat(client.getReplyString()).startsWith("452 4.5.3 Recipient rate limit reached for 127.0.0.23: 3 per minute");
    } finally {
      client.disconnect();
    }
  }

  /** One message as the account over submission; returns the reply to MAIL, or to the final dot. */
  private String submit(String subject) throws Exception {
    AuthenticatingSMTPClient client = new AuthenticatingSMTPClient(false, trust);
    client.setDefaultTimeout(10_000);
    client.connect(InetAddress.getByName("127.0.0.1"), server.port(ListenerRole.SUBMISSION), InetAddress.getByName("127.0.1.1"), 0);
    try {
      client.ehlo("client.example");
      client.execTLS();
      client.ehlo("client.example");
      assertThat(client.auth(AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, OWNER, PASSWORD)).isTrue();
      if (!client.setSender(OWNER)) {
        return client.getReplyString().strip();
      }
      assertThat(client.addRecipient("bob@elsewhere.example")).isTrue();
      client.sendShortMessageData("From: " + OWNER + "\r\nSubject: " + subject + "\r\n\r\nbody\r\n");
      return client.getReplyString().strip();
    } finally {
      client.disconnect();
    }
  }

  @Test
  void anAccountsHourlyQuotaSurvivesARestart() throws Exception {
    start(rates(1000, 1000, 1000, 3, 1000));
    for (int i = 0; i < 2; i++) {
      assertThat(submit("quota " + i)).startsWith("250 2.0.0 Ok: queued as ");
    }
    server.close();
    start(rates(1000, 1000, 1000, 3, 1000));
    assertThat(submit("quota 2")).startsWith("250 2.0.0 Ok: queued as ");
    assertThat(submit("quota 3")).isEqualTo("451 4.7.1 Sending quota reached for " + OWNER + ": 3 messages per hour");
  }

  @Test
  void aSuddenBurstSuspendsTheAccountUntilTheAdminLiftsIt() throws Exception {
    start(rates(1000, 1000, 1000, 1000, 6));
    // The owner's network is known (she logged in from it), so the full minimum of 6 applies.
    for (int i = 0; i < 6; i++) {
      assertThat(submit("burst " + i)).startsWith("250 2.0.0 ");
    }
    assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(Event.AccountSuspended.class,
        s -> assertThat(s.account()).isEqualTo(OWNER)));
    // AUTH still works; MAIL is refused with a text that tells the owner what to do.
    assertThat(submit("after")).isEqualTo(
        "550 5.7.1 Account " + OWNER + " is suspended for unusual sending activity; contact your administrator");

    Path config = writeConfig();
    assertThat(AdminCommandLine.run("", "user", "list", "--config", config.toString()).out()).contains("suspended");
    AdminCommandLine.Result lifted = AdminCommandLine.run("", "user", "unsuspend", OWNER, "--config", config.toString());
    assertThat(lifted.exitCode()).as(lifted.err()).isZero();
    assertThat(lifted.out()).contains("may send again");
    assertThat(submit("after unsuspend")).startsWith("250 2.0.0 ");
    // The CLI's change reaches the running server's events (and so its audit log).
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events).anySatisfy(e ->
        assertThat(e).isInstanceOfSatisfying(Event.AdminChange.class, c -> {
          assertThat(c.command()).isEqualTo("user unsuspend");
          assertThat(c.subject()).isEqualTo(OWNER);
        })));
    assertThat(Files.readString(data.resolve("audit.log"))).contains("\"event\":\"admin_change\"").contains("user unsuspend");
  }

  @Test
  void blocksAreListedAndLiftedByTheAdmin() throws Exception {
    start(rates(1000, 1000, 1000, 1000, 1000));
    server.store().defences().block(new dev.hikyaku.store.Block(
        "ip", "127.0.0.31", java.time.Instant.now().plus(Duration.ofHours(1)), "test block", java.time.Instant.now()));
    await().atMost(Duration.ofSeconds(10)).until(() -> greeting("127.0.0.31").startsWith("421 4.7.0 "));
    Path config = writeConfig();
    assertThat(AdminCommandLine.run("", "blocks", "list", "--config", config.toString()).out())
        .contains("127.0.0.31").contains("test block").contains("1 block(s)");
    AdminCommandLine.Result removed = AdminCommandLine.run("", "blocks", "remove", "ip", "127.0.0.31", "--config", config.toString());
    assertThat(removed.exitCode()).as(removed.err()).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> greeting("127.0.0.31").startsWith("220 "));
    assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(Event.ClientUnblocked.class,
        u -> assertThat(u.by()).isEqualTo("admin")));
    assertThat(AdminCommandLine.run("", "blocks", "remove", "ip", "127.0.0.31", "--config", config.toString()).err())
        .contains("no block ip 127.0.0.31");
  }

  private Path writeConfig() throws IOException {
    Path config = data.resolve("cli.yaml");
    Files.writeString(config, "hostname: mx.hikyaku.test\ndata-directory: " + data + "\n");
    return config;
  }
}
