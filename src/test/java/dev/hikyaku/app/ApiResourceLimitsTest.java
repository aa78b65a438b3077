package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.store.ApiKey;
import dev.hikyaku.testing.NestedMime;
import dev.hikyaku.testing.Probe;
import dev.hikyaku.testing.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Resource limits of the HTTP API under attack, on a running server over TLS: input built to make
 * a parser recurse, or to make it work in more than linear time. Each is answered within {@link
 * #ANSWER_BOUND} with the status its limit gives, and the server answers a normal SMTP client
 * ({@link Probe}) throughout.
 */
class ApiResourceLimitsTest {

  private static final String ALICE = "alice@hikyaku.test";
  private static final String PASSWORD = "a pass phrase long enough for any policy 7";
  private static final JsonMapper JSON = JsonMapper.builder().build();
  /** How long one hostile request may take to be answered: generous for CI on 2 cores. */
  private static final Duration ANSWER_BOUND = Duration.ofSeconds(10);

  @TempDir Path data;
  private Server server;
  private HttpClient client;
  private String sendKey;

  @BeforeEach
  void start() throws Exception {
    HikyakuConfig config = TestServers.config(data).withApi(TestServers.loopbackApi());
    server = TestServers.start(config, UnaryOperator.identity(), List.of());
    client = TestServers.httpClientTrusting(server.tls().currentCertificate());
    TestServers.createAccount(server, ALICE, PASSWORD);
    sendKey = GeneratedSecrets.newApiKey(new SecureRandom());
    server.store().apiKeys().add(ALICE, "sender", GeneratedSecrets.keyedHash(server.store().serverSecret().value(), sendKey),
        EnumSet.of(ApiKey.Scope.SEND), List.of(), List.of(), ApiKey.Limits.NONE);
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  /** POSTs {@code body}, checking it is answered within {@link #ANSWER_BOUND}. */
  private HttpResponse<String> post(String path, String contentType, byte[] body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.apiPort() + path))
        .timeout(ANSWER_BOUND.multipliedBy(2))
        .header("Authorization", "Bearer " + sendKey)
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    long started = System.nanoTime();
    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("answered within the bound").isLessThan(ANSWER_BOUND);
    return response;
  }

  private HttpResponse<String> postRaw(String message) throws Exception {
    return post("/v1/messages/raw", "message/rfc822", message.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode problem(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    return JSON.readTree(response.body());
  }

  private int relay() {
    return server.port(ListenerRole.RELAY);
  }

  @Test
  void tenThousandNestedMultipartsAreTakenAsAMessageOfItsSize_limitsMaxMessageSize() throws Exception {
    String message = NestedMime.multipart("From: <" + ALICE + ">\r\nTo: <bob@example.net>\r\nSubject: nested\r\n", 10_000);
    try (Probe probe = Probe.during(relay(), ALICE)) {
      // The API reads the header only (envelope, From: ownership); DKIM and the store take the body
      // as octets. Nothing walks the MIME tree, so depth costs what size costs: 202, as SMTP's 250.
      HttpResponse<String> response = postRaw(message);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
      assertThat(JSON.readTree(response.body()).get("status").asString()).isEqualTo("queued");
      probe.served();
    }
  }

  @Test
  void deeplyNestedJsonIsRefusedAsBadRequest_limitsJsonNestingDepth() throws Exception {
    String arrays = "[".repeat(10_000) + "]".repeat(10_000);
    String objects = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);
    try (Probe probe = Probe.during(relay(), ALICE)) {
      for (String deep : List.of(
          arrays,
          "{\"from\":\"" + ALICE + "\",\"to\":[\"bob@example.net\"],\"subject\":\"s\",\"text\":\"t\",\"metadata\":" + objects + "}")) {
        JsonNode refused = problem(post("/v1/messages", "application/json", deep.getBytes(StandardCharsets.UTF_8)), 400);
        // Jackson's StreamReadConstraints: the parser stops at its nesting limit, before any stack
        // depth matters; no StackOverflowError, no 500.
        assertThat(refused.get("detail").asString()).startsWith("the request body is not valid JSON: ").contains("nesting depth");
      }
      probe.served();
    }
  }

  /** A field named {@code name} of about {@code size} octets: {@code start}, {@code repeated} and a fold as often as fits, {@code end}. */
  private static String foldedField(String name, int size, String start, String repeated, String end) {
    StringBuilder field = new StringBuilder(size + 100).append(name).append(": ").append(start);
    while (field.length() < size) {
      field.append(repeated).append("\r\n ");
    }
    return field.append(end).append("\r\n").toString();
  }

  @Test
  void hugeFoldedFieldsInARawMessageAreRefusedBeforeAnyParse_limitsHeaderFieldOctets() throws Exception {
    List<String> messages = List.of(
        foldedField("From", 5_000_000, "\"", "a".repeat(70), "\" <" + ALICE + ">") + "To: <bob@example.net>\r\n\r\nbody\r\n",
        // 30 MB, 1.4 million addresses: parsed whole before the field limit was checked, 11 s on 2 cores.
        "From: <" + ALICE + ">\r\n" + foldedField("To", 30_000_000, "", "<bob@example.net>, ", "<bob@example.net>") + "\r\nbody\r\n",
        "From: <" + ALICE + ">\r\nTo: <bob@example.net>\r\n"
            + foldedField("DKIM-Signature", 5_000_000, "v=1; a=rsa-sha256; d=example.org; s=s; h=from; bh=; b=", "a".repeat(70), "")
            + "\r\nbody\r\n");
    try (Probe probe = Probe.during(relay(), ALICE)) {
      for (String message : messages) {
        JsonNode refused = problem(postRaw(message), 422);
        assertThat(refused.get("detail").asString()).isEqualTo("552 5.3.4 Message rejected: a header field is longer than 102400 octets");
      }
      probe.served();
    }
  }
}
