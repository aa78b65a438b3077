package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.app.AdminCommandLine;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.testing.CountingSink;
import dev.hikyaku.testing.TestPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.SMTPReply;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 16, done when: three server JVMs share one PostgreSQL database (embedded, on loopback) and
 * take mail on their submissions listeners; at about 40 % of the load one node is killed (SIGKILL)
 * and another paused (SIGSTOP) past its delivery lease, then let go on (SIGCONT). Then:
 *
 * <ul>
 *   <li>every accepted message reaches the sink (0 lost);
 *   <li>duplicates are bounded by the deliveries in flight on the killed and the paused node;
 *   <li>the killed node's mail is taken over within lease + poll + 1 s of the kill;
 *   <li>each failed recipient's DSN is created exactly once (one null-sender message in the history
 *       per failed message; a node fenced off by a stale lease creates none).
 * </ul>
 *
 * <p>Every tenth message goes to a recipient the sink refuses ({@code 550 5.1.1}), so that DSNs
 * are made throughout; they go to the sender's hosted domain, a Maildir on the node that delivers
 * them. The sink answers each message after 100 ms, so that every node has a backlog to hand over.
 */
@Tag("interop")
class ClusterTest {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterTest.class);

  private static final int NODES = 3;
  private static final int CLIENTS_PER_NODE = 2;
  private static final int TARGET = 2_000;
  private static final int KILL_AT = TARGET * 2 / 5;
  private static final Duration LEASE = Duration.ofSeconds(3);
  private static final Duration POLL = Duration.ofMillis(250);
  private static final Duration PAUSE = LEASE.plusSeconds(2);
  private static final int MAX_PER_DOMAIN = 5; // delivery.max-per-domain's default: a node's deliveries in flight
  private static final Pattern ORIGINAL_SUBJECT = Pattern.compile("(?m)^Subject: crash (\\S+)\r?$");

  @TempDir Path directory;

  private record Node(int number, Path config, Path log, int port, SSLContext trust) {}

  @Test
  void threeNodesLoseNothingWhenOneIsKilledAndAnotherPausedPastItsLease() throws Exception {
    String jdbc = TestPostgres.freshDatabase();
    String database = jdbc.substring(jdbc.lastIndexOf('/') + 1);
    try (TestDnsServer dns = TestDnsServer.start();
        CountingSink sink = CountingSink.start(false, 100)) {
      dns.mx("sink.test", 10, "mx.sink.test").a("mx.sink.test", "127.0.0.1");
      List<Node> nodes = new ArrayList<>();
      for (int n = 1; n <= NODES; n++) {
        int port = ServerProcess.freePort();
        Files.createDirectories(directory.resolve("n" + n));
        CrashServer.Config written = CrashServer.write(directory.resolve("n" + n), port, dns.address().getPort(), sink.port(), """
            store:
              url: postgresql://127.0.0.1:%d/%s
              user: %s
              node-id: n%d
              lease: %ds
              poll: %dms
            """.formatted(TestPostgres.port(), database, TestPostgres.USER, n, LEASE.toSeconds(), POLL.toMillis()));
        nodes.add(new Node(n, written.file(), directory.resolve("n" + n + ".log"), port, CrashServer.trusting(written.certificate())));
      }
      AdminCommandLine.Result migrated = AdminCommandLine.run("", "migrate", "--config", nodes.getFirst().config().toString());
      assertThat(migrated.exitCode()).as(migrated.describe()).isZero();
      CrashServer.createAccount(nodes.getFirst().config()); // one account, seen by every node

      Map<Integer, Process> processes = new HashMap<>();
      try {
        for (Node node : nodes) {
          processes.put(node.number(), ServerProcess.start(node.config(), node.log(), List.of(),
              List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")));
        }
        for (Node node : nodes) {
          ServerProcess.awaitListening(processes.get(node.number()), node.port(), node.log());
        }
        run(nodes, processes, sink, jdbc);
      } finally {
        for (Process p : processes.values()) {
          ProcessHandle.of(p.pid()).ifPresent(h -> signal("CONT", h.pid()));
          if (p.isAlive()) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
          }
        }
      }
    }
  }

  private void run(List<Node> nodes, Map<Integer, Process> processes, CountingSink sink, String jdbc) throws Exception {
    Node killed = nodes.get(0);
    Node paused = nodes.get(1);
    Map<String, Integer> accepted = new ConcurrentHashMap<>(); // token -> node that said 250
    Set<String> refusedByTheSink = ConcurrentHashMap.newKeySet(); // accepted tokens whose recipient fails
    AtomicInteger refused = new AtomicInteger();
    AtomicBoolean loading = new AtomicBoolean(true);
    List<Thread> clients = new ArrayList<>();
    for (Node node : nodes) {
      for (int c = 0; c < CLIENTS_PER_NODE; c++) {
        String name = "n" + node.number() + "c" + c;
        clients.add(Thread.ofVirtual().name("cluster-client-" + name).start(() ->
            send(name, node, loading, accepted, refusedByTheSink, refused)));
      }
    }

    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(10))
        .until(() -> accepted.size() >= KILL_AT || clients.stream().noneMatch(Thread::isAlive));
    assertThat(refused.get()).as("no client refused before the kill\n" + ServerProcess.tail(killed.log())).isZero();

    // The killed node's mail that was still waiting: no other node may take it until its lease lapses.
    Set<String> delivered = sink.delivered();
    Set<String> orphans = new HashSet<>();
    accepted.forEach((token, node) -> {
      if (node == killed.number() && !refusedByTheSink.contains(token) && !delivered.contains(token)) {
        orphans.add(token);
      }
    });
    long killedAt = System.nanoTime();
    processes.get(killed.number()).destroyForcibly(); // SIGKILL
    signal("STOP", processes.get(paused.number()).pid());
    // What the two were sending at that moment still arrives (the sink counts a message at its final
    // dot); no other node can have taken anything yet, so what arrives now is not a take-over.
    Thread.sleep(300);
    orphans.removeAll(sink.delivered());
    LOG.info("cluster: killed n{} with {} accepted ({} of its own waiting), paused n{}", killed.number(), accepted.size(),
        orphans.size(), paused.number());
    assertThat(orphans).as("the killed node had mail waiting (the sink is slow on purpose)").isNotEmpty();

    // Take-over: the moment another node claims what the killed node held (its rows leave the dead
    // node's name in the store: nothing else changes them once it is dead), and, for the record,
    // the moment the first of its waiting messages arrives at the sink from another node.
    Duration takeOver = null;
    Duration firstArrival = null;
    long heldAtKill = count(jdbc, "SELECT count(*) FROM message WHERE lease_owner = 'n" + killed.number() + "'");
    long pauseEnds = killedAt + PAUSE.toNanos();
    boolean isPaused = true;
    // What the lost nodes held meanwhile, and any lock waits: each change, with its time since the kill.
    List<String> timeline = new ArrayList<>();
    String lastLost = "";
    while (takeOver == null || firstArrival == null || isPaused) {
      long now = System.nanoTime();
      if (takeOver == null
          && count(jdbc, "SELECT count(*) FROM message WHERE lease_owner = 'n" + killed.number() + "'") < heldAtKill) {
        takeOver = Duration.ofNanos(now - killedAt);
      }
      if (firstArrival == null && sink.delivered().stream().anyMatch(orphans::contains)) {
        firstArrival = Duration.ofNanos(now - killedAt);
      }
      String lost = lostNodes(jdbc, killed, paused);
      if (!lost.equals(lastLost)) {
        timeline.add(Duration.ofNanos(now - killedAt).toMillis() + " ms: " + lost);
        lastLost = lost;
      }
      if (isPaused && now >= pauseEnds) {
        signal("CONT", processes.get(paused.number()).pid());
        isPaused = false;
      }
      assertThat(Duration.ofNanos(now - killedAt)).as("no take-over within 30 s").isLessThan(Duration.ofSeconds(30));
      Thread.sleep(20); // polling the store and the sink, not waiting for time to pass
    }

    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
        .until(() -> accepted.size() >= TARGET || clients.stream().noneMatch(Thread::isAlive));
    loading.set(false);
    for (Thread client : clients) {
      assertThat(client.join(Duration.ofSeconds(40))).as("client %s ends", client.getName()).isTrue();
    }
    assertThat(accepted.size()).as("the load went on after the kill\n" + ServerProcess.tail(paused.log()))
        .isGreaterThanOrEqualTo(TARGET);
    assertThat(refused.get()).as("no client refused (see the WARN lines)").isZero();

    Set<String> mustArrive = new HashSet<>(accepted.keySet());
    mustArrive.removeAll(refusedByTheSink);
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
        assertThat(sink.delivered())
            .as("every accepted message at the sink (accepted %d, delivered %d, duplicates %d)\n%s",
                mustArrive.size(), sink.delivered().size(), sink.duplicates(), ServerProcess.tail(nodes.get(2).log()))
            .containsAll(mustArrive));
    // Each refused recipient's report: made once (the history holds one null-sender message per
    // failed message), and delivered to the sender's Maildir on whichever node delivered it.
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
        assertThat(reportsDelivered(nodes).keySet()).as("a DSN for every refused recipient").containsAll(refusedByTheSink));
    long reportsMade = count(jdbc, "SELECT count(*) FROM history_message WHERE reverse_path = ''");
    Map<String, Integer> reports = reportsDelivered(nodes);
    long twice = reports.values().stream().filter(n -> n > 1).count();

    LOG.info("cluster: accepted {} over {} nodes, delivered {} distinct, duplicates {}, take-over {} ms after the kill"
            + " (first of its mail at the sink after {} ms), DSNs made {} for {} refused recipients ({} delivered twice),"
            + " leases lost (fenced) {}",
        accepted.size(), NODES, sink.delivered().size(), sink.duplicates(), takeOver.toMillis(), firstArrival.toMillis(), reportsMade,
        refusedByTheSink.size(), twice, fencedOutcomes(nodes));
    LOG.info("cluster: after the kill:\n{}", String.join("\n", timeline));
    assertThat(takeOver).as("take-over within lease + poll + 1 s; meanwhile:\n%s\n%s",
            String.join("\n", timeline), ServerProcess.tail(nodes.get(2).log()))
        .isLessThanOrEqualTo(LEASE.plus(POLL).plusSeconds(1));
    assertThat(reportsMade).as("each DSN made once").isEqualTo(refusedByTheSink.size());
    // In flight when the node died or stopped: at most max-per-domain deliveries on each of the two.
    assertThat(sink.duplicates()).as("duplicates: deliveries in flight on the killed and the paused node")
        .isLessThanOrEqualTo(2 * MAX_PER_DOMAIN);
    assertThat(twice).as("DSNs delivered twice: in flight on the killed or paused node").isLessThanOrEqualTo(2);
    for (Node node : nodes) {
      assertThat(Files.readString(node.log(), StandardCharsets.UTF_8)).as("n%d's log never shows the password", node.number())
          .doesNotContain(CrashServer.PASSWORD);
    }
  }

  /** Per original token, how many DSNs reached the sender's Maildir, over every node's data directory. */
  private static Map<String, Integer> reportsDelivered(List<Node> nodes) throws IOException {
    Map<String, Integer> reports = new HashMap<>();
    for (Node node : nodes) {
      Path inbox = node.config().getParent().resolve("data/mail/crash.test/alice/new");
      if (!Files.isDirectory(inbox)) {
        continue;
      }
      try (Stream<Path> files = Files.list(inbox)) {
        for (Path file : files.toList()) {
          Matcher original = ORIGINAL_SUBJECT.matcher(Files.readString(file, StandardCharsets.ISO_8859_1));
          if (original.find()) {
            reports.merge(original.group(1), 1, Integer::sum);
          }
        }
      }
    }
    return reports;
  }

  /** How many outcomes the nodes' logs say were fenced off (a lease taken over), for the record. */
  private static long fencedOutcomes(List<Node> nodes) throws IOException {
    long fenced = 0;
    for (Node node : nodes) {
      fenced += Files.readAllLines(node.log(), StandardCharsets.UTF_8).stream().filter(l -> l.contains("taken over by another node")).count();
    }
    return fenced;
  }

  /**
   * For the record of a take-over: how many messages the lost nodes still hold (their rows leave
   * their names as other nodes take them over), and which sessions wait for a lock and whose
   * session blocks them (each named by its node: the {@code ApplicationName} a node connects with).
   */
  private static String lostNodes(String jdbc, Node killed, Node paused) {
    try (Connection connection = DriverManager.getConnection(jdbc, TestPostgres.USER, "");
        Statement statement = connection.createStatement();
        ResultSet held = statement.executeQuery("SELECT lease_owner, count(*) FROM message WHERE lease_owner IN ('n"
            + killed.number() + "', 'n" + paused.number() + "') GROUP BY lease_owner ORDER BY lease_owner");
        Statement locks = connection.createStatement();
        ResultSet waits = locks.executeQuery("""
            SELECT a.application_name, (SELECT string_agg(b.application_name, ',') FROM pg_stat_activity b
                                         WHERE b.pid = ANY (pg_blocking_pids(a.pid))),
                   left(regexp_replace(a.query, '\s+', ' ', 'g'), 90)
              FROM pg_stat_activity a WHERE a.datname = current_database() AND a.wait_event_type = 'Lock'""")) {
      List<String> seen = new ArrayList<>();
      while (held.next()) {
        seen.add(held.getString(1) + " holds " + held.getLong(2));
      }
      while (waits.next()) {
        seen.add(waits.getString(1) + " waits for a lock of " + waits.getString(2) + " in: " + waits.getString(3));
      }
      return seen.isEmpty() ? "none held" : String.join("; ", seen);
    } catch (java.sql.SQLException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private static long count(String jdbc, String query) throws Exception {
    try (Connection connection = DriverManager.getConnection(jdbc, TestPostgres.USER, "");
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(query)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static void signal(String name, long pid) {
    try {
      // The shell's own kill (dash has it built in): no procps needed on a minimal machine.
      Process kill = new ProcessBuilder("sh", "-c", "kill -" + name + " " + pid).redirectErrorStream(true).start();
      if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("SIG" + name + " to " + pid + " failed: " + new String(kill.getInputStream().readAllBytes()));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot send SIG" + name + " to " + pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * One client of one node: logs in once over implicit TLS and submits until told to stop or its
   * node dies. A token counts as accepted only on a 250 after DATA. Every tenth goes to a recipient
   * the sink refuses.
   */
  private static void send(String name, Node node, AtomicBoolean loading, Map<String, Integer> accepted,
      Set<String> refusedByTheSink, AtomicInteger refused) {
    AuthenticatingSMTPClient smtp = new AuthenticatingSMTPClient(true, node.trust());
    smtp.setDefaultTimeout(30_000);
    try {
      smtp.connect("127.0.0.1", node.port());
      smtp.setSoTimeout(30_000); // outlasts the pause of a stopped node
      if (!smtp.elogin(name + ".cluster.test")
          || !smtp.auth(AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, CrashServer.SENDER, CrashServer.PASSWORD)) {
        refused.incrementAndGet();
        LOG.warn("cluster client {}: login refused: {}", name, smtp.getReplyString().strip());
        return;
      }
      for (int n = 0; loading.get(); n++) {
        String token = name + "m" + n;
        boolean isRefusedBySink = n % 10 == 9;
        String recipient = isRefusedBySink ? "nobody-" + token + "@sink.test" : "bob@sink.test";
        if (!smtp.setSender(CrashServer.SENDER) || !smtp.addRecipient(recipient)) {
          refused.incrementAndGet();
          LOG.warn("cluster client {}: envelope refused: {}", name, smtp.getReplyString().strip());
          return;
        }
        String message = "From: " + CrashServer.SENDER + "\r\nTo: " + recipient + "\r\nSubject: crash " + token
            + "\r\n\r\nMessage " + token + " of the cluster test.\r\n";
        if (smtp.sendShortMessageData(message)) {
          if (isRefusedBySink) {
            refusedByTheSink.add(token);
          }
          accepted.put(token, node.number());
        } else if (!SMTPReply.isPositiveCompletion(smtp.getReplyCode())) {
          refused.incrementAndGet();
          LOG.warn("cluster client {}: DATA refused: {}", name, smtp.getReplyString().strip());
          return;
        }
      }
      smtp.logout();
    } catch (IOException killed) {
      // its node died under it: whatever was in flight is not accepted
    } catch (Exception e) {
      refused.incrementAndGet();
      LOG.warn("cluster client {} failed unexpectedly", name, e);
    } finally {
      try {
        smtp.disconnect();
      } catch (IOException ignored) {
        // the connection is gone either way
      }
    }
  }
}
