package dev.hikyaku.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.intake.SubmissionAgent;
import dev.hikyaku.intake.SubmissionAgent.Disposition;
import dev.hikyaku.intake.SubmissionAgent.Outcome;
import dev.hikyaku.intake.SubmissionAgent.RecipientResult;
import dev.hikyaku.net.TlsContexts;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.Replies;
import dev.hikyaku.store.ApiKey;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.testing.TestServers;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The send routes over real TLS against a {@link Submissions} the test controls: how each outcome
 * is answered (status, problem type, {@code Retry-After}), and an Idempotency-Key whose first
 * request is still running (409).
 */
class MessageSendTest {

  private static final String TOKEN = "test-key-that-may-send";
  private static final ApiKeyCheck KEYS = (token, client) -> token.equals(TOKEN)
      ? new ApiKeyCheck.Verdict.Valid(new ApiKeyCheck.Caller("app", "alice@example.com", Set.of(ApiKey.Scope.SEND), List.of(), ApiKey.Limits.NONE))
      : new ApiKeyCheck.Verdict.Invalid();
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String MESSAGE =
      "{\"from\": \"alice@example.com\", \"to\": [\"bob@example.net\", \"carol@example.net\"], \"text\": \"hi\"}";

  @TempDir Path dir;
  private TlsContexts tls;
  private ApiServer api;
  private HttpClient client;
  /** What the next submission comes out as; each submission waits for {@link #release} first. */
  private final AtomicReference<Outcome> outcome = new AtomicReference<>();
  private final AtomicReference<CountDownLatch> release = new AtomicReference<>(new CountDownLatch(0));
  private final CountDownLatch submitted = new CountDownLatch(1);
  private final ConcurrentHashMap<String, Submissions.Recorded> records = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    tls = TlsContexts.selfSigned("localhost", dir.resolve("tls"), Duration.ZERO);
    Submissions submissions = new Submissions() {
      @Override
      public Outcome submit(SubmissionAgent.Submission submission) {
        submitted.countDown();
        try {
          release.get().await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        Outcome next = outcome.get();
        if (next instanceof Outcome.Queued queued && submission.idempotency().isPresent()) {
          var idempotency = submission.idempotency().get();
          records.put(idempotency.scope(), new Submissions.Recorded(
              queued.id().value(), idempotency.fingerprint(), idempotency.status(), idempotency.response().apply(queued)));
        }
        return next;
      }

      @Override
      public Optional<Recorded> recorded(String scope) {
        return Optional.ofNullable(records.get(scope));
      }

      @Override
      public Limits limits() {
        return new Limits(64 * 1024, 100);
      }
    };
    api = ApiServer.start(InetAddress.getLoopbackAddress(), 0, Optional.of(tls),
        Backends.NONE.withKeys(KEYS).withSubmissions(submissions));
    client = TestServers.httpClientTrusting(tls.currentCertificate());
  }

  @AfterEach
  void stop() {
    client.close();
    api.close();
    tls.close();
  }

