package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.api.OpenApiContract;
import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.config.DeliveryConfig;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.ReturnsConfig;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.events.Event;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.returns.ReturnPaths;
import dev.hikyaku.returns.Samples;
import dev.hikyaku.store.ApiKey;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.Suppression;
import dev.hikyaku.testing.ScriptedMx;
import dev.hikyaku.testing.TestServers;
import dev.hikyaku.testing.WebhookReceiver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.commons.net.smtp.SMTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue 13's done-when for returned mail and complaints, on a running server: a message sent
 * through the API goes out with its VERP return path (the MX sees MAIL FROM bounces+...), a DSN
 * for it sent later to port 25 at that return path (Commons Net) marks the recipient bounced in
 * {@code GET /v1/messages/{id}} (source dsn), tells {@code GET /v1/events}, fires the webhook (a
 * real receiver on loopback, the signature checked as a receiver would) and suppresses the
 * address; a forged return path is refused at RCPT; an ARF report to the feedback address does the
 * same for complained; a delayed DSN is recorded without a suppression, and what is no report is
 * kept and counted. Every API answer is checked against docs/openapi.yaml.
 */
class ReturnedMailEndToEndTest {

  private static final String ALICE = "alice@hikyaku.test";
  private static final String PASSWORD = "a pass phrase long enough for any policy 7";
  private static final String RETURNS = "bounce.hikyaku.test";
  private static final String FEEDBACK = "fbl@" + RETURNS;
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path data;
  private TestDnsServer dns;
  private ScriptedMx mx;
  private Server server;
  private HttpClient client;
  private String key;
  private WebhookReceiver receiver;
  private String webhookSecret;
  private final List<Event> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    mx = new ScriptedMx();
    dns = TestDnsServer.start();
    dns.mx("example.net", 10, "mx.sink.test");
    dns.a("mx.sink.test", "127.0.0.1");
    receiver = WebhookReceiver.start(0);
    HikyakuConfig base = TestServers.config(data)
        .withApi(TestServers.loopbackApi().withWebhookPrivateTargets(true));
    DeliveryConfig delivery = base.delivery().withEnabled(true).withDns(List.of(dns.address()), Duration.ofSeconds(2))
        .withMxPort(mx.port()).withRetry(Duration.ofSeconds(1), Duration.ofSeconds(1));
    HikyakuConfig config = base.withDelivery(delivery).withReturns(ReturnsConfig.on(RETURNS).withFeedbackAddress(FEEDBACK));
    server = TestServers.start(config, UnaryOperator.identity(), List.of(events::add));
    client = TestServers.httpClientTrusting(server.tls().currentCertificate());
    TestServers.createAccount(server, ALICE, PASSWORD);
    key = GeneratedSecrets.newApiKey(new SecureRandom());
    server.store().apiKeys().add(ALICE, "app", GeneratedSecrets.keyedHash(server.store().serverSecret().value(), key),
        EnumSet.allOf(ApiKey.Scope.class), List.of(), List.of(), ApiKey.Limits.NONE);
    // The account's webhook for what comes back (the receiver on loopback, allowed explicitly).
    ObjectNode webhook = JSON.createObjectNode();
    webhook.put("url", receiver.url("/returns"));
    webhook.putArray("events").add("message.bounced").add("message.deferred").add("message.complained").add("suppression.created");
    webhook.put("allow_private", true);
    HttpResponse<String> created = post("/v1/webhooks", webhook);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    webhookSecret = JSON.readTree(created.body()).get("secret").asString();
  }

  @AfterEach
  void stop() throws IOException {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
    receiver.close();
    dns.close();
    mx.close();
  }

  // ---- the API, every answer checked against the contract ----

  private HttpResponse<String> conforms(HttpResponse<String> response) {
    OpenApiContract.get().assertAnswer(response.request().method(), response.request().uri().getRawPath(),
        response.statusCode(), response.headers()::firstValue, response.body());
    return response;
  }

  private JsonNode get(String pathAndQuery) throws Exception {
    HttpResponse<String> response = conforms(client.send(
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.apiPort() + pathAndQuery)).timeout(Duration.ofSeconds(20))
            .header("Authorization", "Bearer " + key).GET().build(),
        HttpResponse.BodyHandlers.ofString()));
    assertThat(response.statusCode()).as(pathAndQuery + ": " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private HttpResponse<String> post(String path, ObjectNode body) throws Exception {
    return conforms(client.send(
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.apiPort() + path)).timeout(Duration.ofSeconds(20))
            .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build(),
        HttpResponse.BodyHandlers.ofString()));
  }

  /** Asserts that {@code recipient} is the one entry of the account's suppression list, for {@code reason} by message {@code id}. */
  private void suppressedAlone(String recipient, String reason, String id) throws Exception {
    JsonNode entries = get("/v1/suppressions").get("data");
    assertThat(entries.size()).isEqualTo(1);
    assertThat(entries.get(0).get("recipient").asString()).isEqualTo(recipient);
    assertThat(entries.get(0).get("reason").asString()).isEqualTo(reason);
    assertThat(entries.get(0).get("message_id").asString()).isEqualTo(id);
  }

  /** Sends a message from Alice to {@code recipients} through the API; its 202 answer. */
  private JsonNode send(String... recipients) throws Exception {
    ObjectNode message = JSON.createObjectNode();
    message.put("from", ALICE);
    var to = message.putArray("to");
    for (String recipient : recipients) {
      to.add(recipient);
    }
    message.put("subject", "Invoice 1042");
    message.put("text", "Hello.\n");
    HttpResponse<String> response = post("/v1/messages", message);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return JSON.readTree(response.body());
  }

  /** The latest outcome of each recipient of message {@code id}, "recipient outcome", in order. */
  private List<String> outcomes(String id) throws Exception {
    List<String> outcomes = new ArrayList<>();
    get("/v1/messages/" + id).get("recipients").forEach(r -> outcomes.add(
        r.get("recipient").asString() + " " + (r.get("latest_outcome").isNull() ? "-" : r.get("latest_outcome").asString())));
    return outcomes;
  }

  /** Sends the message through the API and waits until the MX took it; its id. */
  private String sentAndRelayed(String... recipients) throws Exception {
    String id = send(recipients).get("id").asString();
    await().atMost(Duration.ofSeconds(30)).until(() -> outcomes(id).stream().allMatch(o -> o.endsWith(" relayed")));
    return id;
  }

  /** The events of {@code type} about message {@code id}, as the feed gives them. */
  private List<JsonNode> feed(String id, String type) throws Exception {
    List<JsonNode> found = new ArrayList<>();
    get("/v1/events?types=" + type).get("data").forEach(e -> {
      if (e.get("message_id").asString().equals(id)) {
        found.add(e);
      }
    });
    return found;
  }

  /**
   * The webhook request for the event of {@code type} about {@code recipient} of message {@code id},
   * once it came: signed as Standard Webhooks says (checked with WebhookFlowTest's receiver-side
   * HMAC), its body the documented envelope around the feed's own object.
   */
  private JsonNode hooked(String id, String type, String recipient) throws Exception {
    await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests().stream().anyMatch(r -> {
      JsonNode data = JSON.readTree(r.text()).get("data");
      return data.get("message_id").asString().equals(id) && data.get("type").asString().equals(type)
          && data.get("recipient").asString().equals(recipient);
    }));
    WebhookReceiver.Request request = receiver.requests().stream()
        .filter(r -> {
          JsonNode data = JSON.readTree(r.text()).get("data");
          return data.get("message_id").asString().equals(id) && data.get("type").asString().equals(type);
        })
        .findFirst().orElseThrow();
    assertThat(WebhookFlowTest.verifies(request, webhookSecret)).as("the signature of %s", request.id()).isTrue();
    JsonNode body = JSON.readTree(request.text());
    assertThat(OpenApiContract.get().violationsAt("/components/schemas/WebhookBody", body)).as(request.text()).isEmpty();
    JsonNode same = feed(id, type).stream().filter(e -> e.get("id").asString().equals(request.id())).findFirst().orElseThrow();
    assertThat(body.get("data")).as("the feed's own object").isEqualTo(same);
    return body.get("data");
  }

  // ---- port 25, as a remote MTA (Commons Net) ----

  private SMTPClient relayClient() throws IOException {
    SMTPClient smtp = new SMTPClient();
    smtp.setDefaultTimeout(30_000);
    smtp.connect(InetAddress.getLoopbackAddress(), server.port(ListenerRole.RELAY));
    assertThat(smtp.login("mx.example.net")).as(smtp.getReplyString()).isTrue();
    return smtp;
  }

  /** Mails {@code message} from {@code sender} ("" for the null reverse-path) to {@code recipient} on port 25. */
  private void mailTo(String sender, String recipient, String message) throws IOException {
    SMTPClient smtp = relayClient();
    try {
      assertThat(smtp.setSender(sender)).as(smtp.getReplyString()).isTrue();
      assertThat(smtp.addRecipient(recipient)).as(smtp.getReplyString()).isTrue();
      assertThat(smtp.sendShortMessageData(message)).as(smtp.getReplyString()).isTrue();
      smtp.logout();
    } finally {
      smtp.disconnect();
    }
  }

  /** The one return path the MX saw; every message so far went out in one transaction under it. */
  private String returnPathOf(String id) {
    List<String> seen = mx.reversePaths();
    assertThat(seen).hasSize(1);
    String returnPath = seen.getFirst();
    assertThat(returnPath).matches("bounces\\+" + id.toLowerCase(java.util.Locale.ROOT) + "[a-z2-7]{16}@" + RETURNS.replace(".", "\\."));
    return returnPath;
  }

  @Test
  void aDsnThatComesBackLaterMarksTheRecipientBouncedTellsTheFeedAndSuppressesIt() throws Exception {
    String id = sentAndRelayed("bob@example.net", "carol@example.net");
    // One transaction for both recipients under the message's VERP return path; the sender stays Alice's.
    String returnPath = returnPathOf(id);
    assertThat(get("/v1/messages/" + id).get("sender").asString()).isEqualTo(ALICE);
    assertThat(server.store().history().show(dev.hikyaku.store.QueueId.parse(id).orElseThrow()).orElseThrow().message()
        .reversePath()).isEqualTo(ALICE);

    // mailstore.example.net refuses Bob after mx.example.net took the message: Postfix's DSN comes back.
    mailTo("", returnPath, Samples.text("postfix-failed.eml", returnPath, "bob@example.net", "<x@hikyaku.test>", FEEDBACK));
    await().atMost(Duration.ofSeconds(30)).until(() -> outcomes(id).contains("bob@example.net failed"));
    assertThat(outcomes(id)).containsExactly("bob@example.net failed", "carol@example.net relayed");
    JsonNode bob = get("/v1/messages/" + id).get("recipients").get(0);
    JsonNode reported = bob.get("attempts").get(bob.get("attempts").size() - 1);
    assertThat(reported.get("source").asString()).isEqualTo("dsn");
    assertThat(reported.get("outcome").asString()).isEqualTo("failed");
    assertThat(reported.get("status").asString()).isEqualTo("5.1.1");
    assertThat(reported.get("attempt").asInt()).isEqualTo(1);
    assertThat(reported.get("diagnostic").asString())
        .isEqualTo("smtp; 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown in local recipient table");
    assertThat(reported.get("remote_mta").asString()).isEqualTo("mailstore.example.net");
    assertThat(bob.get("attempts").get(0).get("source").asString()).isEqualTo("smtp");

    // The feed tells it, as the webhooks will.
    await().atMost(Duration.ofSeconds(10)).until(() -> feed(id, "suppression.created").size() == 1);
    List<JsonNode> bounced = feed(id, "message.bounced");
    assertThat(bounced).hasSize(1);
    assertThat(bounced.getFirst().get("recipient").asString()).isEqualTo("bob@example.net");
    assertThat(bounced.getFirst().get("source").asString()).isEqualTo("dsn");
    assertThat(bounced.getFirst().get("status").asString()).isEqualTo("5.1.1");
    assertThat(feed(id, "message.delivered")).extracting(e -> e.get("source").asString()).containsOnly("smtp");
    JsonNode suppressed = feed(id, "suppression.created").getFirst();
    assertThat(suppressed.get("reason").asString()).isEqualTo("hard-bounce");
    assertThat(suppressed.get("sender_domain").asString()).isEqualTo("hikyaku.test");
    // ... and so do the webhooks, from the same outbox.
    assertThat(hooked(id, "message.bounced", "bob@example.net").get("source").asString()).isEqualTo("dsn");
    assertThat(hooked(id, "suppression.created", "bob@example.net").get("reason").asString()).isEqualTo("hard-bounce");

    // The address is suppressed for Alice's domain.
    suppressedAlone("bob@example.net", "hard-bounce", id);
    assertThat(events).filteredOn(e -> e instanceof Event.DsnReceived).hasSize(1);
  }

  @Test
  void aForgedReturnPathIsRefusedAtRcptAndNothingIsQueued() throws Exception {
    String id = sentAndRelayed("bob@example.net");
    String returnPath = returnPathOf(id);
    String local = returnPath.substring(0, returnPath.indexOf('@'));
    char last = local.charAt(local.length() - 1);
    String altered = local.substring(0, local.length() - 1) + (last == 'a' ? 'b' : 'a') + "@" + RETURNS;
    byte[] otherSecret = new byte[32];
    new SecureRandom().nextBytes(otherSecret);
    String otherServers = new ReturnPaths(RETURNS, otherSecret).returnPath(dev.hikyaku.store.QueueId.parse(id).orElseThrow());
    long queuedBefore = server.store().queue().count();

    SMTPClient smtp = relayClient();
    try {
      assertThat(smtp.setSender("")).isTrue();
      for (String forged : List.of(altered, otherServers, local.substring(0, 30) + "@" + RETURNS, "bounces+@" + RETURNS,
          "anyone@" + RETURNS)) {
        assertThat(smtp.addRecipient(forged)).as(forged).isFalse();
        assertThat(smtp.getReplyString()).as(forged).startsWith("550 5.1.1 ").contains("no such return path");
      }
      // The real one, the feedback address and postmaster are taken.
      for (String real : List.of(returnPath, returnPath.toUpperCase(java.util.Locale.ROOT), FEEDBACK, "postmaster@" + RETURNS)) {
        assertThat(smtp.addRecipient(real)).as(real + ": " + smtp.getReplyString()).isTrue();
      }
      assertThat(smtp.reset()).isTrue();
      smtp.logout();
    } finally {
      smtp.disconnect();
    }
    assertThat(server.store().queue().count()).isEqualTo(queuedBefore);
    assertThat(events).filteredOn(e -> e instanceof Event.RecipientRejected r && r.rule().equals("returns")).hasSize(5);
  }

  @Test
  void anArfComplaintMarksTheRecipientComplainedTellsTheFeedAndSuppressesIt() throws Exception {
    JsonNode sent = send("dave@example.net");
    String id = sent.get("id").asString();
    await().atMost(Duration.ofSeconds(30)).until(() -> outcomes(id).equals(List.of("dave@example.net relayed")));
    String returnPath = returnPathOf(id);

    // The mailbox provider's feedback loop, to the feedback address, naming the return path in Original-Mail-From.
    mailTo("abusedesk@mailbox.example", FEEDBACK,
        Samples.text("arf-abuse.eml", returnPath, "dave@example.net", sent.get("headers").get("message_id").asString(), FEEDBACK));
    await().atMost(Duration.ofSeconds(30)).until(() -> outcomes(id).equals(List.of("dave@example.net complained")));
    JsonNode dave = get("/v1/messages/" + id).get("recipients").get(0);
    JsonNode complaint = dave.get("attempts").get(dave.get("attempts").size() - 1);
    assertThat(complaint.get("source").asString()).isEqualTo("arf");
    assertThat(complaint.get("outcome").asString()).isEqualTo("complained");
    assertThat(complaint.get("diagnostic").asString()).isEqualTo("arf; Feedback-Type: abuse; User-Agent: SomeGenerator/1.0");

    await().atMost(Duration.ofSeconds(10)).until(() -> feed(id, "suppression.created").size() == 1);
    JsonNode complained = feed(id, "message.complained").getFirst();
    assertThat(complained.get("recipient").asString()).isEqualTo("dave@example.net");
    assertThat(complained.get("feedback_type").asString()).isEqualTo("abuse");
    assertThat(complained.get("source").asString()).isEqualTo("arf");
    assertThat(complained.get("diagnostic").asString()).isEqualTo("arf; Feedback-Type: abuse; User-Agent: SomeGenerator/1.0");
    assertThat(complained.get("remote_mta").asString()).isEqualTo("mail.mailbox.example");
    assertThat(feed(id, "suppression.created").getFirst().get("reason").asString()).isEqualTo("complaint");
    assertThat(hooked(id, "message.complained", "dave@example.net").get("feedback_type").asString()).isEqualTo("abuse");
    assertThat(hooked(id, "suppression.created", "dave@example.net").get("reason").asString()).isEqualTo("complaint");
    suppressedAlone("dave@example.net", "complaint", id);
    assertThat(get("/v1/messages?status=complained").get("data").get(0).get("id").asString()).isEqualTo(id);
    // Alice's next RCPT to Dave is refused, and says why.
    var submission = TestServers.submissionClient(server, ALICE, PASSWORD);
    try {
      assertThat(submission.setSender(ALICE)).isTrue();
      assertThat(submission.addRecipient("dave@example.net")).isFalse();
      assertThat(submission.getReplyString()).startsWith("550 5.1.1 ").contains("on the suppression list since", "(complaint)");
    } finally {
      submission.disconnect();
    }

    // A redacting reporter (no return path, no recipient) is matched by the Message-ID of the one recipient's message.
    JsonNode second = send("erin@example.net");
    String secondId = second.get("id").asString();
    await().atMost(Duration.ofSeconds(30)).until(() -> outcomes(secondId).equals(List.of("erin@example.net relayed")));
    mailTo("staff@hotmail.example", FEEDBACK,
        Samples.text("arf-redacted.eml", "-", "-", second.get("headers").get("message_id").asString(), FEEDBACK));
    await().atMost(Duration.ofSeconds(30)).until(() -> outcomes(secondId).equals(List.of("erin@example.net complained")));
    assertThat(server.store().suppressions().find("hikyaku.test", "erin@example.net").orElseThrow().reason())
        .isEqualTo(Suppression.Reason.COMPLAINT);
  }

  @Test
  void aDelayedDsnIsRecordedWithoutSuppressionAndWhatIsNoReportIsKeptAndCounted() throws Exception {
    String id = sentAndRelayed("frank@example.net");
    String returnPath = returnPathOf(id);

    mailTo("", returnPath, Samples.text("postfix-delayed.eml", returnPath, "frank@example.net", "<x@hikyaku.test>", FEEDBACK));
    await().atMost(Duration.ofSeconds(30)).until(() -> feed(id, "message.deferred").size() == 1);
    JsonNode delayed = feed(id, "message.deferred").getFirst();
    assertThat(delayed.get("source").asString()).isEqualTo("dsn");
    assertThat(delayed.get("status").asString()).isEqualTo("4.4.1");
    assertThat(delayed.get("next_retry_at").isNull()).isTrue();
    assertThat(hooked(id, "message.deferred", "frank@example.net").get("source").asString()).isEqualTo("dsn");
    // Recorded among the attempts; the remote MTA goes on trying, so the latest outcome stays.
    JsonNode frank = get("/v1/messages/" + id).get("recipients").get(0);
    assertThat(frank.get("latest_outcome").asString()).isEqualTo("relayed");
    assertThat(frank.get("attempts").get(1).get("outcome").asString()).isEqualTo("deferred");
    assertThat(frank.get("attempts").get(1).get("source").asString()).isEqualTo("dsn");
    assertThat(server.store().suppressions().find("hikyaku.test", "frank@example.net")).isEmpty();

    // An out-of-office reply to the return path is no report: kept in the Maildir, logged, counted.
    mailTo("frank@example.net", returnPath, Samples.text("vacation-reply.eml", returnPath, "frank@example.net", "-", FEEDBACK));
    Path unparsed = data.resolve("mail").resolve(RETURNS).resolve("unparsed").resolve("new");
    await().atMost(Duration.ofSeconds(30)).until(() -> Files.isDirectory(unparsed) && count(unparsed) == 1);
    try (Stream<Path> files = Files.list(unparsed)) {
      assertThat(Files.readString(files.findFirst().orElseThrow())).contains("I am away until Monday");
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> metrics().contains("hikyaku_returned_mail_total{kind=\"unparsed\"} 1.0"));
    assertThat(metrics()).contains("hikyaku_returned_mail_total{kind=\"delayed\"} 1.0");
    await().atMost(Duration.ofSeconds(10)).until(() -> server.store().queueAdmin().list(QueueQuery.all()).isEmpty());
  }

  private static long count(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.count();
    }
  }

  private String metrics() throws Exception {
    return TestServers.metrics(server);
  }
}
