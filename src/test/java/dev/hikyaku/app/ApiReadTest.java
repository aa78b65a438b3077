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
import dev.hikyaku.store.AttemptOutcome;
import dev.hikyaku.testing.ApiClient;
import dev.hikyaku.testing.ScriptedMx;
import dev.hikyaku.testing.TestServers;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Issue 12 item 5 from end to end on a running server: an account submits over SMTP (587, STARTTLS,
 * AUTH PLAIN with its API key) to an MX that answers 250, 450 then 250, and 550 5.1.1; the same key
 * then finds the message in {@code GET /v1/messages} by each filter, page by page, reads what became
 * of it in {@code GET /v1/events} in order and resumes there with the cursor, and finds the 550's
 * recipient on {@code GET /v1/suppressions} and takes it off with {@code DELETE}. Another account
 * sees none of it.
 */
class ApiReadTest {

  private static final String ALICE = "alice@hikyaku.test";
  private static final String BOB = "bob@hikyaku.test";
  private static final String PASSWORD = "a pass phrase long enough for any policy 7";

  @TempDir Path data;
  private TestDnsServer dns;
  private ScriptedMx mx;
  private Server server;
  private ApiClient api;
  private final List<Event> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    mx = new ScriptedMx();
    dns = TestDnsServer.start();
    for (String domain : List.of("ok.test", "later.test", "no.test")) {
      dns.mx(domain, 10, "mx.sink.test");
    }
    dns.a("mx.sink.test", "127.0.0.1");
    HikyakuConfig base = TestServers.config(data).withApi(TestServers.loopbackApi());
    DeliveryConfig delivery = base.delivery().withEnabled(true).withDns(List.of(dns.address()), Duration.ofSeconds(2))
        .withMxPort(mx.port()).withRetry(Duration.ofSeconds(1), Duration.ofSeconds(1));
    server = TestServers.start(base.withDelivery(delivery), UnaryOperator.identity(), List.of(events::add));
    api = new ApiClient(TestServers.clientTrusting(server.tls().currentCertificate()), server.apiPort());
    TestServers.createAccount(server, ALICE, PASSWORD);
    TestServers.createAccount(server, BOB, PASSWORD);
  }

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
    dns.close();
    mx.close();
  }

  private String newKey(String account, String name, Set<ApiKey.Scope> scopes) throws Exception {
    String key = GeneratedSecrets.newApiKey(new SecureRandom());
    server.store().apiKeys().add(account, name,
        GeneratedSecrets.keyedHash(server.store().serverSecret().value(), key), scopes, List.of(), List.of(), ApiKey.Limits.NONE);
    return key;
  }

  /** Submits as {@code ALICE} on the submission port, the key as her password; the queue id. */
  private String submit(String key, String subject, String... recipients) throws Exception {
    AuthenticatingSMTPClient client = TestServers.submissionClient(server, ALICE, key);
    try {
      assertThat(client.setSender(ALICE)).as(client.getReplyString()).isTrue();
      for (String to : recipients) {
        assertThat(client.addRecipient(to)).as(to + ": " + client.getReplyString()).isTrue();
      }
      try (Writer body = client.sendMessageData()) {
        body.write("From: " + ALICE + "\r\nTo: " + String.join(", ", recipients) + "\r\nSubject: " + subject + "\r\n\r\nHello.\r\n");
      }
      assertThat(client.completePendingCommand()).as(client.getReplyString()).isTrue();
      return client.getReplyString().strip().replaceAll(".* queued as ", "");
    } finally {
      client.disconnect();
    }
  }

  /** {@code method} on {@code path} with {@code key}; every answer must be one docs/openapi.yaml describes. */
  private ApiClient.Response send(String method, String path, String key) throws Exception {
    ApiClient.Response response = api.send(method, path, Optional.of(key));
    OpenApiContract.get().assertAnswer(method, path, response.status(), response::header, response.body());
    return response;
  }

  private JsonNode ok(String path, String key) throws Exception {
    ApiClient.Response response = send("GET", path, key);
    assertThat(response.status()).as(path + ": " + response.body()).isEqualTo(200);
    return response.json();
  }

  private List<String> ids(String path, String key) throws Exception {
    List<String> ids = new ArrayList<>();
    ok(path, key).get("data").forEach(m -> ids.add(m.get("id").asString()));
    return ids;
  }

  private static String nextLink(ApiClient.Response response) {
    Matcher link = Pattern.compile("^<([^>]*)>; rel=\"next\"$").matcher(response.header("link").orElseThrow());
    assertThat(link.matches()).isTrue();
    return link.group(1);
  }

  private boolean isRemoved(String id) {
    return events.stream().anyMatch(e -> e instanceof Event.MessageRemoved r && r.queueId().equals(id));
  }

  @Test
  void aSubmittedMessageIsListedItsEventsFollowInOrderAndItsBounceIsSuppressedUntilDeleted() throws Exception {
    String key = newKey(ALICE, "app", EnumSet.allOf(ApiKey.Scope.class));
    String bobsKey = newKey(BOB, "bobs", EnumSet.of(ApiKey.Scope.READ));
    String id = submit(key, "outcomes", "ok@ok.test", "later@later.test", "no@no.test");
    String second = submit(key, "second", "ok@ok.test");
    await().atMost(Duration.ofSeconds(30)).until(() -> isRemoved(id) && isRemoved(second));

    // ---- GET /v1/events: what became of it, in the order it happened ----
    await().atMost(Duration.ofSeconds(10)).until(() -> ok("/v1/events", key).get("data").size() == 8);
    JsonNode feed = ok("/v1/events", key);
    List<String> told = new ArrayList<>();
    feed.get("data").forEach(e -> told.add(e.get("message_id").asString().equals(id)
        ? e.get("type").asString() + " " + (e.get("recipient").isNull() ? "-" : e.get("recipient").asString())
        : "second: " + e.get("type").asString()));
    assertThat(told).containsExactlyInAnyOrder(
        "message.accepted -", "message.delivered ok@ok.test", "message.deferred later@later.test",
        "message.delivered later@later.test", "message.bounced no@no.test", "suppression.created no@no.test",
        "second: message.accepted", "second: message.delivered");
    assertThat(told.getFirst()).isEqualTo("message.accepted -");
    assertThat(told.indexOf("message.deferred later@later.test")).isLessThan(told.indexOf("message.delivered later@later.test"));
    assertThat(told.indexOf("message.bounced no@no.test")).isLessThan(told.indexOf("suppression.created no@no.test"));
    List<Long> seqs = new ArrayList<>();
    feed.get("data").forEach(e -> seqs.add(Long.parseLong(e.get("id").asString().substring("evt_".length()))));
    assertThat(seqs).isSorted().doesNotHaveDuplicates();

    JsonNode accepted = event(feed, id, "message.accepted", null);
    assertThat(accepted.get("sender").asString()).isEqualTo(ALICE);
    assertThat(accepted.get("recipients").size()).isEqualTo(3);
    String relay = "mx.sink.test[127.0.0.1]:" + mx.port();
    JsonNode deferred = event(feed, id, "message.deferred", "later@later.test");
    assertThat(deferred.get("attempt").asInt()).isEqualTo(1);
    assertThat(deferred.get("status").asString()).isEqualTo("4.2.0");
    assertThat(deferred.get("diagnostic").asString()).isEqualTo("smtp; 450 4.2.0 try again later");
    assertThat(deferred.get("remote_mta").asString()).isEqualTo(relay);
    assertThat(deferred.get("next_retry_at").isString()).isTrue();
    JsonNode delivered = event(feed, id, "message.delivered", "later@later.test");
    assertThat(delivered.get("attempt").asInt()).isEqualTo(2);
    assertThat(delivered.get("status").asString()).isEqualTo("2.0.0");
    assertThat(delivered.get("next_retry_at").isNull()).isTrue();
    JsonNode bounced = event(feed, id, "message.bounced", "no@no.test");
    assertThat(bounced.get("status").asString()).isEqualTo("5.1.1");
    assertThat(bounced.get("diagnostic").asString()).isEqualTo("smtp; 550 5.1.1 no such user");
    assertThat(event(feed, id, "suppression.created", "no@no.test").get("sender_domain").asString()).isEqualTo("hikyaku.test");

    // Resumable: page by page along the links, the same events; then polling in place.
    List<String> walked = new ArrayList<>();
    String path = "/v1/events?limit=3";
    String cursor;
    while (true) {
      ApiClient.Response page = send("GET", path, key);
      assertThat(page.status()).as(path + ": " + page.body()).isEqualTo(200);
      page.json().get("data").forEach(e -> walked.add(e.get("id").asString()));
      cursor = page.json().get("next_cursor").asString();
      if (page.header("link").isEmpty()) {
        break;
      }
      path = nextLink(page);
    }
    List<String> all = new ArrayList<>();
    feed.get("data").forEach(e -> all.add(e.get("id").asString()));
    assertThat(walked).isEqualTo(all);
    JsonNode idle = ok("/v1/events?since=" + cursor, key);
    assertThat(idle.get("data").size()).isZero();
    assertThat(idle.get("next_cursor").asString()).isEqualTo(cursor);
    assertThat(ids("/v1/events?types=message.bounced,message.deferred", key)).hasSize(2);

    // ---- GET /v1/messages: newest first, by each filter, page by page ----
    assertThat(ids("/v1/messages", key)).containsExactly(second, id);
    JsonNode listed = ok("/v1/messages?recipient=no%40no.test", key).get("data");
    assertThat(listed.size()).isEqualTo(1);
    assertThat(listed.get(0).get("id").asString()).isEqualTo(id);
    assertThat(listed.get(0).get("headers").get("subject").asString()).isEqualTo("outcomes");
    List<String> outcomes = new ArrayList<>();
    listed.get(0).get("recipients").forEach(r -> outcomes.add(r.get("recipient").asString() + " " + r.get("latest_outcome").asString()));
    assertThat(outcomes).containsExactly("ok@ok.test relayed", "later@later.test relayed", "no@no.test failed");
    assertThat(ids("/v1/messages?status=failed", key)).containsExactly(id);
    assertThat(ids("/v1/messages?status=relayed&recipient=OK%40ok.test", key)).containsExactly(second, id);
    assertThat(ids("/v1/messages?status=deferred", key)).as("a later attempt replaced the deferral").isEmpty();
    assertThat(ids("/v1/messages?sender=" + ALICE.replace("@", "%40"), key)).containsExactly(second, id);
    assertThat(ids("/v1/messages?sender=bob%40hikyaku.test", key)).isEmpty();
    assertThat(ids("/v1/messages?since=2100-01-01T00:00:00Z", key)).isEmpty();
    assertThat(ids("/v1/messages?until=2100-01-01T00:00:00Z&since=2000-01-01T00:00:00Z", key)).containsExactly(second, id);
    ApiClient.Response first = send("GET", "/v1/messages?limit=1", key);
    assertThat(first.json().get("data").get(0).get("id").asString()).isEqualTo(second);
    ApiClient.Response rest = send("GET", nextLink(first), key);
    assertThat(rest.json().get("data").get(0).get("id").asString()).isEqualTo(id);
    assertThat(rest.json().get("next_cursor").isNull()).isTrue();
    assertThat(rest.header("link")).isEmpty();

    // ---- another account sees none of its messages and events ----
    assertThat(ids("/v1/messages", bobsKey)).isEmpty();
    assertThat(ids("/v1/events", bobsKey)).isEmpty();
    // ... but the suppression list is per sending domain, and bob sends from hikyaku.test too: the
    // entry refuses his RCPT as well, so he sees it.
    assertThat(ok("/v1/suppressions", bobsKey).get("data").size()).isEqualTo(1);
    assertThat(send("GET", "/v1/messages/" + id, bobsKey).status()).isEqualTo(404);

    // ---- the suppression list: listed, deleted as the CLI would, gone ----
    JsonNode entries = ok("/v1/suppressions", key).get("data");
    assertThat(entries.size()).isEqualTo(1);
    assertThat(entries.get(0).get("sender_domain").asString()).isEqualTo("hikyaku.test");
    assertThat(entries.get(0).get("recipient").asString()).isEqualTo("no@no.test");
    assertThat(entries.get(0).get("reason").asString()).isEqualTo("hard-bounce");
    assertThat(entries.get(0).get("status").asString()).isEqualTo("5.1.1");
    assertThat(entries.get(0).get("message_id").asString()).isEqualTo(id);
    ApiClient.Response deleted = send("DELETE", "/v1/suppressions/no%40no.test", key);
    assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);
    assertThat(events).filteredOn(e -> e instanceof Event.AdminChange).extracting(Object::toString).anySatisfy(change ->
        assertThat(change).contains("command=suppression remove", "subject=no@no.test", "detail=for hikyaku.test by api key app"));
    assertThat(server.store().suppressions().find("hikyaku.test", "no@no.test")).isEmpty();
    assertThat(ok("/v1/suppressions", key).get("data").size()).isZero();
    assertThat(send("DELETE", "/v1/suppressions/no@no.test", key).status()).isEqualTo(404);
    ApiClient.Response put = send("PUT", "/v1/suppressions/no@no.test", key);
    assertThat(put.status()).as(put.body()).isEqualTo(201);
    assertThat(server.store().suppressions().find("hikyaku.test", "No@no.test")).hasValueSatisfying(
        s -> assertThat(s.reason().keyword()).isEqualTo("manual"));
    ApiClient.Response invalid = send("DELETE", "/v1/suppressions/Postmaster", key);
    assertThat(invalid.status()).isEqualTo(422);
    assertThat(invalid.json().get("detail").asString())
        .isEqualTo("path parameter address: not an address: 'Postmaster' (a recipient needs a domain)");
  }

  @Test
  void theApiAndTheHistorySayTheSameOutcomes() {
    // The API's status filter names the history's outcomes one for one (ApiAccess.outcome).
    assertThat(Arrays.stream(dev.hikyaku.api.MessageReader.Outcome.values()).map(o -> ApiAccess.outcome(o)).toList())
        .containsExactly(AttemptOutcome.values());
    assertThat(Arrays.stream(dev.hikyaku.api.MessageReader.Outcome.values()).map(o -> o.keyword()).toList())
        .isEqualTo(Arrays.stream(AttemptOutcome.values()).map(AttemptOutcome::keyword).toList());
  }

  /** The one event of {@code type} about {@code recipient} (null: the message) of message {@code id}. */
  private static JsonNode event(JsonNode feed, String id, String type, String recipient) {
    List<JsonNode> found = new ArrayList<>();
    feed.get("data").forEach(e -> {
      if (e.get("message_id").asString().equals(id) && e.get("type").asString().equals(type)
          && (recipient == null ? e.get("recipient").isNull() : recipient.equals(e.get("recipient").asString()))) {
        found.add(e);
      }
    });
    assertThat(found).as(type + " " + recipient).hasSize(1);
    return found.getFirst();
  }
}
