package dev.hikyaku.bench.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocketFactory;

/**
 * Runs a {@link LoadPlan}: {@code connections} virtual threads, each taking up to {@code
 * perConnection} messages at a time from a shared count, opening a session for them, sending them
 * and saying QUIT, until the count is spent. In idle mode the threads set their sessions up and
 * then wait, holding the connections open.
 */
final class LoadRun {

  /** What one phase (warm-up or measured) came to. */
  record Outcome(
      Tally tally,
      Latencies.Summary setup,
      Latencies.Summary transaction,
      double elapsedSeconds,
      double clientCpuSeconds,
      long established) {

    double messagesPerSecond() {
      return elapsedSeconds > 0 ? tally.accepted.sum() / elapsedSeconds : 0;
    }
  }

  /** A reply that ended a session or a transaction early. */
  private static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    final int code;

    Refused(int code, String line) {
      super(line, null, false, false);
      this.code = code;
    }
  }

  private final LoadPlan plan;
  private final InetSocketAddress server;
  private final byte[] message;
  private final String mailCommand;
  private final String[] rcptCommands;
  private final SSLSocketFactory sharedTls;
  private final ScramSha256Client.KeyCache scramKeys = new ScramSha256Client.KeyCache();
  private final Semaphore setupPermits;
  private final AtomicLong lastEstablished = new AtomicLong();

  LoadRun(LoadPlan plan) {
    this.plan = plan;
    this.server = new InetSocketAddress(plan.host(), plan.port());
    this.message = TestMessage.wire(plan.size(), plan.from(), plan.recipient(0));
    this.mailCommand = "MAIL FROM:<" + plan.from() + ">";
    this.rcptCommands = new String[plan.recipients()];
    for (int i = 0; i < rcptCommands.length; i++) {
      rcptCommands[i] = "RCPT TO:<" + plan.recipient(i) + ">";
    }
    this.sharedTls = plan.security() == Security.PLAIN ? null : TrustAll.socketFactory();
    this.setupPermits = new Semaphore(plan.setupConcurrency());
  }

  /** Sends {@code messages} messages over {@code connections} sessions and waits for the last reply. */
  Outcome send(long messages) throws InterruptedException {
    Phase phase = new Phase(messages, plan.rate());
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < plan.connections(); i++) {
        threads.submit(() -> {
          Latencies setup = new Latencies();
          Latencies transaction = new Latencies();
          try {
            long claim;
            while ((claim = phase.claim(plan.perConnection())) > 0) {
              session(claim, phase, setup, transaction);
            }
          } finally {
            phase.recorded(setup, transaction);
          }
        });
      }
    } // close() waits for every session
    return phase.outcome(phase.elapsedSeconds(), phase.tally.sessions.sum());
  }

  /**
   * Idle capacity: sets up {@code connections} sessions, calls {@code whileHeld} once every one has
   * either been set up or failed, then ends them all with QUIT.
   */
  Outcome hold(Runnable whileHeld) throws InterruptedException {
    Phase phase = new Phase(0, 0);
    Tally tally = phase.tally;
    CountDownLatch settled = new CountDownLatch(plan.connections());
    CountDownLatch release = new CountDownLatch(1);
    AtomicLong established = lastEstablished;
    established.set(0);
    double[] setupSeconds = new double[1];
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < plan.connections(); i++) {
        threads.submit(() -> {
          Latencies setup = new Latencies();
          phase.recorded(setup, new Latencies());
          SmtpConnection connection = null;
          boolean isSettled = false;
          try {
            connection = setUp(setup);
            established.incrementAndGet();
            settled.countDown();
            isSettled = true;
            release.await();
            connection.command("QUIT");
            connection.flush();
            connection.reply(false);
          } catch (Refused e) {
            tally.fail(Integer.toString(e.code), e.getMessage(), 1);
          } catch (IOException e) {
            // After release, a failing QUIT costs nothing; before it, the connection never held.
            if (!isSettled) {
              tally.fail(Tally.kind(e), String.valueOf(e), 1);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            if (!isSettled) {
              settled.countDown();
            }
            if (connection != null) {
              connection.close();
            }
          }
        });
      }
      settled.await();
      setupSeconds[0] = phase.elapsedSeconds();
      whileHeld.run();
      release.countDown();
    }
    return phase.outcome(setupSeconds[0], established.get());
  }

  /** Connections set up by the current or last {@link #hold}. */
  long lastEstablished() {
    return lastEstablished.get();
  }

  private void session(long claim, Phase phase, Latencies setupTimes, Latencies transactionTimes) {
    Tally tally = phase.tally;
    long done = 0;
    SmtpConnection connection = null;
    try {
      connection = setUp(setupTimes);
      tally.sessions.increment();
      for (; done < claim; done++) {
        phase.pace();
        long mailAt = System.nanoTime();
        try {
          transaction(connection);
          transactionTimes.record(System.nanoTime() - mailAt);
          tally.accepted.increment();
        } catch (Refused e) {
          tally.fail(Integer.toString(e.code), e.getMessage(), 1);
          if (e.code == 421) {
            // RFC 5321 §3.8: the server is closing the session; the rest of the claim fails with it.
            tally.fail("421", e.getMessage(), claim - done - 1);
            return;
          }
        }
      }
      connection.command("QUIT");
      connection.flush();
      connection.reply(false);
    } catch (Refused e) {
      tally.fail(Integer.toString(e.code), e.getMessage(), claim - done);
    } catch (IOException e) {
      if (done < claim) {
        tally.fail(Tally.kind(e), String.valueOf(e), claim - done);
      }
      // A failure after the last message (during QUIT) costs no message.
    } finally {
      if (connection != null) {
        connection.close();
      }
    }
  }

  /**
   * Connect → ready for MAIL: greeting, EHLO, STARTTLS and EHLO again, AUTH. The time recorded
   * starts once this session may connect (after its {@code --setup-concurrency} permit), so waiting
   * for a permit is not counted as the server's set-up time.
   */
  private SmtpConnection setUp(Latencies setupTimes) throws IOException, Refused {
    try {
      setupPermits.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting to connect", e);
    }
    long began = System.nanoTime();
    SmtpConnection connection = null;
    try {
      SSLSocketFactory tls = sharedTls == null ? null : plan.isTlsResumed() ? sharedTls : TrustAll.socketFactory();
      connection = SmtpConnection.open(server, plan.timeout(), plan.security() == Security.IMPLICIT ? tls : null);
      expect(connection, connection.reply(false), 220);
      List<String> keywords = ehlo(connection);
      if (plan.security() == Security.STARTTLS) {
        connection.command("STARTTLS");
        connection.flush();
        expect(connection, connection.reply(false), 220);
        connection.startTls(tls, server);
        // RFC 3207 §4.2: the client MUST discard what it knew and say EHLO again.
        keywords = ehlo(connection);
      }
      connection.isPipelining = plan.isPipelining() && keywords.contains("PIPELINING");
      switch (plan.auth()) {
        case NONE -> {}
        case PLAIN -> authPlain(connection);
        case SCRAM_SHA_256 -> authScram(connection);
      }
      setupTimes.record(System.nanoTime() - began);
      return connection;
    } catch (IOException | Refused | RuntimeException e) {
      if (connection != null) {
        connection.close();
      }
      throw e;
    } finally {
      setupPermits.release();
    }
  }

  /** EHLO; returns the keywords (first word of each line after the first), upper-case. */
  private List<String> ehlo(SmtpConnection connection) throws IOException, Refused {
    connection.command("EHLO " + plan.ehloName());
    connection.flush();
    ServerReply reply = connection.reply(true);
    if (reply.code() != 250) {
      throw new Refused(reply.code(), reply.firstLine());
    }
    List<String> keywords = new ArrayList<>();
    for (String line : reply.lines().subList(1, reply.lines().size())) {
      int space = line.indexOf(' ');
      keywords.add((space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT));
    }
    return keywords;
  }

  /** RFC 4616 §2: message = [authzid] NUL authcid NUL passwd, sent as the initial response. */
  private void authPlain(SmtpConnection connection) throws IOException, Refused {
    byte[] credentials = ("\0" + plan.user() + "\0" + plan.password()).getBytes(StandardCharsets.UTF_8);
    connection.command("AUTH PLAIN " + Base64.getEncoder().encodeToString(credentials));
    connection.flush();
    expect(connection, connection.reply(false), 235);
  }

  /**
   * RFC 5802 over RFC 4954: client-first as the initial response, client-final in answer to the
   * first 334, and an empty line in answer to the second 334, which carries server-final (RFC 4954
   * §4 has no room for data in 235).
   */
  private void authScram(SmtpConnection connection) throws IOException, Refused {
    byte[] nonce = new byte[18];
    ThreadLocalRandom.current().nextBytes(nonce); // not secret: a load generator's nonce
    ScramSha256Client scram =
        new ScramSha256Client(plan.user(), plan.password(), Base64.getEncoder().encodeToString(nonce), scramKeys);
    connection.command("AUTH SCRAM-SHA-256 " + base64(scram.clientFirst()));
    connection.flush();
    ServerReply first = connection.reply(true);
    if (first.code() != 334) {
      throw new Refused(first.code(), first.firstLine());
    }
    String clientFinal;
    try {
      clientFinal = scram.clientFinal(unbase64(first.lines().getFirst()));
    } catch (IllegalArgumentException e) {
      connection.command("*"); // RFC 4954 §4: cancel the exchange
      connection.flush();
      throw new IOException("SCRAM: " + e.getMessage());
    }
    connection.command(base64(clientFinal));
    connection.flush();
    ServerReply last = connection.reply(true);
    if (last.code() == 334) {
      if (!scram.verifyServerFinal(unbase64(last.lines().getFirst()))) {
        connection.command("*");
        connection.flush();
        throw new IOException("SCRAM: server signature does not verify");
      }
      connection.command("");
      connection.flush();
      last = connection.reply(true);
    }
    if (last.code() != 235) {
      throw new Refused(last.code(), last.firstLine());
    }
  }

  /**
   * MAIL, RCPT × R, DATA, the message, and the reply to the final dot. With PIPELINING (RFC 2920
   * §3.1) the commands up to DATA go out as one group and their replies are read after.
   */
  private void transaction(SmtpConnection connection) throws IOException, Refused {
    Refused failure = null;
    connection.command(mailCommand);
    if (!connection.isPipelining) {
      connection.flush();
      failure = check(connection, connection.reply(false), 250, null);
      if (failure != null) {
        throw failure;
      }
    }
    for (String rcpt : rcptCommands) {
      connection.command(rcpt);
      if (!connection.isPipelining) {
        connection.flush();
        failure = check(connection, connection.reply(false), 250, failure);
      }
    }
    connection.command("DATA");
    connection.flush();
    if (connection.isPipelining) {
      failure = check(connection, connection.reply(false), 250, failure); // MAIL
      for (int i = 0; i < rcptCommands.length; i++) {
        failure = check(connection, connection.reply(false), 250, failure);
      }
    }
    ServerReply data = connection.reply(false);
    if (data.code() != 354) {
      failure = check(connection, data, 354, failure);
      connection.command("RSET");
      connection.flush();
      connection.reply(false);
      throw failure;
    }
    connection.write(message);
    connection.flush();
    ServerReply end = connection.reply(false);
    failure = check(connection, end, 250, failure);
    if (failure != null) {
      throw failure;
    }
  }

  /** The first failure of a transaction is the one reported; 2xx counts as success for RCPT. */
  private static Refused check(SmtpConnection connection, ServerReply reply, int expected, Refused earlier) {
    if (earlier != null) {
      return earlier;
    }
    boolean isOk = expected == 354 ? reply.code() == 354 : reply.isPositiveCompletion();
    return isOk ? null : new Refused(reply.code(), connection.lastLine());
  }

  private static void expect(SmtpConnection connection, ServerReply reply, int code) throws Refused {
    if (reply.code() != code) {
      throw new Refused(reply.code(), connection.lastLine());
    }
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String unbase64(String text) throws IOException {
    try {
      return new String(Base64.getDecoder().decode(text.trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IOException("server sent bad base64 in a 334 challenge", e);
    }
  }

}
