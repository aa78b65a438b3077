package dev.hikyaku.bench.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * Runs a {@link LoadPlan} in HTTP mode: {@code connections} virtual threads, each with an {@link
 * HttpClient} of its own (HTTP/1.1, so one keep-alive connection per client), each taking one
 * message at a time from the phase and sending it as {@code POST /v1/messages} until the count is
 * spent. A {@code 202} counts as accepted; any other status is a failure under that status, with the
 * first problem body as the example.
 *
 * <p>One client per worker rather than one shared: each worker then owns exactly one connection, as
 * an SMTP session thread owns its socket, so {@code -c 20} means 20 connections whatever the timing
 * (a shared client's pool opens a connection whenever a request finds none idle, and a response
 * returned late can leave one idle while another is opened); the connections open in the first
 * phase and stay open through the next (warm-up, then measured), so the measured phase has no
 * handshakes in it; and no selector thread is shared by all 20, which would be a queue of the
 * client's own. The cost is one selector platform thread per client, idle while waiting.
 *
 * <p>The first request of each client opens its connection (TCP, TLS handshake): it is recorded as
 * the set-up time; every later one as a transaction (request sent → status and body read).
 */
final class ApiRun implements AutoCloseable {

  private final LoadPlan plan;
  private final HttpClient[] clients;
  private final boolean[] isOpened;
  private final HttpRequest request;

  ApiRun(LoadPlan plan) {
    this.plan = plan;
    this.clients = new HttpClient[plan.connections()];
    this.isOpened = new boolean[plan.connections()];
    for (int i = 0; i < clients.length; i++) {
      clients[i] =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .sslContext(TrustAll.context())
              .connectTimeout(plan.timeout())
              .build();
    }
    List<String> recipients = new ArrayList<>();
    for (int i = 0; i < plan.recipients(); i++) {
      recipients.add(plan.recipient(i));
    }
    // One request, sent again and again: HttpRequest is immutable and a byte-array body can be
    // published any number of times.
    this.request =
        HttpRequest.newBuilder(URI.create(plan.api() + "/v1/messages"))
            .timeout(plan.timeout())
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + plan.apiKey())
            .POST(HttpRequest.BodyPublishers.ofByteArray(JsonMessage.json(plan.size(), plan.from(), recipients)))
            .build();
  }

  /** Sends {@code messages} messages over the clients and waits for the last answer. */
  LoadRun.Outcome send(long messages) throws InterruptedException {
    Phase phase = new Phase(messages, plan.rate());
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < clients.length; i++) {
        int worker = i;
        threads.submit(() -> {
          Latencies setup = new Latencies();
          Latencies transaction = new Latencies();
          try {
            boolean isUsed = false;
            while (phase.claim(1) > 0) {
              if (!isUsed) {
                phase.tally.sessions.increment();
                isUsed = true;
              }
              phase.pace();
              post(worker, phase.tally, setup, transaction);
            }
          } finally {
            phase.recorded(setup, transaction);
          }
        });
      }
    }
    return phase.outcome(phase.elapsedSeconds(), phase.tally.sessions.sum());
  }

  private void post(int worker, Tally tally, Latencies setup, Latencies transaction) {
    long sentAt = System.nanoTime();
    try {
      HttpResponse<String> response = clients[worker].send(request, ApiRun::body);
      long took = System.nanoTime() - sentAt;
      (isOpened[worker] ? transaction : setup).record(took);
      isOpened[worker] = true;
      if (response.statusCode() == 202) {
        tally.accepted.increment();
      } else {
        tally.fail(Integer.toString(response.statusCode()), response.body(), 1);
      }
    } catch (IOException e) {
      // The HTTP client wraps what went wrong: the cause says which connect failed and why.
      tally.fail(Tally.kind(e), e.getCause() == null ? String.valueOf(e) : e + " (" + e.getCause() + ")", 1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      tally.fail("io", "interrupted", 1);
    }
  }

  /** A 202's body is read and dropped; any other status's is kept as text, the failure's example. */
  private static HttpResponse.BodySubscriber<String> body(HttpResponse.ResponseInfo info) {
    return info.statusCode() == 202
        ? HttpResponse.BodySubscribers.replacing(null)
        : HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    for (HttpClient client : clients) {
      client.shutdownNow();
    }
  }
}
