package dev.hikyaku.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP mode against the JDK's own HTTP server on 127.0.0.1 (plain HTTP; HTTPS is covered by CI's smoke run). */
class ApiRunTest {

  private HttpServer server;
  private final List<String> bodies = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final Set<String> peers = ConcurrentHashMap.newKeySet();
  @TempDir Path dir;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/v1/messages", exchange -> {
      try (exchange) {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        bodies.add(body);
        authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
        peers.add(exchange.getRemoteAddress().toString());
        boolean isRefused = body.contains("refused@");
        byte[] answer = (isRefused ? "{\"type\":\"https://hikyaku.dev/problems/recipients-refused\"}" : "{\"id\":\"q\",\"status\":\"queued\"}").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(isRefused ? 422 : 202, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(answer);
        }
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void postsEveryMessageOverOneKeptConnectionPerClient() throws Exception {
    LoadPlan plan = plan("-c", "3", "-m", "30", "--warmup", "6", "-s", "1KiB");

    try (ApiRun run = new ApiRun(plan)) {
      LoadRun.Outcome warm = run.send(plan.warmup());
      LoadRun.Outcome outcome = run.send(plan.messages());

      assertThat(warm.tally().accepted.sum()).isEqualTo(6);
      assertThat(outcome.tally().accepted.sum()).isEqualTo(30);
      assertThat(outcome.tally().failed()).isZero();
      // Every connection was opened in the warm-up: the measured phase is all transactions.
      assertThat(warm.setup().samples()).isEqualTo(3);
      assertThat(outcome.setup().samples()).isZero();
      assertThat(outcome.transaction().samples()).isEqualTo(30);
    }
    assertThat(bodies).hasSize(36).allSatisfy(body -> assertThat(body).hasSize(1024).startsWith("{\"from\":\"load@bench.example\",\"to\":[\"user@bench.example\"]"));
    assertThat(authorizations).containsOnly("Bearer hk_testkey");
    assertThat(peers).hasSize(3);
  }

  @Test
  void countsOtherStatusesAsFailuresWithTheirBody() throws Exception {
    LoadPlan plan = plan("-c", "2", "-m", "4", "--to", "refused@bench.example");

    try (ApiRun run = new ApiRun(plan)) {
      LoadRun.Outcome outcome = run.send(plan.messages());

      assertThat(outcome.tally().accepted.sum()).isZero();
      assertThat(outcome.tally().failures()).containsEntry("422", 4L);
      assertThat(outcome.tally().example("422")).contains("recipients-refused");
    }
  }

  @Test
  void countsARefusedConnectionByKind() throws Exception {
    LoadPlan plan = plan("-c", "1", "-m", "2");
    server.stop(0);

    try (ApiRun run = new ApiRun(plan)) {
      assertThat(run.send(plan.messages()).tally().failures()).containsEntry("connect", 2L);
    }
  }

  private LoadPlan plan(String... options) throws IOException {
    Path key = Files.writeString(dir.resolve("key"), "hk_testkey\n");
    List<String> args = new java.util.ArrayList<>(List.of("--api", "http://127.0.0.1:" + server.getAddress().getPort(), "--key-file", key.toString(), "--timeout", "10"));
    args.addAll(List.of(options));
    return LoadPlan.parse(args);
  }
}