  private HttpRequest request(String key) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + api.port() + "/v1/messages"))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + TOKEN)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(MESSAGE));
    if (key != null) {
      request.header("Idempotency-Key", key);
    }
    return request.build();
  }

  private HttpResponse<String> send() throws Exception {
    return client.send(request(null), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode problem(HttpResponse<String> response, int status, String type) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    OpenApiContract.get().assertConforms("POST", "/v1/messages", status, OpenApiContract.mediaType(response.headers().firstValue("Content-Type")),
        response.body());
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("type").asString()).isEqualTo(Problems.TYPE_BASE + type);
    return body;
  }

  private static Outcome.Queued queued() {
    return new Outcome.Queued(QueueId.generate(Clock.systemUTC(), new SplittableRandom(3)), Optional.of("<m1@example.com>"), List.of(
        new RecipientResult(ForwardPath.of("bob@example.net"), Disposition.QUEUED, Optional.empty()),
        new RecipientResult(ForwardPath.of("carol@example.net"), Disposition.REJECTED,
            Optional.of(Replies.relayDenied(ForwardPath.of("carol@example.net"))))));
  }

  @Test
  void eachOutcomeIsAnsweredAsItsProblem() throws Exception {
    outcome.set(new Outcome.SenderRefused(SubmissionAgent.SenderCause.RATE_LIMITED,
        Replies.messageRateExceeded("alice@example.com", 10), "message rate"));
    HttpResponse<String> limited = send();
    assertThat(problem(limited, 429, "rate-limited").get("detail").asString()).contains("450 4.7.1");
    assertThat(limited.headers().firstValue("Retry-After")).hasValue("60");

    outcome.set(new Outcome.SenderRefused(SubmissionAgent.SenderCause.SUSPENDED, Replies.accountSuspended("alice@example.com"), "x"));
    problem(send(), 403, "account-suspended");

    outcome.set(new Outcome.SenderRefused(SubmissionAgent.SenderCause.UNAVAILABLE, Replies.policyUnavailable(), "registry"));
    HttpResponse<String> unavailable = send();
    problem(unavailable, 503, "unavailable");
    assertThat(unavailable.headers().firstValue("Retry-After")).hasValue("5");

    outcome.set(new Outcome.NotQueued(true, "below headroom"));
    HttpResponse<String> full = send();
    problem(full, 503, "queue-full");
    assertThat(full.headers().firstValue("Retry-After")).hasValue("60");

    outcome.set(new Outcome.NotQueued(false, "commit failed"));
    problem(send(), 503, "unavailable");

    outcome.set(new Outcome.ContentRefused(Replies.fromHeaderMissing(), "no From"));
    assertThat(problem(send(), 422, "message-refused").get("detail").asString()).contains("550 5.6.0");

    outcome.set(new Outcome.RecipientsRefused(List.of(
        new RecipientResult(ForwardPath.of("bob@example.net"), Disposition.RATE_LIMITED,
            Optional.of(Replies.recipientRateExceeded("alice@example.com", 5))),
        new RecipientResult(ForwardPath.of("carol@example.net"), Disposition.RATE_LIMITED,
            Optional.of(Replies.recipientRateExceeded("alice@example.com", 5))))));
    problem(send(), 429, "rate-limited");

    outcome.set(new Outcome.RecipientsRefused(List.of(
        new RecipientResult(ForwardPath.of("bob@example.net"), Disposition.RATE_LIMITED,
            Optional.of(Replies.recipientRateExceeded("alice@example.com", 5))),
        new RecipientResult(ForwardPath.of("carol@example.net"), Disposition.REJECTED,
            Optional.of(Replies.relayDenied(ForwardPath.of("carol@example.net")))))));
    JsonNode refused = problem(send(), 422, "recipients-refused");
    assertThat(refused.get("errors").get(0).get("pointer").asString()).isEqualTo("/to/0");
    assertThat(refused.get("errors").get(1).get("pointer").asString()).isEqualTo("/to/1");

    outcome.set(queued());
    HttpResponse<String> accepted = send();
    assertThat(accepted.statusCode()).isEqualTo(202);
    JsonNode body = JSON.readTree(accepted.body());
    assertThat(body.get("recipients").get(1).get("status").asString()).isEqualTo("rejected");
    assertThat(body.get("recipients").get(1).get("reason").asString()).startsWith("5");
  }

  @Test
  void aKeyWhoseFirstRequestIsStillRunningIs409() throws Exception {
    outcome.set(queued());
    release.set(new CountDownLatch(1));
    CompletableFuture<HttpResponse<String>> first = client.sendAsync(request("k-1"), HttpResponse.BodyHandlers.ofString());
    assertThat(submitted.await(20, TimeUnit.SECONDS)).isTrue();

    HttpResponse<String> second = client.send(request("k-1"), HttpResponse.BodyHandlers.ofString());
    problem(second, 409, "idempotency-key-in-flight");
    assertThat(second.headers().firstValue("Retry-After")).hasValue("1");
    release.get().countDown();
    assertThat(first.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(202);

    HttpResponse<String> replay = client.send(request("k-1"), HttpResponse.BodyHandlers.ofString());
    assertThat(replay.statusCode()).isEqualTo(202);
    assertThat(replay.body()).isEqualTo(first.get().body());
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
  }
}
