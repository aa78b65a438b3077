package dev.hikyaku.defence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.Limits;
import dev.hikyaku.config.RateConfig;
import dev.hikyaku.config.RecipientsConfig;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.testing.Probe;
import dev.hikyaku.testing.SmtpWire;
import dev.hikyaku.testing.TestServers;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resource limits under attack, against a real server on loopback: each test is one attack, named
 * after the limit that stops it, and asserts the exact reply the limit produces, how soon, and that
 * a normal client ({@link Probe}, from 127.0.0.1) is served meanwhile. Attackers come from other
 * loopback addresses, so per-client limits hit them and not the probe. Timeouts are shortened for
 * the test server so that every limit is reached within seconds.
 */
class ResourceLimitsTest {

  private static final String HOSTNAME = TestServers.HOSTNAME;
  private static final String MAILBOX = "user@hikyaku.test";
  private static final String ACCOUNT = "alice@hikyaku.test";
  private static final String PASSWORD = "a pass phrase long enough for any policy 7";
  private static final String TIMEOUT = "421 4.4.2 " + HOSTNAME + " Error: timeout exceeded";
  private static final String TOO_BIG = "552 5.3.4 Message size exceeds fixed maximum message size";
  private static final String FIELD_TOO_LONG = "552 5.3.4 Message rejected: a header field is longer than 102400 octets";
  /**
   * How much sooner than its limit the server may act, as the client measures: socket timeouts are
   * set in whole milliseconds (the remainder is dropped), and the two clocks start a moment apart.
   */
  private static final Duration EARLY = Duration.ofMillis(50);
  /** How long one hostile message may take to be answered: generous for CI on 2 cores. */
  private static final Duration ANSWER_BOUND = Duration.ofSeconds(10);

  /** Message data for a dribble: 200 octets of body, ended. */
  private static final String SLOW_MESSAGE = "Subject: slow\r\n\r\n" + "x".repeat(200) + "\r\n.\r\n";

  @TempDir Path data;
  private Server server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /**
   * Starts a server with the default limits changed by {@code limits}, and rates far above what the
   * tests send: each test is about one limit, not the per-minute rates that would also stop a flood.
   */
  private void start(UnaryOperator<Limits> limits) throws Exception {
    HikyakuConfig base = TestServers.config(data);
    RateConfig r = base.rates();
    RateConfig generous = r.toBuilder()
        .connectionsPerMinute(100_000)
        .messagesPerMinute(100_000)
        .recipientsPerMinute(1_000_000)
        .accountMessagesPerMinute(100_000)
        .accountRecipientsPerMinute(1_000_000)
        .accountMessagesPerHour(1_000_000)
        .accountMessagesPerDay(1_000_000)
        .suspendVolumeMinimum(1_000_000)
        .build();
    // hikyaku.test takes every local part: floods of RCPTs name made-up mailboxes.
    var catchAll = base.recipients().withDomains(java.util.Map.of("hikyaku.test", new RecipientsConfig.Domain(true, List.of())));
    server = TestServers.start(base.withLimits(limits.apply(base.limits())).withRates(generous).withRecipients(catchAll),
        UnaryOperator.identity(), List.of());
    TestServers.createAccount(server, ACCOUNT, PASSWORD);
  }

  private static Limits timeouts(Limits l, Duration command, Duration data, Duration deadline, long minRate) {
    return l.toBuilder().commandTimeout(command).dataTimeout(data).dataDeadline(deadline).minDataRate(minRate).build();
  }

  private static Limits maxMessageSize(Limits l, long size) {
    return l.toBuilder().maxMessageSize(size).build();
  }

  private int relay() {
    return server.port(ListenerRole.RELAY);
  }

  /** A connection from {@code from} to the relay port that has said EHLO and given its envelope. */
  private SmtpWire inTransaction(String from) throws IOException {
    SmtpWire wire = SmtpWire.connect(from, relay());
    assertThat(wire.reply()).startsWith("220 ");
    assertThat(wire.ask("EHLO attacker.example")).startsWith("250 ");
    assertThat(wire.ask("MAIL FROM:<a@attacker.example>")).isEqualTo("250 2.1.0 Ok");
    assertThat(wire.ask("RCPT TO:<" + MAILBOX + ">")).isEqualTo("250 2.1.5 Ok");
    return wire;
  }

