package dev.hikyaku.bench.load;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code java -jar hikyaku-load.jar --port 2525 -c 20 -m 5000 ...}: runs the plan, prints a
 * human-readable report and, as the last line, one JSON object. Exit status 0 when every message
 * was accepted (idle mode: every connection was set up), 1 otherwise, 2 for a bad command line.
 */
public final class LoadTool {

  private LoadTool() {}

  public static void main(String[] args) throws InterruptedException {
    LoadPlan plan;
    try {
      plan = LoadPlan.parse(List.of(args));
    } catch (IllegalArgumentException | IOException e) {
      if (!"help".equals(e.getMessage())) {
        System.err.println("hikyaku-load: " + e.getMessage());
      }
      System.err.println(LoadPlan.USAGE);
      System.exit(2);
      return;
    }
    System.exit(run(plan, System.out) ? 0 : 1);
  }

  /** A phase of sending: the SMTP engine's or the HTTP one's. */
  private interface Sender {
    LoadRun.Outcome send(long messages) throws InterruptedException;
  }

  /** Runs {@code plan}, reports on {@code out}; true when nothing failed. */
  static boolean run(LoadPlan plan, PrintStream out) throws InterruptedException {
    if (plan.isApi()) {
      try (ApiRun api = new ApiRun(plan)) {
        return send(plan, api::send, out);
      }
    }
    LoadRun run = new LoadRun(plan);
    if (plan.isIdle()) {
      out.println("hikyaku-load: " + plan.label() + " idle: " + plan);
      LoadRun.Outcome outcome =
          run.hold(() -> {
            // compare.sh waits for this line, then measures the server's memory.
            out.printf(Locale.ROOT, "hikyaku-load: holding %d connections for %d s%n", established(run), plan.holdSeconds());
            out.flush();
            try {
              Thread.sleep(plan.holdSeconds() * 1000L);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      report(plan, outcome, 0, out);
      return outcome.established() == plan.connections();
    }
    return send(plan, run::send, out);
  }

  /** The warm-up, if any, then the measured phase, and the report. */
  private static boolean send(LoadPlan plan, Sender sender, PrintStream out) throws InterruptedException {
    long warmAccepted = 0;
    if (plan.warmup() > 0) {
      LoadRun.Outcome warm = sender.send(plan.warmup());
      warmAccepted = warm.tally().accepted.sum();
      out.printf(
          Locale.ROOT,
          "hikyaku-load: warm-up %d messages: accepted %d, failed %d, %.1f msgs/s%n",
          plan.warmup(),
          warm.tally().accepted.sum(),
          warm.tally().failed(),
          warm.messagesPerSecond());
    }
    out.println("hikyaku-load: " + plan.label() + ": " + plan);
    LoadRun.Outcome outcome = sender.send(plan.messages());
    report(plan, outcome, warmAccepted, out);
    return outcome.tally().failed() == 0 && outcome.tally().accepted.sum() == plan.messages();
  }

  private static long established(LoadRun run) {
    return run.lastEstablished();
  }

  /** @param warmAccepted messages accepted during the warm-up (counted apart, reported for CPU accounting) */
  private static void report(LoadPlan plan, LoadRun.Outcome outcome, long warmAccepted, PrintStream out) {
    Tally tally = outcome.tally();
    Map<String, Long> failures = tally.failures();
    if (plan.isIdle()) {
      out.printf(Locale.ROOT, "established %d of %d connections in %.2f s%n", outcome.established(), plan.connections(), outcome.elapsedSeconds());
    } else {
      out.printf(
          Locale.ROOT,
          "accepted %d, failed %d, sessions %d, elapsed %.2f s, %.1f msgs/s, tool CPU %.2f s%n",
          tally.accepted.sum(),
          tally.failed(),
          tally.sessions.sum(),
          outcome.elapsedSeconds(),
          outcome.messagesPerSecond(),
          outcome.clientCpuSeconds());
    }
    failures.forEach((key, count) -> out.printf(Locale.ROOT, "  failed %s: %d (first: %s)%n", key, count, tally.example(key)));
    if (plan.isApi()) {
      line(out, "first request of a client (connect, TLS, POST to answer)", outcome.setup());
      line(out, "request on an open connection (POST to answer read)     ", outcome.transaction());
    } else {
      line(out, "session set-up (connect to ready for MAIL)", outcome.setup());
      if (!plan.isIdle()) {
        line(out, "transaction (MAIL to reply to final dot)  ", outcome.transaction());
      }
    }
    Json json =
        new Json()
            .put("tool", "hikyaku-load")
            .put("label", plan.label())
            .put("mode", plan.isIdle() ? "idle" : "send")
            .put("protocol", plan.isApi() ? "http" : "smtp")
            .put("host", plan.host())
            .put("port", plan.port())
            .put("tls", plan.isApi() ? plan.api().getScheme() : plan.security().label())
            .put("auth", plan.isApi() ? "bearer" : plan.auth() == AuthMechanism.NONE ? "none" : plan.auth().saslName())
            .put("connections", plan.connections())
            .put("messages", plan.isIdle() ? 0 : plan.messages())
            // HTTP mode keeps each client's connection for the whole run: no count per connection.
            .put("perConnection", plan.isApi() ? 0 : plan.perConnection())
            .put("size", plan.size())
            .put("recipients", plan.recipients())
            .put("pipelining", plan.isPipelining())
            .put("rate", plan.rate())
            .put("warmup", plan.warmup())
            .put("warmupAccepted", warmAccepted)
            .put("accepted", tally.accepted.sum())
            .put("failed", tally.failed())
            .put("failures", failures)
            .put("sessions", plan.isIdle() ? outcome.established() : tally.sessions.sum())
            .put("established", outcome.established())
            .put("elapsedSeconds", outcome.elapsedSeconds())
            .put("msgsPerSecond", outcome.messagesPerSecond())
            .put("clientCpuSeconds", outcome.clientCpuSeconds())
            .put("setupMs", outcome.setup())
            .put("transactionMs", outcome.transaction());
    out.println(json);
    out.flush();
  }

  private static void line(PrintStream out, String what, Latencies.Summary summary) {
    out.printf(
        Locale.ROOT,
        "%s ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f  (%d samples)%n",
        what,
        summary.p50(),
        summary.p90(),
        summary.p99(),
        summary.max(),
        summary.samples());
  }
}
