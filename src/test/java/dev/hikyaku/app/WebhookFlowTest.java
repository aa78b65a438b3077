package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.api.OpenApiContract;
import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.config.DeliveryConfig;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.events.Event;
import dev.hikyaku.store.ApiKey;
import dev.hikyaku.store.Suppression;
import dev.hikyaku.testing.ScriptedMx;
import dev.hikyaku.testing.TestServers;
import dev.hikyaku.testing.WebhookReceiver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 13 from end to end on a running server: an account registers a webhook over the API (TLS,
 * every answer checked against docs/openapi.yaml), submits over SMTP to an MX that answers 250, 450
 * then 250, and 550 5.1.1, and a real HTTP receiver on loopback (allowed explicitly) gets
 * message.accepted, .delivered, .deferred, .bounced and suppression.created, each signed per
 * Standard Webhooks (checked here with a HMAC of our own, the vector's algorithm), each body the
 * documented envelope around exactly the object GET /v1/events shows under the same id. Then the
 * delivery log, a test ping, a rotation (two signatures), a replay (the same ids again) and the
 * removal. A recipient refused for the suppression list reaches the endpoints as message.suppressed,
 * with or without a message, in the same documented shape, through the filters as documented.
 */
class WebhookFlowTest {

  private static final String ALICE = "alice@hikyaku.test";
  private static final String PASSWORD = "a pass phrase long enough for any policy 7";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path data;
  private TestDnsServer dns;
  private ScriptedMx mx;
  private WebhookReceiver receiver;
  private Server server;
  private HttpClient http;
  private final List<Event> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    mx = new ScriptedMx();
    receiver = WebhookReceiver.start(0);
    dns = TestDnsServer.start();
    for (String domain : List.of("ok.test", "later.test", "no.test")) {
      dns.mx(domain, 10, "mx.sink.test");
    }
    dns.a("mx.sink.test", "127.0.0.1");
    HikyakuConfig base = TestServers.config(data)
        .withApi(TestServers.loopbackApi().withWebhookPrivateTargets(true));
    DeliveryConfig delivery = base.delivery().withEnabled(true).withDns(List.of(dns.address()), Duration.ofSeconds(2))
        .withMxPort(mx.port()).withRetry(Duration.ofSeconds(1), Duration.ofSeconds(1));
    server = TestServers.start(base.withDelivery(delivery), UnaryOperator.identity(), List.of(events::add));
    http = TestServers.httpClientTrusting(server.tls().currentCertificate());
    TestServers.createAccount(server, ALICE, PASSWORD);
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    dns.close();
    mx.close();
    receiver.close();
  }

  private String newKey(String name, Set<ApiKey.Scope> scopes) throws Exception {
    String key = GeneratedSecrets.newApiKey(new SecureRandom());
    server.store().apiKeys().add(ALICE, name,
        GeneratedSecrets.keyedHash(server.store().serverSecret().value(), key), scopes, List.of(), List.of(), ApiKey.Limits.NONE);
    return key;
  }

  private record Answer(int status, String body, HttpResponse<String> response) {
    JsonNode json() {
      return JSON.readTree(body);
    }
  }

  /** {@code method} on {@code path} with {@code key} and a JSON body (or none); every answer must fit docs/openapi.yaml. */
  private Answer call(String method, String path, String key, String json) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.apiPort() + path))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + key)
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      request.header("Content-Type", "application/json");
    }
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    OpenApiContract.get().assertAnswer(method, path, response.statusCode(), name -> response.headers().firstValue(name),
        response.body());
    return new Answer(response.statusCode(), response.body(), response);
  }

  /** Submits as ALICE on the submission port with her key as the password; the queue id. */
  private String submit(String key, String... recipients) throws Exception {
    AuthenticatingSMTPClient client = TestServers.submissionClient(server, ALICE, key);
    try {
      assertThat(client.setSender(ALICE)).as(client.getReplyString()).isTrue();
      for (String to : recipients) {
        assertThat(client.addRecipient(to)).as(to + ": " + client.getReplyString()).isTrue();
      }
      assertThat(client.sendShortMessageData("From: " + ALICE + "\r\nTo: " + String.join(", ", recipients)
          + "\r\nSubject: hooks\r\n\r\nHello.\r\n")).as(client.getReplyString()).isTrue();
      return client.getReplyString().strip().replaceAll(".* queued as ", "");
    } finally {
      client.disconnect();
    }
  }

  /**
   * The Standard Webhooks check as a receiver would write it from the spec, independent of the
   * server's code: v1,base64(HMAC-SHA256(base64-decode(secret after whsec_), id.timestamp.body)),
   * one of the space-separated signatures.
   */
  static boolean verifies(WebhookReceiver.Request request, String secret) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
    mac.update((request.id() + "." + request.timestamp() + ".").getBytes(StandardCharsets.UTF_8));
    String expected = "v1," + Base64.getEncoder().encodeToString(mac.doFinal(request.body()));
    return List.of(request.signature().split(" ")).contains(expected);
  }

  private static String summary(JsonNode data) {
    return data.get("type").asString() + " " + (data.get("recipient").isNull() ? "-" : data.get("recipient").asString());
  }

  @Test
  void theReceiverGetsEveryEventSignedAsTheFeedShowsItAndTheRoutesDoWhatTheContractSays() throws Exception {
    String admin = newKey("hooks", EnumSet.allOf(ApiKey.Scope.class));
    String reader = newKey("reader", EnumSet.of(ApiKey.Scope.READ));

    // ---- POST /v1/webhooks ----
    assertThat(call("POST", "/v1/webhooks", reader, "{\"url\":\"https://hooks.example.com/\",\"events\":[\"message.delivered\"]}")
        .status()).as("scope admin").isEqualTo(403);
    Answer invalid = call("POST", "/v1/webhooks", admin,
        "{\"url\":\"https://10.0.0.1/\",\"events\":[\"message.nothing\"],\"colour\":1}");
    assertThat(invalid.status()).isEqualTo(422);
    assertThat(invalid.json().get("errors").findValuesAsString("pointer")).contains("/events/0", "/colour");
    String url = receiver.url("/hikyaku");
    Answer created = call("POST", "/v1/webhooks", admin, JSON.writeValueAsString(Map.of("url", url,
        "events", List.of("message.accepted", "message.delivered", "message.deferred", "message.bounced", "message.expired",
            "suppression.created"),
        "allow_private", true)));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.json().get("id").asString();
    String secret = created.json().get("secret").asString();
    assertThat(created.response().headers().firstValue("Location")).hasValue("/v1/webhooks/" + id);
    assertThat(events).filteredOn(e -> e instanceof Event.AdminChange a && a.command().equals("webhook add"))
        .singleElement().satisfies(e -> assertThat(e.toString()).contains(id).doesNotContain(secret));
    Answer shown = call("GET", "/v1/webhooks/" + id, admin, null);
    assertThat(shown.json().has("secret")).as("the secret is shown once").isFalse();
    assertThat(shown.json().get("status").asString()).isEqualTo("enabled");
    assertThat(call("GET", "/v1/webhooks", admin, null).json().get("data").findValuesAsString("id")).containsExactly(id);

    // ---- the events of one message, as they happen ----
    String queued = submit(admin, "ok@ok.test", "later@later.test", "no@no.test");
    List<String> expected = List.of("message.accepted -", "message.delivered ok@ok.test", "message.deferred later@later.test",
        "message.delivered later@later.test", "message.bounced no@no.test", "suppression.created no@no.test");
    await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertThat(receiver.requests().stream()
        .map(r -> summary(JSON.readTree(r.text()).get("data"))).distinct().toList()).containsExactlyInAnyOrderElementsOf(expected));

    Map<String, JsonNode> feed = new HashMap<>();
    call("GET", "/v1/events", admin, null).json().get("data").forEach(e -> feed.put(e.get("id").asString(), e));
    for (WebhookReceiver.Request request : receiver.requests()) {
      assertThat(verifies(request, secret)).as("the signature of %s", request.id()).isTrue();
      assertThat(Math.abs(Long.parseLong(request.timestamp()) - Instant.now().getEpochSecond())).isLessThan(120);
      JsonNode body = JSON.readTree(request.text());
      assertThat(OpenApiContract.get().violationsAt("/components/schemas/WebhookBody", body)).as(request.text()).isEmpty();
      assertThat(body.get("data").get("message_id").asString()).isEqualTo(queued);
      assertThat(body.get("data").get("id").asString()).isEqualTo(request.id());
      assertThat(body.get("type").asString()).isEqualTo(body.get("data").get("type").asString());
      assertThat(body.get("timestamp").asString()).isEqualTo(body.get("data").get("at").asString());
      assertThat(body.get("data")).as("the feed's own object").isEqualTo(feed.get(request.id()));
    }
    assertThat(receiver.requests().stream().map(WebhookReceiver.Request::id).distinct().count()).isEqualTo(expected.size());
    // Each attempt is counted by what it led to, and timed (the metrics derive from the dispatcher's events).
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(TestServers.metrics(server)).contains(
        "hikyaku_webhook_deliveries_total{result=\"delivered\"} " + expected.size() + ".0",
        "hikyaku_webhook_deliveries_total{result=\"gone\"} 0.0", "hikyaku_webhook_latency_seconds_count " + expected.size()));

    // ---- the delivery log ----
    Answer log = call("GET", "/v1/webhooks/" + id + "/deliveries?limit=2", admin, null);
    assertThat(log.json().get("data")).hasSize(2);
    assertThat(log.response().headers().firstValue("Link")).isPresent();
    Answer all = call("GET", "/v1/webhooks/" + id + "/deliveries", admin, null);
    assertThat(all.json().get("data").findValuesAsString("status")).containsOnly("delivered").hasSize(expected.size());
    assertThat(all.json().get("data").findValuesAsString("event_id")).containsExactlyInAnyOrderElementsOf(feed.keySet());

    // ---- a test ping, then a rotation: two signatures for a day ----
    Answer ping = call("POST", "/v1/webhooks/" + id + "/test", admin, null);
    assertThat(ping.json().get("status").asString()).isEqualTo("delivered");
    assertThat(ping.json().get("type").asString()).isEqualTo("webhook.test");
    WebhookReceiver.Request pinged = receiver.requests().getLast();
    assertThat(pinged.id()).startsWith("whtest_");
    assertThat(OpenApiContract.get().violationsAt("/components/schemas/WebhookBody", JSON.readTree(pinged.text()))).isEmpty();
    Answer rotated = call("POST", "/v1/webhooks/" + id + "/rotate-secret", admin, null);
    String newer = rotated.json().get("secret").asString();
    assertThat(newer).isNotEqualTo(secret);
    assertThat(rotated.json().get("previous_secret_expires_at").isString()).isTrue();
    call("POST", "/v1/webhooks/" + id + "/test", admin, null);
    WebhookReceiver.Request both = receiver.requests().getLast();
    assertThat(both.signature().split(" ")).hasSize(2);
    assertThat(verifies(both, newer)).isTrue();
    assertThat(verifies(both, secret)).isTrue();

    // ---- a replay: the same ids again ----
    int before = receiver.requests().size();
    Answer replay = call("POST", "/v1/webhooks/" + id + "/replay", admin, JSON.writeValueAsString(Map.of(
        "since", Instant.now().minus(Duration.ofHours(1)).toString(), "until", Instant.now().plusSeconds(1).toString())));
    assertThat(replay.status()).as(replay.body()).isEqualTo(202);
    assertThat(replay.json().get("queued").asInt()).isEqualTo(expected.size());
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.requests().size() >= before + expected.size());
    List<String> again = new ArrayList<>();
    receiver.requests().subList(before, receiver.requests().size()).forEach(r -> again.add(r.id()));
    assertThat(again).containsExactlyInAnyOrderElementsOf(feed.keySet());
    assertThat(call("POST", "/v1/webhooks/" + id + "/replay", admin, "{\"since\":\"2026-12-02T00:00:00Z\",\"until\":\"yesterday\"}")
        .status()).isEqualTo(422);

    // ---- removal ----
    assertThat(call("DELETE", "/v1/webhooks/" + id, admin, null).status()).isEqualTo(204);
    assertThat(call("GET", "/v1/webhooks/" + id, admin, null).status()).isEqualTo(404);
    assertThat(call("GET", "/v1/webhooks/" + id + "/deliveries", admin, null).status()).isEqualTo(404);
    assertThat(call("GET", "/v1/webhooks", admin, null).json().get("data")).isEmpty();
    assertThat(events).filteredOn(e -> e instanceof Event.AdminChange a && a.command().startsWith("webhook "))
        .extracting(e -> ((Event.AdminChange) e).command())
        .containsExactly("webhook add", "webhook rotate-secret", "webhook replay", "webhook remove");
  }

  @Test
  void aRecipientRefusedForTheSuppressionListReachesTheEndpointsWhoseFiltersItPassesWithOrWithoutAMessage() throws Exception {
    String admin = newKey("hooks", EnumSet.allOf(ApiKey.Scope.class));
    server.store().suppressions().add(new Suppression(TestServers.HOSTED_DOMAIN, "gone@example.net", Suppression.Reason.HARD_BOUNCE,
        Optional.of("5.1.1"), Optional.of("smtp; 550 5.1.1 no such user"), Optional.empty(), Instant.parse("2026-11-01T10:00:00Z")));
    Map<String, String> secrets = new HashMap<>();
    for (Map<String, Object> endpoint : List.of(
        Map.<String, Object>of("url", receiver.url("/all"), "events", List.of("message.accepted", "message.suppressed")),
        Map.<String, Object>of("url", receiver.url("/domain"), "events", List.of("message.suppressed"),
            "sending_domain", TestServers.HOSTED_DOMAIN),
        Map.<String, Object>of("url", receiver.url("/elsewhere"), "events", List.of("message.suppressed"),
            "sending_domain", "example.com"),
        Map.<String, Object>of("url", receiver.url("/key"), "events", List.of("message.accepted", "message.suppressed"),
            "api_key", "hooks"))) {
      Map<String, Object> body = new HashMap<>(endpoint);
      body.put("allow_private", true);
      Answer created = call("POST", "/v1/webhooks", admin, JSON.writeValueAsString(body));
      assertThat(created.status()).as(created.body()).isEqualTo(201);
      secrets.put((String) endpoint.get("url"), created.json().get("secret").asString());
    }

    // Refused whole (no message), then sent on to another recipient (a message), both with the key "hooks".
    Answer whole = call("POST", "/v1/messages", admin, JSON.writeValueAsString(Map.of("from", ALICE, "to", List.of("gone@example.net"),
        "subject", "whole", "text", "Hello.\n", "tags", List.of("whole"), "metadata", Map.of("order_id", "1043"))));
    assertThat(whole.status()).as(whole.body()).isEqualTo(422);
    Answer partly = call("POST", "/v1/messages", admin, JSON.writeValueAsString(Map.of("from", ALICE,
        "to", List.of("gone@example.net", "ok@ok.test"), "subject", "partly", "text", "Hello.\n", "tags", List.of("partly"))));
    assertThat(partly.status()).as(partly.body()).isEqualTo(202);
    String queued = partly.json().get("id").asString();

    Map<String, List<String>> expected = Map.of(
        "/all", List.of("message.suppressed -", "message.accepted " + queued, "message.suppressed " + queued),
        // The domain filter holds for an event without a message by its own sender.
        "/domain", List.of("message.suppressed -", "message.suppressed " + queued),
        "/elsewhere", List.of(),
        // The key of a send that queued no message is not kept: a key filter lets only the message's events through.
        "/key", List.of("message.accepted " + queued, "message.suppressed " + queued));
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      for (Map.Entry<String, List<String>> endpoint : expected.entrySet()) {
        assertThat(receiver.requests().stream().filter(r -> r.path().equals(endpoint.getKey()))
            .map(r -> JSON.readTree(r.text()).get("data")).map(d -> d.get("type").asString() + " " + d.get("message_id").asString("-"))
            .distinct().toList()).as(endpoint.getKey()).containsExactlyInAnyOrderElementsOf(endpoint.getValue());
      }
    });

    Map<String, JsonNode> feed = new HashMap<>();
    call("GET", "/v1/events", admin, null).json().get("data").forEach(e -> feed.put(e.get("id").asString(), e));
    for (WebhookReceiver.Request request : receiver.requests()) {
      assertThat(verifies(request, secrets.get(receiver.url(request.path())))).as("the signature of %s", request.id()).isTrue();
      JsonNode body = JSON.readTree(request.text());
      assertThat(OpenApiContract.get().violationsAt("/components/schemas/WebhookBody", body)).as(request.text()).isEmpty();
      assertThat(body.get("data")).as("the feed's own object").isEqualTo(feed.get(request.id()));
    }
    JsonNode refusedWhole = receiver.requests().stream().map(r -> JSON.readTree(r.text()).get("data"))
        .filter(d -> d.get("message_id").isNull()).findFirst().orElseThrow();
    assertThat(refusedWhole.get("sender").asString()).isEqualTo(ALICE);
    assertThat(refusedWhole.get("recipient").asString()).isEqualTo("gone@example.net");
    assertThat(refusedWhole.get("tags")).extracting(JsonNode::asString).containsExactly("whole");
    assertThat(refusedWhole.get("metadata").get("order_id").asString()).isEqualTo("1043");
    JsonNode sentOn = receiver.requests().stream().map(r -> JSON.readTree(r.text()).get("data"))
        .filter(d -> d.get("type").asString().equals("message.suppressed") && !d.get("message_id").isNull()).findFirst().orElseThrow();
    assertThat(sentOn.get("tags")).as("the message's, from the history").extracting(JsonNode::asString).containsExactly("partly");
  }

  @Test
  void anEndpointIsChangedDisabledByA410AndEnabledAgainOverTheApiAsTheContractSays() throws Exception {
    String admin = newKey("hooks", EnumSet.allOf(ApiKey.Scope.class));
    Answer created = call("POST", "/v1/webhooks", admin, JSON.writeValueAsString(Map.of("url", receiver.url("/first"),
        "events", List.of("message.accepted"), "sending_domain", "example.com", "allow_private", true)));
    String id = created.json().get("id").asString();
    String secret = created.json().get("secret").asString();

    // ---- PATCH /v1/webhooks/{id} ----
    Answer empty = call("PATCH", "/v1/webhooks/" + id, admin, "{}");
    assertThat(empty.status()).isEqualTo(422);
    assertThat(empty.json().get("errors").findValuesAsString("detail")).anySatisfy(d -> assertThat(d).startsWith("give at least one of"));
    Answer invalid = call("PATCH", "/v1/webhooks/" + id, admin, "{\"events\":[],\"url\":null,\"colour\":1,\"api_key\":\"none\"}");
    assertThat(invalid.status()).isEqualTo(422);
    assertThat(invalid.json().get("errors").findValuesAsString("pointer")).containsExactlyInAnyOrder("/events", "/url", "/colour");
    Answer noKey = call("PATCH", "/v1/webhooks/" + id, admin, "{\"api_key\":\"none\"}");
    assertThat(noKey.json().get("errors").findValuesAsString("pointer")).containsExactly("/api_key");
    assertThat(call("PATCH", "/v1/webhooks/wh_0123456789abcdef", admin, "{\"events\":[\"message.accepted\"]}").status())
        .isEqualTo(404);
    Answer changed = call("PATCH", "/v1/webhooks/" + id, admin,
        "{\"sending_domain\":null,\"events\":[\"message.accepted\",\"message.delivered\"]}");
    assertThat(changed.status()).as(changed.body()).isEqualTo(200);
    assertThat(changed.json().get("url").asString()).as("left out, kept").isEqualTo(receiver.url("/first"));
    assertThat(changed.json().get("sending_domain").isNull()).isTrue();
    assertThat(changed.json().get("events")).extracting(JsonNode::asString).containsExactly("message.accepted", "message.delivered");
    assertThat(changed.json().get("allow_private").asBoolean()).isTrue();
    assertThat(changed.json().has("secret")).isFalse();

    // ---- 410 Gone disables it; enabled again, it gets what happens from then on ----
    receiver.script(WebhookReceiver.Answer.of(410));
    submit(admin, "ok@ok.test");
    await().atMost(Duration.ofSeconds(20)).until(() -> call("GET", "/v1/webhooks/" + id, admin, null).json().get("status")
        .asString().equals("disabled"));
    assertThat(call("POST", "/v1/webhooks/" + id + "/replay", admin, JSON.writeValueAsString(Map.of(
        "since", Instant.now().minus(Duration.ofHours(1)).toString(), "until", Instant.now().plusSeconds(1).toString())))
        .status()).isEqualTo(409);
    assertThat(call("POST", "/v1/webhooks/wh_0123456789abcdef/enable", admin, null).status()).isEqualTo(404);
    assertThat(call("POST", "/v1/webhooks/" + id + "/enable?now=1", admin, null).status()).isEqualTo(422);
    Answer enabled = call("POST", "/v1/webhooks/" + id + "/enable", admin, null);
    assertThat(enabled.status()).as(enabled.body()).isEqualTo(200);
    assertThat(enabled.json().get("status").asString()).isEqualTo("enabled");
    assertThat(enabled.json().get("disabled_at").isNull()).isTrue();
    assertThat(enabled.json().get("disabled_reason").isNull()).isTrue();
    assertThat(call("POST", "/v1/webhooks/" + id + "/enable", admin, null).status()).as("enabled already: the same").isEqualTo(200);
    assertThat(call("PATCH", "/v1/webhooks/" + id, admin, JSON.writeValueAsString(Map.of("url", receiver.url("/back"))))
        .status()).isEqualTo(200);

    String later = submit(admin, "ok@ok.test");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(receiver.requests().stream()
        .filter(r -> r.path().equals("/back")).map(r -> JSON.readTree(r.text()).get("data")).map(d -> summary(d) + " " + d.get("message_id").asString())
        .distinct().toList()).containsExactlyInAnyOrder("message.accepted - " + later, "message.delivered ok@ok.test " + later));
    receiver.requests().stream().filter(r -> r.path().equals("/back"))
        .forEach(r -> assertThat(OpenApiContract.get().violationsAt("/components/schemas/WebhookBody", JSON.readTree(r.text()))).isEmpty());
    for (WebhookReceiver.Request request : receiver.requests()) {
      assertThat(verifies(request, secret)).isTrue();
    }
    assertThat(events).filteredOn(e -> e instanceof Event.AdminChange a && a.command().startsWith("webhook "))
        .extracting(e -> ((Event.AdminChange) e).command())
        .containsExactly("webhook add", "webhook change", "webhook enable", "webhook change");
    assertThat(events).filteredOn(e -> e instanceof Event.AdminChange a && a.command().equals("webhook enable")).singleElement()
        .satisfies(e -> assertThat(((Event.AdminChange) e).detail()).contains(id, "410 Gone from " + receiver.url("/first"),
            "by api key hooks"));
  }

  @Test
  void withoutTheOperatorsConsentAnApiKeyCannotAimAWebhookAtPrivateAddresses() throws Exception {
    server.close();
    server = TestServers.start(TestServers.config(data).withApi(TestServers.loopbackApi()),
        UnaryOperator.identity(), List.of(events::add));
    http = TestServers.httpClientTrusting(server.tls().currentCertificate());
    String admin = newKey("hooks2", EnumSet.of(ApiKey.Scope.ADMIN));
    for (String body : List.of(
        "{\"url\":\"" + receiver.url("/x") + "\",\"events\":[\"message.bounced\"],\"allow_private\":true}",
        "{\"url\":\"https://127.0.0.1/x\",\"events\":[\"message.bounced\"]}",
        "{\"url\":\"https://[::ffff:169.254.169.254]/x\",\"events\":[\"message.bounced\"]}",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"message.bounced\"],\"api_key\":\"no-such-key\"}")) {
      Answer refused = call("POST", "/v1/webhooks", admin, body);
      assertThat(refused.status()).as(body + " -> " + refused.body()).isEqualTo(422);
    }
    Answer ok = call("POST", "/v1/webhooks", admin,
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"message.bounced\"],\"api_key\":\"hooks2\",\"sending_domain\":\"hikyaku.test\"}");
    assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    assertThat(ok.json().get("api_key").asString()).isEqualTo("hooks2");
    assertThat(Optional.ofNullable(ok.json().get("allow_private")).map(JsonNode::asBoolean)).hasValue(false);
    String id = ok.json().get("id").asString();
    for (String body : List.of("{\"allow_private\":true}", "{\"url\":\"https://10.1.2.3/x\"}")) {
      Answer refused = call("PATCH", "/v1/webhooks/" + id, admin, body);
      assertThat(refused.status()).as(body + " -> " + refused.body()).isEqualTo(422);
    }

    // An endpoint the operator allowed private targets: an API key may change its events, not aim it elsewhere inside.
    server.store().webhooks().add(dev.hikyaku.store.WebhookEndpoint.created("wh_00000000000000aa", ALICE, receiver.url("/inside"),
        List.of("message.bounced"), Optional.empty(), Optional.empty(), true, Instant.now()), "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0");
    Answer moved = call("PATCH", "/v1/webhooks/wh_00000000000000aa", admin, "{\"url\":\"" + receiver.url("/elsewhere") + "\"}");
    assertThat(moved.status()).isEqualTo(422);
    assertThat(moved.json().get("errors").findValuesAsString("detail")).anySatisfy(d -> assertThat(d).contains("only an operator"));
    Answer kept = call("PATCH", "/v1/webhooks/wh_00000000000000aa", admin, "{\"events\":[\"message.delivered\"]}");
    assertThat(kept.status()).as(kept.body()).isEqualTo(200);
    assertThat(kept.json().get("allow_private").asBoolean()).isTrue();
    Answer outside = call("PATCH", "/v1/webhooks/wh_00000000000000aa", admin,
        "{\"url\":\"https://hooks.example.com/y\",\"allow_private\":false}");
    assertThat(outside.status()).as(outside.body()).isEqualTo(200);
  }
}