  /** An authenticated submission (implicit TLS, RFC 8314) with its envelope given, from the account. */
  private SmtpWire inSubmission() throws Exception {
    SmtpWire wire = SmtpWire.connectTls(server.port(ListenerRole.SUBMISSIONS), TestServers.clientTrusting(server.tls().currentCertificate()));
    assertThat(wire.reply()).startsWith("220 ");
    assertThat(wire.login(ACCOUNT, PASSWORD)).startsWith("235 2.7.0 ");
    assertThat(wire.ask("MAIL FROM:<" + ACCOUNT + ">")).isEqualTo("250 2.1.0 Ok");
    assertThat(wire.ask("RCPT TO:<" + MAILBOX + ">")).isEqualTo("250 2.1.5 Ok");
    return wire;
  }

  private static Duration since(long startedNanos) {
    return Duration.ofNanos(System.nanoTime() - startedNanos);
  }

  /**
   * Sends one octet of {@code text} every {@code interval}, from another thread, until the text is
   * out or the server has closed the connection.
   */
  private static Thread dribble(SmtpWire wire, String text, Duration interval) {
    return Thread.ofVirtual().start(() -> {
      try {
        for (int i = 0; i < text.length(); i++) {
          wire.write(text.substring(i, i + 1));
          Thread.sleep(interval);
        }
      } catch (IOException | InterruptedException closed) {
        // The server cut the connection: what the test waits for.
      }
    });
  }

  /**
   * Dribbles {@code text} one octet per 300 ms (each well inside any read timeout here) and checks
   * that the server answers 421 4.4.2 and closes, no sooner than {@code limit} after {@code started}
   * (taken before the reply that started the server's clock was asked for) and soon after it.
   */
  private static void assertCutOffWhileDribbling(SmtpWire wire, String text, Duration limit, long started) throws Exception {
    Thread dribbler = dribble(wire, text, Duration.ofMillis(300));
    try {
      assertThat(wire.line()).isEqualTo(TIMEOUT);
      assertThat(since(started)).isGreaterThanOrEqualTo(limit.minus(EARLY)).isLessThan(limit.plus(ANSWER_BOUND));
      assertThat(wire.isClosedWithin(Duration.ofSeconds(5))).isTrue();
    } finally {
      dribbler.interrupt();
    }
  }

  // ---- connections ---------------------------------------------------------------------------

  @Test
  void idleConnectionsAreClosedAtTheCommandTimeout_limitsCommandTimeoutAndMaxConnectionsPerClient() throws Exception {
    Duration commandTimeout = Duration.ofSeconds(2);
    start(l -> timeouts(l, commandTimeout, l.dataTimeout(), l.dataDeadline(), l.minDataRate()));
    int perClient = server.config().limits().maxConnectionsPerClient();
    assertThat(perClient).as("limits.max-connections-per-client, the default").isEqualTo(50);
    List<SmtpWire> idle = new ArrayList<>();
    try (Probe probe = Probe.during(relay(), MAILBOX)) {
      long opened = System.nanoTime();
      // 300 connections that read the banner and say nothing: six clients at their limit of 50.
      for (int client = 1; client <= 6; client++) {
        for (int i = 0; i < perClient; i++) {
          SmtpWire wire = SmtpWire.connect("127.0.20." + client, relay());
          idle.add(wire);
          assertThat(wire.reply()).startsWith("220 " + HOSTNAME + " ESMTP");
        }
      }
      try (SmtpWire over = SmtpWire.connect("127.0.20.1", relay())) {
        assertThat(over.line()).isEqualTo("421 4.7.0 " + HOSTNAME + " Error: too many connections from your address");
        assertThat(over.isClosedWithin(Duration.ofSeconds(5))).isTrue();
      }
      for (SmtpWire wire : idle) {
        assertThat(wire.line()).isEqualTo(TIMEOUT);
        assertThat(wire.isClosedWithin(Duration.ofSeconds(5))).isTrue();
      }
      Duration closedAll = since(opened);
      assertThat(closedAll).as("300 idle connections closed").isGreaterThanOrEqualTo(commandTimeout.minus(EARLY))
          .isLessThan(commandTimeout.plus(ANSWER_BOUND));
      probe.served();
    } finally {
      for (SmtpWire wire : idle) {
        wire.close();
      }
    }
    // Their permits came back: the same client is served again.
    try (SmtpWire again = SmtpWire.connect("127.0.20.1", relay())) {
      assertThat(again.reply()).startsWith("220 ");
    }
  }

