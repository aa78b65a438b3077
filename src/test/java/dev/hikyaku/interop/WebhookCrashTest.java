package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.app.AdminCommandLine;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.testing.CountingSink;
import dev.hikyaku.testing.WebhookReceiver;
import dev.hikyaku.webhooks.Signature;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 13's "never loses an event", with a real SIGKILL: {@code hikyaku serve} runs as a JVM of
 * its own (as in {@link CrashTest}) with a webhook endpoint the CLI added, at a receiver on loopback
 * that is down (connections refused). Mail is submitted and delivered, so events are written and
 * their first webhook attempts fail; the server is killed mid-load, restarted on the same data
 * directory, and the receiver comes up. Then every event of the feed, and a {@code message.accepted}
 * for every message a client got 250 for, must reach the receiver, each signed with the endpoint's
 * secret; a request may come twice only with the same {@code webhook-id} and the same body.
 *
 * <p>The kill comes within two seconds of the first event, before any first retry is due (5 s less a
 * tenth), so after the restart every delivery is due at once: the test waits for no schedule.
 */
@Tag("interop")
class WebhookCrashTest {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookCrashTest.class);

  private static final String SENDER = CrashServer.SENDER;
  private static final String RECIPIENT = "bob@sink.test";
  private static final String PASSWORD = CrashServer.PASSWORD;
  private static final Duration LOAD_BEFORE_KILL = Duration.ofMillis(1500);
  private static final Pattern ADDED = Pattern.compile("(?m)^(whsec_\\S+)$");
  private static final Pattern QUEUED = Pattern.compile("queued as (\\S+)");

  @TempDir Path directory;

  @Test
  void everyEventReachesTheReceiverAfterASigkillWhileItWasDown() throws Exception {
    try (TestDnsServer dns = TestDnsServer.start();
        CountingSink sink = CountingSink.start();
        WebhookReceiver receiver = WebhookReceiver.start(ServerProcess.freePort())) {
      receiver.stop(); // down: connections refused
      dns.mx("sink.test", 10, "mx.sink.test").a("mx.sink.test", "127.0.0.1");
      int submissionsPort = ServerProcess.freePort();
      CrashServer.Config written = CrashServer.write(directory, submissionsPort, dns.address().getPort(), sink.port());
      Path config = written.file();
      CrashServer.createAccount(config);
      String secret = addWebhookWithTheCli(config, receiver.url("/hooks"));
      SSLContext trust = CrashServer.trusting(written.certificate());
      Path serverLog = directory.resolve("server-stderr.log");

      Set<String> queued = ConcurrentHashMap.newKeySet();
      Process server = ServerProcess.start(config, serverLog);
      Process restarted = null;
      try {
        ServerProcess.awaitListening(server, submissionsPort, serverLog);
        // Load: one client submitting until the kill; the clock of the kill starts at the first 250.
        Thread client = Thread.ofVirtual().start(() -> send(submissionsPort, trust, queued));
        await().atMost(Duration.ofSeconds(30)).until(() -> !queued.isEmpty() || !server.isAlive());
        Thread.sleep(LOAD_BEFORE_KILL.toMillis()); // the length of the load, not a wait for a retry
        server.destroyForcibly(); // SIGKILL
        assertThat(server.waitFor(10, TimeUnit.SECONDS)).as("the killed server exits").isTrue();
        assertThat(client.join(Duration.ofSeconds(15))).as("the client ends after the kill").isTrue();
        assertThat(receiver.requests()).as("the receiver was down").isEmpty();
        LOG.info("webhook crash: killed with {} messages acknowledged", queued.size());
        assertThat(queued).as("messages were acknowledged before the kill\n" + ServerProcess.tail(serverLog)).isNotEmpty();

        restarted = ServerProcess.start(config, serverLog);
        receiver.restart();
        ServerProcess.awaitListening(restarted, submissionsPort, serverLog);
        Path database = directory.resolve("data").resolve("hikyaku.db");
        Process running = restarted;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          Map<String, String> feed = feed(database);
          Set<String> received = new TreeSet<>();
          receiver.requests().forEach(r -> received.add(r.id()));
          assertThat(received)
              .as("every event of the feed at the receiver (server %s)\n%s",
                  running.isAlive() ? "running" : "exited", ServerProcess.tail(serverLog))
              .containsAll(feed.keySet());
          assertThat(feed.entrySet().stream().filter(e -> e.getValue().startsWith("message.accepted ")).map(e -> e.getValue()
              .substring("message.accepted ".length())).toList())
              .as("a message.accepted for every message acknowledged").containsAll(queued);
        });

        Map<String, String> feed = feed(database);
        Map<String, String> bodies = new HashMap<>();
        int duplicates = 0;
        for (WebhookReceiver.Request request : receiver.requests()) {
          assertThat(Signature.verifies(request.signature(), secret, request.id(), Long.parseLong(request.timestamp()),
              request.body())).as("the signature of %s", request.id()).isTrue();
          assertThat(feed).as("a request for an event of the feed").containsKey(request.id());
          String earlier = bodies.putIfAbsent(request.id(), request.text());
          if (earlier != null) {
            duplicates++;
            assertThat(request.text()).as("a duplicate of %s is the same request", request.id()).isEqualTo(earlier);
          }
        }
        LOG.info("webhook crash: {} messages, {} events, {} requests, {} duplicates (same id)", queued.size(), feed.size(),
            receiver.requests().size(), duplicates);
        assertThat(sink.delivered()).as("the mail went out too").isNotEmpty();

        restarted.destroy();
        assertThat(restarted.waitFor(30, TimeUnit.SECONDS)).as("SIGTERM stops the server").isTrue();
      } finally {
        for (Process p : new Process[] {server, restarted}) {
          if (p != null && p.isAlive()) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
          }
        }
      }
    }
  }

  /** The feed as the store holds it: {@code evt_<seq>} to {@code "<type> <queue id>"}. */
  private static Map<String, String> feed(Path database) throws Exception {
    Map<String, String> feed = new TreeMap<>();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        Statement select = connection.createStatement();
        ResultSet rows = select.executeQuery("SELECT seq, type, queue_id FROM message_event ORDER BY seq")) {
      while (rows.next()) {
        feed.put("evt_" + rows.getLong(1), rows.getString(2) + " " + rows.getString(3));
      }
    }
    return feed;
  }

  /** One client over implicit TLS submitting until the connection breaks; records each queue id a 250 named. */
  private static void send(int port, SSLContext trust, Set<String> queued) {
    AuthenticatingSMTPClient smtp = new AuthenticatingSMTPClient(true, trust);
    smtp.setDefaultTimeout(10_000);
    try {
      smtp.connect("127.0.0.1", port);
      smtp.setSoTimeout(10_000);
      if (!smtp.elogin("client.crash.test") || !smtp.auth(AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, SENDER, PASSWORD)) {
        LOG.warn("webhook crash client: login refused: {}", smtp.getReplyString().strip());
        return;
      }
      for (int n = 0; ; n++) {
        if (!smtp.setSender(SENDER) || !smtp.addRecipient(RECIPIENT)) {
          LOG.warn("webhook crash client: envelope refused: {}", smtp.getReplyString().strip());
          return;
        }
        String message = "From: " + SENDER + "\r\nTo: " + RECIPIENT + "\r\nSubject: crash w" + n + "\r\n\r\nMessage " + n + ".\r\n";
        if (!smtp.sendShortMessageData(message)) {
          LOG.warn("webhook crash client: DATA refused: {}", smtp.getReplyString().strip());
          return;
        }
        Matcher id = QUEUED.matcher(smtp.getReplyString());
        if (id.find()) {
          queued.add(id.group(1));
        }
      }
    } catch (IOException killed) {
      // The server died under us: the message in flight, if any, was not acknowledged.
    } catch (java.security.GeneralSecurityException e) {
      LOG.warn("webhook crash client: AUTH PLAIN failed", e);
    } finally {
      try {
        smtp.disconnect();
      } catch (IOException ignored) {
        // gone either way
      }
    }
  }

  /** The account's webhook, as an operator adds it; its secret. */
  private static String addWebhookWithTheCli(Path config, String url) {
    AdminCommandLine.Result webhook = AdminCommandLine.run("", "webhook", "add", SENDER, url, "--allow-private", "--event",
        String.join(",", List.of("message.accepted", "message.delivered", "message.deferred", "message.bounced",
            "message.expired", "suppression.created")), "--config", config.toString());
    assertThat(webhook.exitCode()).as(webhook.describe()).isZero();
    Matcher secret = ADDED.matcher(webhook.out());
    assertThat(secret.find()).as(webhook.out()).isTrue();
    return secret.group(1);
  }
}