  // ---- slowloris -----------------------------------------------------------------------------

  @Test
  void aCommandLineDribbledAByteAtATimeIsCutOffAtTheCommandTimeout_limitsCommandTimeout() throws Exception {
    Duration commandTimeout = Duration.ofSeconds(1);
    start(l -> timeouts(l, commandTimeout, l.dataTimeout(), l.dataDeadline(), l.minDataRate()));
    long started = System.nanoTime();
    try (Probe probe = Probe.during(relay(), MAILBOX); SmtpWire wire = SmtpWire.connect("127.0.21.1", relay())) {
      assertThat(wire.reply()).startsWith("220 ");
      // Each octet well inside the timeout: a per-read timeout would never fire (510 octets = 2.5 min).
      assertCutOffWhileDribbling(wire, "EHLO " + "a".repeat(505), commandTimeout, started);
      probe.served();
    }
  }

  @Test
  void aTlsHandshakeDribbledAByteAtATimeIsCutOffAtTheHandshakeTimeout_limitsTlsHandshakeTimeout() throws Exception {
    Duration handshakeTimeout = Duration.ofSeconds(1);
    start(l -> l.toBuilder().tlsHandshakeTimeout(handshakeTimeout).build());
    long started = System.nanoTime();
    try (Probe probe = Probe.during(relay(), MAILBOX); SmtpWire wire = SmtpWire.connect("127.0.21.2", server.port(ListenerRole.SUBMISSIONS))) {
      // RFC 8446 §5.1: a handshake record of 512 octets announced, then its octets one at a time.
      // The handshake's timeout is per read in JSSE; a per-read timeout would wait 2.5 minutes here.
      wire.write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00});
      Thread dribbler = dribble(wire, "\0".repeat(512), Duration.ofMillis(300));
      try {
        assertThat(wire.isClosedWithin(handshakeTimeout.plus(ANSWER_BOUND))).as("closed by the server").isTrue();
        assertThat(since(started)).isGreaterThanOrEqualTo(handshakeTimeout.minus(EARLY)).isLessThan(handshakeTimeout.plus(ANSWER_BOUND));
      } finally {
        dribbler.interrupt();
      }
      probe.served();
    }
  }

  @Test
  void messageDataDribbledWithinEveryReadTimeoutIsCutOffAtTheDataDeadline_limitsDataDeadline() throws Exception {
    Duration deadline = Duration.ofSeconds(2);
    start(l -> timeouts(l, Duration.ofSeconds(5), Duration.ofSeconds(1), deadline, 0));
    assertDribbledDataIsCutOff("127.0.22.1", deadline);
  }

  @Test
  void messageDataBelowTheMinimumRateIsCutOff_limitsMinDataRate() throws Exception {
    Duration dataTimeout = Duration.ofSeconds(1);
    // 20 octets/s: 1 s plus 1 s per 20 octets; 3.3 octets/s falls behind after about 1.2 s.
    start(l -> timeouts(l, Duration.ofSeconds(5), dataTimeout, Duration.ofHours(1), 20));
    assertDribbledDataIsCutOff("127.0.22.2", dataTimeout);
  }

  /** A message dribbled after DATA from {@code from} meets 421 4.4.2 after {@code limit}; the probe is served meanwhile. */
  private void assertDribbledDataIsCutOff(String from, Duration limit) throws Exception {
    try (Probe probe = Probe.during(relay(), MAILBOX); SmtpWire wire = inTransaction(from)) {
      long started = System.nanoTime();
      assertThat(wire.ask("DATA")).startsWith("354 ");
      assertCutOffWhileDribbling(wire, SLOW_MESSAGE, limit, started);
      probe.served();
    }
  }

  // ---- BDAT ----------------------------------------------------------------------------------

  @Test
  void aBdatChunkBeyondTheMaximumIsRefusedAtOnce_limitsMaxMessageSize() throws Exception {
    Duration dataTimeout = Duration.ofSeconds(2);
    start(l -> timeouts(maxMessageSize(l, 1024 * 1024), Duration.ofSeconds(5), dataTimeout, Duration.ofSeconds(30), 0));
    try (Probe probe = Probe.during(relay(), MAILBOX)) {
      try (SmtpWire wire = inTransaction("127.0.23.1")) {
        long started = System.nanoTime();
        // RFC 1870 §6.3 / RFC 3030 §2: the size is known before the chunk; 552 before waiting for it.
        assertThat(wire.ask("BDAT 99999999999 LAST")).isEqualTo(TOO_BIG);
        assertThat(since(started)).as("552 before the data timeout").isLessThan(dataTimeout);
        // The chunk is still owed (read and dropped); a client that never sends it meets the timeout.
        assertThat(wire.line()).isEqualTo(TIMEOUT);
        assertThat(since(started)).isGreaterThanOrEqualTo(dataTimeout.minus(EARLY));
        assertThat(wire.isClosedWithin(Duration.ofSeconds(5))).isTrue();
      }
      try (SmtpWire wire = inTransaction("127.0.23.2")) {
        byte[] chunk = ("x".repeat(998) + "\r\n").repeat(600).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        wire.command("BDAT " + chunk.length);
        wire.write(chunk);
        assertThat(wire.reply()).isEqualTo("250 2.0.0 " + chunk.length + " octets received");
        // Two chunks of 600,000 octets pass 1 MiB together: the second is refused and dropped.
        wire.command("BDAT " + chunk.length + " LAST");
        wire.write(chunk);
        assertThat(wire.reply()).isEqualTo(TOO_BIG);
        assertThat(wire.ask("NOOP")).as("the session goes on, in step").isEqualTo("250 2.0.0 Ok");
        assertThat(wire.ask("MAIL FROM:<a@attacker.example>")).as("the transaction was ended").isEqualTo("250 2.1.0 Ok");
      }
      probe.served();
    }
  }

  // ---- header ----------------------------------------------------------------------------------

  @Test
  void aHundredThousandHeaderLinesAreTakenInBoundedTime_limitsMaxMessageSize() throws Exception {
    start(UnaryOperator.identity());
    StringBuilder header = new StringBuilder();
    for (int i = 0; i < 100_000; i++) {
      header.append("X-Line-").append(i).append(": value ").append(i).append("\r\n");
    }
    String message = "From: <" + ACCOUNT + ">\r\nSubject: many fields\r\n" + header + "\r\nbody\r\n.\r\n";
    try (Probe probe = Probe.during(relay(), MAILBOX)) {
      // No limit counts fields (RFC 5322 sets none); the message size bounds them, and every check
      // of the header is linear (fuzz.LinearityTest), so 2.5 MB of fields is just a message.
      try (SmtpWire wire = inTransaction("127.0.24.1")) {
        assertThat(wire.ask("DATA")).startsWith("354 ");
        long started = System.nanoTime();
        wire.write(message);
        assertThat(wire.reply()).startsWith("250 2.0.0 Ok: queued as ");
        assertThat(since(started)).as("relay").isLessThan(ANSWER_BOUND);
      }
      try (SmtpWire wire = inSubmission()) {
        assertThat(wire.ask("DATA")).startsWith("354 ");
        long started = System.nanoTime();
        wire.write(message);
        assertThat(wire.reply()).startsWith("250 2.0.0 Ok: queued as ");
        assertThat(since(started)).as("submission: fix-ups and DKIM signing over 100,000 fields").isLessThan(ANSWER_BOUND);
      }
      probe.served();
    }
  }

  /** A field named {@code name} of about 5 MB, folded every 70 octets as the probe sent it. */
  private static String foldedField(String name, String start, String end) {
    StringBuilder field = new StringBuilder(6_000_000).append(name).append(": ").append(start);
    String fold = "a".repeat(70) + "\r\n ";
    while (field.length() < 5_000_000) {
      field.append(fold);
    }
    return field.append(end).append("\r\n").toString();
  }

  @Test
  void aFiveMegabyteFoldedFieldIsRefusedBeforeAnyParse_limitsHeaderFieldOctets() throws Exception {
    start(UnaryOperator.identity());
    List<String> fields = List.of(
        foldedField("From", "\"", "\" <" + ACCOUNT + ">"),
        foldedField("To", "<" + MAILBOX + ">, \"", "\" <" + MAILBOX + ">"),
        foldedField("DKIM-Signature", "v=1; a=rsa-sha256; d=example.org; s=s; h=from; bh=; b=", ""));
    try (Probe probe = Probe.during(relay(), MAILBOX)) {
      for (String field : fields) {
        String name = field.substring(0, field.indexOf(':'));
        String message = field + "Subject: big\r\n\r\nbody\r\n.\r\n";
        try (SmtpWire relay = inTransaction("127.0.25.1"); SmtpWire submission = inSubmission()) {
          for (SmtpWire wire : List.of(relay, submission)) {
            assertThat(wire.ask("DATA")).startsWith("354 ");
            long started = System.nanoTime();
            wire.write(message);
            assertThat(wire.reply()).as(name).isEqualTo(FIELD_TOO_LONG);
            assertThat(since(started)).as(name).isLessThan(ANSWER_BOUND);
            assertThat(wire.ask("NOOP")).isEqualTo("250 2.0.0 Ok");
          }
        }
      }
      // The same 5 MB unfolded is one line over RFC 5321 §4.5.3.1.6's 1000 octets.
      try (SmtpWire wire = inTransaction("127.0.25.2")) {
        assertThat(wire.ask("DATA")).startsWith("354 ");
        wire.write("From: \"" + "a".repeat(5_000_000) + "\" <a@attacker.example>\r\n\r\nbody\r\n.\r\n");
        assertThat(wire.reply()).isEqualTo("554 5.6.0 Message rejected: line longer than 1000 octets");
      }
      probe.served();
    }
  }

  // ---- commands ------------------------------------------------------------------------------

  /** {@code count} RCPT commands to distinct mailboxes of the hosted domain, as one string. */
  private static String recipients(int count) {
    StringBuilder rcpts = new StringBuilder();
    for (int i = 0; i < count; i++) {
      rcpts.append("RCPT TO:<user").append(i).append("@hikyaku.test>\r\n");
    }
    return rcpts.toString();
  }

  @Test
  void tenThousandRecipientsAreCutOffAtTheOvershootLimit_limitsMaxRecipients() throws Exception {
    start(UnaryOperator.identity());
    int max = server.config().limits().maxRecipients();
    try (Probe probe = Probe.during(relay(), MAILBOX); SmtpWire wire = SmtpWire.connect("127.0.26.1", relay())) {
      assertThat(wire.reply()).startsWith("220 ");
      assertThat(wire.ask("EHLO attacker.example")).startsWith("250 ");
      long started = System.nanoTime();
      wire.pipeline("MAIL FROM:<a@attacker.example>\r\n" + recipients(10_000));
      assertThat(wire.reply()).isEqualTo("250 2.1.0 Ok");
      assertThat(wire.replies(max)).as("limits.max-recipients").containsOnly("250 2.1.5 Ok");
      // RFC 5321 §4.5.3.1.10: 452 beyond the limit, not counted as errors (max-errors is 10) ...
      assertThat(wire.replies(1000)).containsOnly("452 4.5.3 Too many recipients");
      // ... until the overshoot limit (Postfix's smtpd_recipient_overshoot_limit, 1000) closes it.
      assertThat(wire.line()).isEqualTo("421 4.7.0 " + HOSTNAME + " Error: too many errors");
      assertThat(wire.isClosedWithin(Duration.ofSeconds(5))).isTrue();
      assertThat(since(started)).isLessThan(ANSWER_BOUND);
      probe.served();
    }
  }

  @Test
  void recipientsOverTheLimitAreNotErrorsAndTheMessageGoes_limitsMaxRecipients() throws Exception {
    start(UnaryOperator.identity());
    int max = server.config().limits().maxRecipients();
    try (SmtpWire wire = SmtpWire.connect("127.0.26.2", relay())) {
      assertThat(wire.reply()).startsWith("220 ");
      assertThat(wire.ask("EHLO attacker.example")).startsWith("250 ");
      wire.pipeline("MAIL FROM:<a@attacker.example>\r\n" + recipients(max + 500) + "DATA\r\n");
      assertThat(wire.reply()).isEqualTo("250 2.1.0 Ok");
      assertThat(wire.replies(max)).containsOnly("250 2.1.5 Ok");
      assertThat(wire.replies(500)).containsOnly("452 4.5.3 Too many recipients");
      assertThat(wire.reply()).startsWith("354 ");
      wire.write("Subject: to the first hundred\r\n\r\nbody\r\n.\r\n");
      assertThat(wire.reply()).startsWith("250 2.0.0 Ok: queued as ");
    }
  }

  @Test
  void fiveThousandPipelinedCommandsAreEachAnsweredInOrder_pipelining() throws Exception {
    start(UnaryOperator.identity());
    try (Probe probe = Probe.during(relay(), MAILBOX); SmtpWire wire = SmtpWire.connect("127.0.27.1", relay())) {
      assertThat(wire.reply()).startsWith("220 ");
      assertThat(wire.ask("EHLO attacker.example")).startsWith("250 ");
      long started = System.nanoTime();
      // RFC 2920: the server reads a group as it comes, with a fixed buffer; replies are written back
      // as it goes, so the client that sends 5,000 commands gets 5,000 replies, in order.
      wire.pipeline("NOOP\r\n".repeat(5_000));
      assertThat(wire.replies(5_000)).containsOnly("250 2.0.0 Ok");
      StringBuilder pairs = new StringBuilder();
      for (int i = 0; i < 2_500; i++) {
        pairs.append("MAIL FROM:<a").append(i).append("@attacker.example>\r\nRSET\r\n");
      }
      wire.write(pairs + "QUIT\r\n");
      for (int i = 0; i < 2_500; i++) {
        assertThat(wire.replies(2)).as("pair %d", i).containsExactly("250 2.1.0 Ok", "250 2.0.0 Ok");
      }
      assertThat(wire.reply()).isEqualTo("221 2.0.0 Bye");
      assertThat(since(started)).isLessThan(ANSWER_BOUND);
      probe.served();
    }
  }

  @Test
  void aClientThatNeverReadsItsRepliesIsCutOffAtTheCommandTimeout_limitsCommandTimeout() throws Exception {
    Duration commandTimeout = Duration.ofSeconds(2);
    start(l -> timeouts(l, commandTimeout, l.dataTimeout(), l.dataDeadline(), l.minDataRate()));
    // Pipelined commands whose replies are never read: once the socket buffers are full the
    // server's write blocks. Java sockets time out reads only; without a deadline on each write the
    // session would wait there for ever, its thread and connection permit held.
    try (Probe probe = Probe.during(relay(), MAILBOX); java.net.Socket socket = new java.net.Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName("127.0.27.2"), 0));
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", relay()), 10_000);
      byte[] flood = "NOOP\r\n".repeat(100_000).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      long started = System.nanoTime();
      var writes = java.util.concurrent.CompletableFuture.runAsync(() -> {
        try {
          while (since(started).compareTo(commandTimeout.plus(ANSWER_BOUND).multipliedBy(2)) < 0) {
            socket.getOutputStream().write(flood);
          }
        } catch (IOException closed) {
          // The server gave up on us and closed: the write fails (reset or broken pipe).
        }
      });
      try {
        writes.get(commandTimeout.plus(ANSWER_BOUND).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException stillBlocked) {
        socket.close(); // ends the blocked write, so the assertion below reports it
      }
      assertThat(since(started)).as("the server closed a connection that never read its replies")
          .isGreaterThanOrEqualTo(commandTimeout.minus(EARLY)).isLessThan(commandTimeout.plus(ANSWER_BOUND));
      probe.served();
    }
  }

  @Test
  void aThousandEsmtpParametersAreRefused_limitsCommandLineLength() throws Exception {
    start(UnaryOperator.identity());
    try (SmtpWire wire = SmtpWire.connect("127.0.28.1", relay())) {
      assertThat(wire.reply()).startsWith("220 ");
      assertThat(wire.ask("EHLO attacker.example")).startsWith("250 ");
      StringBuilder many = new StringBuilder("MAIL FROM:<a@attacker.example>");
      for (int i = 0; i < 1_000; i++) {
        many.append(" X").append(i).append("=1");
      }
      long started = System.nanoTime();
      // RFC 5321 §4.5.3.1.4: the line passes 512 octets; 500 before any parameter is parsed.
      assertThat(wire.ask(many.toString())).isEqualTo("500 5.5.2 Line too long");
      assertThat(wire.ask("MAIL FROM:<a@attacker.example>" + " SIZE=1".repeat(100_000)))
          .as("700 KB of parameters: skipped to the line's end with a fixed buffer").isEqualTo("500 5.5.2 Line too long");
      assertThat(since(started)).isLessThan(ANSWER_BOUND);
      // Within 512 octets, the first parameter that is wrong decides the reply (RFC 5321 §4.1.1.11).
      StringBuilder unknown = new StringBuilder("MAIL FROM:<a@attacker.example>");
      for (int i = 0; i < 80; i++) {
        unknown.append(" P").append(i);
      }
      assertThat(wire.ask(unknown.toString())).isEqualTo("555 5.5.4 Unsupported parameter: P0");
      assertThat(wire.ask("MAIL FROM:<a@attacker.example>" + " SIZE=1".repeat(60))).isEqualTo("501 5.5.4 Parameter given twice: SIZE");
      assertThat(wire.ask("MAIL FROM:<a@attacker.example>")).as("the session goes on").isEqualTo("250 2.1.0 Ok");
    }
  }

  // ---- heap ----------------------------------------------------------------------------------

  /** The heap in use after a full collection (the server runs in this JVM). */
  private static long usedHeapAfterGc() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** One round of the heavier attacks: 5 MB fields, 10,000 RCPTs, 5,000 NOOPs and 100 idle connections. */
  private void attackRound(String field) throws Exception {
    List<SmtpWire> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 100; i++) {
        SmtpWire wire = SmtpWire.connect("127.0.29." + (1 + i % 4), relay());
        idle.add(wire);
        assertThat(wire.reply()).startsWith("220 ");
      }
      for (int i = 0; i < 4; i++) {
        try (SmtpWire wire = inTransaction("127.0.30.1")) {
          assertThat(wire.ask("DATA")).startsWith("354 ");
          wire.write(field + "\r\nbody\r\n.\r\n");
          assertThat(wire.reply()).isEqualTo(FIELD_TOO_LONG);
        }
      }
      try (SmtpWire wire = SmtpWire.connect("127.0.30.2", relay())) {
        assertThat(wire.reply()).startsWith("220 ");
        wire.pipeline("EHLO attacker.example\r\n" + "NOOP\r\n".repeat(5_000) + "MAIL FROM:<a@attacker.example>\r\n" + recipients(10_000));
        assertThat(wire.reply()).startsWith("250 ");
        assertThat(wire.replies(5_001)).hasSize(5_001);
        assertThat(wire.replies(1_100)).hasSize(1_100);
        assertThat(wire.line()).startsWith("421 4.7.0 ");
      }
    } finally {
      for (SmtpWire wire : idle) {
        wire.close();
      }
    }
  }

  @Test
  void theHeapStaysBoundedUnderRepeatedAttack_limitsMaxMessageSizeAndTheFixedInputBuffer() throws Exception {
    start(UnaryOperator.identity());
    String field = foldedField("From", "\"", "\" <a@attacker.example>");
    // A first round warms up what is allocated once (JIT, pools, caches, the store's pages).
    attackRound(field);
    long before = usedHeapAfterGc();
    try (Probe probe = Probe.during(relay(), MAILBOX)) {
      for (int round = 0; round < 3; round++) {
        attackRound(field);
      }
      probe.served();
    }
    long growth = usedHeapAfterGc() - before;
    // Three rounds move ~70 MB of message data through the server (each 5 MB message is held whole
    // until refused, as any accepted message must be) and open 300 connections. A session keeps a
    // fixed 16 KiB input buffer and at most max-message-size of data, and lets go of both when it
    // ends; nothing is retained per connection or per refused message. 32 MiB allows for what the
    // collector leaves and what the store and event sinks keep, and is less than half of what a
    // leak of the message data alone would add.
    assertThat(growth).as("heap growth after three attack rounds, bytes").isLessThan(32L * 1024 * 1024);
    System.out.printf("heap after GC: %.1f MiB before, %.1f MiB after three attack rounds%n",
        before / 1048576.0, (before + growth) / 1048576.0);
  }
}
