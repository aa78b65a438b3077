package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.api.OpenApiContract;
import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.Limits;
import dev.hikyaku.config.RateConfig;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.mailauth.DkimAlgorithm;
import dev.hikyaku.mailauth.DkimKeys;
import dev.hikyaku.mailauth.DkimVerifier;
import dev.hikyaku.store.ApiKey;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.store.QueuedRecipient;
import dev.hikyaku.store.SigningKey;
import dev.hikyaku.store.Suppression;
import dev.hikyaku.testing.TestServers;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.james.mime4j.dom.BinaryBody;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.TextBody;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The send routes on a running server over real TLS with java.net.http: a JSON message built, signed
 * and queued with its Bcc only in the envelope; a raw one; a batch; each refusal as its problem;
 * idempotent replays, also across a restart.
 */
class ApiSendTest {

  private static final String ALICE = "alice@hikyaku.test";
  private static final String PASSWORD = "a pass phrase long enough for any policy 7";
  private static final long MAX_SIZE = 256 * 1024;
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final byte[] PDF = "%PDF-1.4 not really a pdf, but octets all the same \u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};

  @TempDir Path data;
  private HikyakuConfig config;
  private Server server;
  private HttpClient client;
  private String sendKey;

  @BeforeEach
  void start() throws Exception {
    HikyakuConfig defaults = TestServers.config(data);
    Limits l = defaults.limits();
    config = defaults
        .withApi(TestServers.loopbackApi())
        .withLimits(l.toBuilder().maxMessageSize(MAX_SIZE).build());
    startServer();
    TestServers.createAccount(server, ALICE, PASSWORD);
    sendKey = newKey("sender", EnumSet.of(ApiKey.Scope.SEND), List.of());
  }

  private void startServer() throws Exception {
    server = TestServers.start(config, UnaryOperator.identity(), List.of());
    client = TestServers.httpClientTrusting(server.tls().currentCertificate());
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  private String newKey(String name, EnumSet<ApiKey.Scope> scopes, List<String> senders) throws Exception {
    return newKey(name, scopes, senders, ApiKey.Limits.NONE);
  }

  private String newKey(String name, EnumSet<ApiKey.Scope> scopes, List<String> senders, ApiKey.Limits limits) throws Exception {
    String key = GeneratedSecrets.newApiKey(new SecureRandom());
    server.store().apiKeys().add(ALICE, name,
        GeneratedSecrets.keyedHash(server.store().serverSecret().value(), key), scopes, senders, List.of(), limits);
    return key;
  }

  private HttpResponse<String> post(String path, String contentType, byte[] body, String key, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.apiPort() + path))
        .timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> postJson(String path, Object body, String... headers) throws Exception {
    byte[] octets = body instanceof String text ? text.getBytes(StandardCharsets.UTF_8) : JSON.writeValueAsBytes(body);
    return post(path, "application/json", octets, sendKey, headers);
  }

  private HttpResponse<String> get(String path, String key) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.apiPort() + path))
        .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Fails unless {@code response} is one docs/openapi.yaml documents: its status, body and headers. */
  private static HttpResponse<String> conforms(HttpResponse<String> response) {
    OpenApiContract.get().assertAnswer(response.request().method(), response.request().uri().getRawPath(),
        response.statusCode(), response.headers()::firstValue, response.body());
    return response;
  }

  private static JsonNode problem(HttpResponse<String> response, int status, String type) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    conforms(response);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("type").asString()).isEqualTo("https://hikyaku.dev/problems/" + type);
    assertThat(body.get("status").asInt()).isEqualTo(status);
    return body;
  }

  private static List<String> pointers(JsonNode problem) {
    List<String> pointers = new ArrayList<>();
    problem.get("errors").forEach(error -> pointers.add(error.get("pointer").asString()));
    return pointers;
  }

  private List<QueuedMessage> queued() throws Exception {
    List<QueuedMessage> messages = new ArrayList<>();
    for (var entry : server.store().queueAdmin().list(QueueQuery.all())) {
      messages.add(server.store().queueAdmin().find(entry.id()).orElseThrow());
    }
    return messages;
  }

  private QueuedMessage queued(String id) throws Exception {
    return server.store().queueAdmin().find(QueueId.parse(id).orElseThrow()).orElseThrow();
  }

  private static Message parse(byte[] content) throws Exception {
    return new DefaultMessageBuilder().parseMessage(new ByteArrayInputStream(content));
  }

  private static ObjectNode message(String subject) {
    ObjectNode message = JSON.createObjectNode();
    message.put("from", ALICE);
    message.putArray("to").add("bob@example.net");
    message.put("subject", subject);
    message.put("text", "Hello Bob.\n");
    return message;
  }

  private static ObjectNode batch(ObjectNode... messages) {
    ObjectNode batch = JSON.createObjectNode();
    var list = batch.putArray("messages");
    for (ObjectNode message : messages) {
      list.add(message);
    }
    return batch;
  }

  @Test
  void aJsonMessageIsBuiltSignedAndQueuedWithItsBccOnlyInTheEnvelope() throws Exception {
    KeyPair pair = DkimAlgorithm.RSA_SHA256.generate();
    server.store().signingKeys().add(new SigningKey(TestServers.HOSTED_DOMAIN, "hk1", DkimAlgorithm.RSA_SHA256.tag(),
        pair.getPrivate().getEncoded(), pair.getPublic().getEncoded(), "pending", Instant.now()));
    server.store().signingKeys().activate(TestServers.HOSTED_DOMAIN, "hk1");

    ObjectNode request = JSON.createObjectNode();
    request.putObject("from").put("email", ALICE).put("name", "Ålice Exämple");
    request.putArray("to").add("Bob <bob@example.net>");
    request.putArray("cc").addObject().put("email", "carol@example.org").put("name", "Carol");
    request.putArray("bcc").add("dave@example.com");
    request.putObject("reply_to").put("email", "support@hikyaku.test");
    request.put("subject", "Rechnung 1042 — 東京");
    request.put("text", "Grüße,\nthe invoice is attached.\n");
    request.put("html", "<p>Grüße, <img src=\"cid:logo@hikyaku.test\"></p>");
    request.putObject("headers").put("X-Campaign", "spring");
    var attachments = request.putArray("attachments");
    attachments.addObject().put("filename", "Rechnung 1042.pdf").put("content_type", "application/pdf")
        .put("content", Base64.getEncoder().encodeToString(PDF));
    attachments.addObject().put("filename", "logo.png").put("content_type", "image/png")
        .put("content", Base64.getEncoder().encodeToString(PNG)).put("content_id", "logo@hikyaku.test");
    request.putArray("tags").add("invoice").add("spring");
    request.putObject("metadata").put("order_id", "1042").put("customer", "77");

    HttpResponse<String> response = postJson("/v1/messages", request);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    conforms(response);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.propertyNames()).containsExactly("id", "status", "headers", "recipients");
    String id = body.get("id").asString();
    assertThat(response.headers().firstValue("Location")).hasValue("/v1/messages/" + id);
    assertThat(body.get("status").asString()).isEqualTo("queued");
    assertThat(body.get("recipients")).extracting(r -> r.get("email").asString() + " " + r.get("status").asString())
        .containsExactly("bob@example.net queued", "carol@example.org queued", "dave@example.com queued");

    QueuedMessage stored = queued(id);
    assertThat(stored.reversePath()).isEqualTo(ALICE);
    assertThat(stored.recipients()).extracting(QueuedRecipient::forwardPath)
        .containsExactly("bob@example.net", "carol@example.org", "dave@example.com");
    assertThat(stored.origin().listener()).isEqualTo("api");
    assertThat(stored.origin().principal()).isEqualTo(ALICE);
    String text = new String(stored.content(), StandardCharsets.UTF_8);
    String header = text.substring(0, text.indexOf("\r\n\r\n"));
    assertThat(header).startsWith("Received: from [127.0.0.1] ([127.0.0.1])\r\n\tby " + TestServers.HOSTNAME + " (Hikyaku) id " + id)
        .contains("(HTTPS API submission)")
        .doesNotContain(" with ", "for <")  // no registered WITH type for HTTP; several recipients are not named
        .contains("DKIM-Signature: ", "d=" + TestServers.HOSTED_DOMAIN)
        .doesNotContainPattern("(?im)^bcc:")
        .doesNotContain("dave@example.com")
        .contains("\r\nMessage-ID: " + body.get("headers").get("message_id").asString() + "\r\n")
        .contains("\r\nDate: ")
        .contains("\r\nX-Campaign: spring\r\n");
    assertThat(text).doesNotContain("\r\r").doesNotContainPattern("[^\r]\n");

    Message parsed = parse(stored.content());
    assertThat(parsed.getFrom().getFirst().getName()).isEqualTo("Ålice Exämple");
    assertThat(parsed.getSubject()).isEqualTo("Rechnung 1042 — 東京");
    assertThat(parsed.getTo().flatten()).extracting(m -> m.getAddress()).containsExactly("bob@example.net");
    assertThat(parsed.getCc().flatten()).extracting(m -> m.getAddress()).containsExactly("carol@example.org");
    assertThat(parsed.getBcc()).isNull();
    assertThat(parsed.getReplyTo().flatten()).extracting(m -> m.getAddress()).containsExactly("support@hikyaku.test");
    assertThat(parsed.getMimeType()).isEqualTo("multipart/mixed");
    List<Entity> mixed = ((Multipart) parsed.getBody()).getBodyParts();
    assertThat(mixed).extracting(Entity::getMimeType).containsExactly("multipart/alternative", "application/pdf");
    List<Entity> alternative = ((Multipart) mixed.get(0).getBody()).getBodyParts();
    assertThat(alternative).extracting(Entity::getMimeType).containsExactly("text/plain", "multipart/related");
    assertThat(textOf(alternative.get(0))).isEqualTo("Grüße,\r\nthe invoice is attached.\r\n");
    assertThat(alternative.get(0).getContentTransferEncoding()).isEqualTo("quoted-printable");
    List<Entity> related = ((Multipart) alternative.get(1).getBody()).getBodyParts();
    assertThat(related).extracting(Entity::getMimeType).containsExactly("text/html", "image/png");
    assertThat(textOf(related.get(0))).contains("cid:logo@hikyaku.test");
    assertThat(related.get(1).getDispositionType()).isEqualTo("inline");
    assertThat(related.get(1).getHeader().getField("Content-ID").getBody()).isEqualTo("<logo@hikyaku.test>");
    assertThat(octetsOf(related.get(1))).isEqualTo(PNG);
    Entity pdf = mixed.get(1);
    assertThat(pdf.getDispositionType()).isEqualTo("attachment");
    assertThat(pdf.getFilename()).isEqualTo("Rechnung 1042.pdf");
    assertThat(pdf.getContentTransferEncoding()).isEqualTo("base64");
    assertThat(octetsOf(pdf)).isEqualTo(PDF);

    // The signature verifies against the key's public half, as a receiver would check it.
    var key = DkimKeys.read(TestServers.HOSTED_DOMAIN, "hk1", DkimAlgorithm.RSA_SHA256, pair.getPrivate().getEncoded(),
        pair.getPublic().getEncoded());
    try (TestDnsServer dns = TestDnsServer.start()) {
      dns.txt(key.recordName(), key.record());
      DkimVerifier verifier = new DkimVerifier(new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(500), 1), Clock.systemUTC());
      assertThat(verifier.verify(stored.content())).singleElement()
          .satisfies(signature -> assertThat(signature.result()).as(signature.reason()).isEqualTo(DkimVerifier.Result.PASS));
    }

    // The tags and metadata come back with the message.
    String reader = newKey("reader", EnumSet.of(ApiKey.Scope.READ), List.of());
    JsonNode shown = JSON.readTree(conforms(get("/v1/messages/" + id, reader)).body());
    assertThat(shown.get("listener").asString()).isEqualTo("api");
    assertThat(shown.get("tags")).extracting(JsonNode::asString).containsExactly("invoice", "spring");
    assertThat(shown.get("metadata").propertyNames()).containsExactly("order_id", "customer");
    assertThat(shown.get("metadata").get("order_id").asString()).isEqualTo("1042");
    assertThat(shown.get("headers").get("message_id").asString()).isEqualTo(body.get("headers").get("message_id").asString());
  }

  private static String textOf(Entity entity) throws Exception {
    return new String(((TextBody) entity.getBody()).getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  private static byte[] octetsOf(Entity entity) throws Exception {
    return ((BinaryBody) entity.getBody()).getInputStream().readAllBytes();
  }

  @Test
  void aRawMessageTakesItsEnvelopeFromTheHeaderAndLosesItsBcc() throws Exception {
    String raw = "From: Alice <" + ALICE + ">\nTo: bob@example.net\nCc: Carol <carol@example.org>\n"
        + "Bcc: dave@example.com,\n erin@example.com\nSubject: raw\n\nA body with Unix line ends.\n";

    HttpResponse<String> response = post("/v1/messages/raw", "message/rfc822", raw.getBytes(StandardCharsets.UTF_8), sendKey);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    conforms(response);
    JsonNode body = JSON.readTree(response.body());
    QueuedMessage stored = queued(body.get("id").asString());
    assertThat(stored.reversePath()).isEqualTo(ALICE);
    assertThat(stored.recipients()).extracting(QueuedRecipient::forwardPath)
        .containsExactly("bob@example.net", "carol@example.org", "dave@example.com", "erin@example.com");
    String content = new String(stored.content(), StandardCharsets.UTF_8);
    assertThat(content).doesNotContainPattern("(?im)^bcc:").doesNotContain("dave@", "erin@").doesNotContainPattern("[^\r]\n")
        .contains("\r\nTo: bob@example.net\r\nCc: Carol <carol@example.org>\r\nSubject: raw\r\n\r\nA body with Unix line ends.\r\n")
        .contains("Message-ID: " + body.get("headers").get("message_id").asString());

    // Given in the query, the envelope is the query's; the header's Bcc still does not go out.
    HttpResponse<String> explicit = post("/v1/messages/raw?from=" + ALICE + "&to=frank@example.net&to=gina@example.net",
        "message/rfc822", raw.getBytes(StandardCharsets.UTF_8), sendKey);
    assertThat(explicit.statusCode()).as(explicit.body()).isEqualTo(202);
    QueuedMessage second = queued(JSON.readTree(explicit.body()).get("id").asString());
    assertThat(second.recipients()).extracting(QueuedRecipient::forwardPath).containsExactly("frank@example.net", "gina@example.net");
    assertThat(new String(second.content(), StandardCharsets.UTF_8)).doesNotContainPattern("(?im)^bcc:");

    problem(post("/v1/messages/raw", "text/plain", raw.getBytes(StandardCharsets.UTF_8), sendKey), 415, "unsupported-media-type");
    problem(post("/v1/messages/raw", "message/rfc822", new byte[(int) MAX_SIZE + 1], sendKey), 413, "too-large");
    JsonNode noFrom = problem(post("/v1/messages/raw", "message/rfc822", "To: bob@example.net\n\nhi\n".getBytes(StandardCharsets.UTF_8),
        sendKey), 422, "invalid-request");
    assertThat(noFrom.get("detail").asString()).contains("no sender");
    problem(post("/v1/messages/raw?dry_run=1", "message/rfc822", raw.getBytes(StandardCharsets.UTF_8), sendKey), 422, "invalid-parameter");
    assertThat(queued()).hasSize(2);
  }

  @Test
  void aBatchAnswersEachMessageInItsPlaceAndOneBadItemStopsNoOther() throws Exception {
    HttpResponse<String> response =
        postJson("/v1/messages/batch", batch(message("first"), message("second").put("bogus", true), message("third")));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    conforms(response);
    JsonNode results = JSON.readTree(response.body()).get("results");
    assertThat(results.size()).isEqualTo(3);
    assertThat(results.get(0).get("status").asString()).isEqualTo("queued");
    assertThat(results.get(1).get("type").asString()).isEqualTo("https://hikyaku.dev/problems/invalid-request");
    assertThat(results.get(1).get("status").asInt()).isEqualTo(422);
    assertThat(pointers(results.get(1))).containsExactly("/messages/1/bogus");
    assertThat(results.get(2).get("status").asString()).isEqualTo("queued");
    assertThat(queued()).extracting(m -> parse(m.content()).getSubject()).containsExactlyInAnyOrder("first", "third");

    JsonNode tooMany = problem(postJson("/v1/messages/batch", "{\"messages\": [], \"extra\": 1}"), 422, "invalid-request");
    assertThat(pointers(tooMany)).containsExactly("/extra", "/messages");
  }

  @Test
  void aKeyWithoutScopeSendCannotSend() throws Exception {
    String reader = newKey("reader", EnumSet.of(ApiKey.Scope.READ), List.of());
    for (String path : List.of("/v1/messages", "/v1/messages/raw", "/v1/messages/batch")) {
      HttpResponse<String> response = post(path, "application/json", JSON.writeValueAsBytes(message("x")), reader);
      problem(response, 403, "insufficient-scope");
    }
    assertThat(queued()).isEmpty();
  }

  @Test
  void aKeyLimitedToOneDomainCannotSendAsAnother() throws Exception {
    server.store().accounts().addSender(ALICE, "@a.example");
    server.store().accounts().addSender(ALICE, "@b.example");
    String limited = newKey("limited", EnumSet.of(ApiKey.Scope.SEND), List.of("@a.example"));
    ObjectNode asB = message("from b").put("from", "news@b.example");

    JsonNode refused = problem(post("/v1/messages", "application/json", JSON.writeValueAsBytes(asB), limited), 403, "sender-not-allowed");
    assertThat(refused.get("detail").asString()).contains("553 5.7.1", "<news@b.example>", "limited");

    // Within its limit it sends; a From: header outside it is refused as SMTP refuses it (550 5.7.1).
    HttpResponse<String> asA = post("/v1/messages", "application/json", JSON.writeValueAsBytes(message("from a").put("from", "news@a.example")), limited);
    assertThat(asA.statusCode()).as(asA.body()).isEqualTo(202);
    byte[] forged = "From: news@b.example\r\nTo: bob@example.net\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII);
    JsonNode header = problem(post("/v1/messages/raw?from=news@a.example", "message/rfc822", forged, limited), 403, "sender-not-allowed");
    assertThat(header.get("detail").asString()).contains("550 5.7.1", "From: header");
    assertThat(queued()).hasSize(1);
  }

  @Test
  void anAccountOverItsRateIs429WithRetryAfterAsSmtpWouldDefer() throws Exception {
    RateConfig r = config.rates();
    config = config.withRates(r.toBuilder().accountMessagesPerMinute(2).build());
    server.close();
    startServer();
    assertThat(postJson("/v1/messages", message("1")).statusCode()).isEqualTo(202);
    assertThat(postJson("/v1/messages", message("2")).statusCode()).isEqualTo(202);

    HttpResponse<String> third = postJson("/v1/messages", message("3"));

    assertThat(problem(third, 429, "rate-limited").get("detail").asString()).contains("450 4.7.1", ALICE, "2 per minute");
    assertThat(third.headers().firstValue("Retry-After")).hasValue("60");
    assertThat(queued()).hasSize(2);
  }

  @Test
  void aKeysOwnRateCountsItsApiSendsAsItsSmtpOnes() throws Exception {
    String slow = newKey("slow", EnumSet.of(ApiKey.Scope.SEND), List.of(), new ApiKey.Limits(OptionalInt.of(1), OptionalInt.empty()));
    assertThat(post("/v1/messages", "application/json", JSON.writeValueAsBytes(message("1")), slow).statusCode()).isEqualTo(202);

    HttpResponse<String> second = post("/v1/messages", "application/json", JSON.writeValueAsBytes(message("2")), slow);

    assertThat(problem(second, 429, "rate-limited").get("detail").asString()).contains("450 4.7.1", "API key slow");
    assertThat(postJson("/v1/messages", message("3")).statusCode()).as("another key of the account").isEqualTo(202);
    assertThat(queued()).hasSize(2);
  }

  /** gone@example.net on the suppression list of hikyaku.test since 2026-11-01T10:00:00Z, after a hard bounce. */
  private void suppressGone() throws Exception {
    server.store().suppressions().add(new Suppression(TestServers.HOSTED_DOMAIN, "gone@example.net", Suppression.Reason.HARD_BOUNCE,
        Optional.of("5.1.1"), Optional.of("smtp; 550 5.1.1 no such user"), Optional.empty(), Instant.parse("2026-11-01T10:00:00Z")));
  }

  @Test
  void aSuppressedRecipientIsReportedAndAloneRefused() throws Exception {
    suppressGone();
    ObjectNode both = message("both");
    both.putArray("to").add("gone@example.net").add("bob@example.net");

    HttpResponse<String> mixed = postJson("/v1/messages", both);

    assertThat(mixed.statusCode()).as(mixed.body()).isEqualTo(202);
    conforms(mixed);
    JsonNode recipients = JSON.readTree(mixed.body()).get("recipients");
    assertThat(recipients.get(0).get("email").asString()).isEqualTo("gone@example.net");
    assertThat(recipients.get(0).get("status").asString()).isEqualTo("suppressed");
    assertThat(recipients.get(0).get("reason").asString())
        .contains("550 5.1.1", "suppression list since 2026-11-01T10:00:00Z", "hard bounce");
    assertThat(recipients.get(1).get("status").asString()).isEqualTo("queued");
    assertThat(recipients.get(1).has("reason")).isFalse();

    ObjectNode alone = message("alone");
    alone.putArray("to").add("gone@example.net");
    JsonNode refused = problem(postJson("/v1/messages", alone), 422, "recipients-refused");
    assertThat(pointers(refused)).containsExactly("/to/0");
    assertThat(refused.get("errors").get(0).get("detail").asString()).contains("suppression list since 2026-11-01T10:00:00Z (hard bounce)");
    assertThat(queued()).hasSize(1);
  }

  @Test
  void theFeedTellsEveryEventWithItsMessagesTagsAndEachSuppressedRecipientFromEitherDoor() throws Exception {
    suppressGone();
    ObjectNode tagged = message("tagged");
    tagged.putArray("tags").add("invoice").add("spring");
    tagged.putObject("metadata").put("order_id", "1042").put("customer", "77");
    String taggedId = JSON.readTree(postJson("/v1/messages", tagged).body()).get("id").asString();
    ObjectNode partly = message("partly");
    partly.putArray("to").add("gone@example.net").add("bob@example.net");
    partly.putArray("tags").add("partly");
    String partlyId = JSON.readTree(postJson("/v1/messages", partly).body()).get("id").asString();
    ObjectNode whole = message("whole");
    whole.putArray("to").add("gone@example.net");
    whole.putArray("tags").add("whole");
    whole.putObject("metadata").put("order_id", "1043");
    problem(postJson("/v1/messages", whole), 422, "recipients-refused");
    // Over SMTP with the same account (a key as the password): refused at RCPT, no message yet.
    AuthenticatingSMTPClient smtp = TestServers.submissionClient(server, ALICE, sendKey);
    try {
      assertThat(smtp.setSender(ALICE)).as(smtp.getReplyString()).isTrue();
      assertThat(smtp.addRecipient("gone@example.net")).isFalse();
      assertThat(smtp.getReplyString()).startsWith("550 5.1.1 <gone@example.net>: Recipient address is on the suppression list");
    } finally {
      smtp.disconnect();
    }

    String reader = newKey("reader", EnumSet.of(ApiKey.Scope.READ), List.of());
    // The feed's writer runs behind the sends (EventFeedSink): wait for the last of the five.
    List<JsonNode> feed = new ArrayList<>();
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      feed.clear();
      JSON.readTree(get("/v1/events", reader).body()).get("data").forEach(feed::add);
      return feed.size() == 5;
    });
    conforms(get("/v1/events", reader));
    assertThat(feed).extracting(e -> e.get("type").asString() + " " + e.get("message_id").asString("-")).containsExactly(
        "message.accepted " + taggedId, "message.accepted " + partlyId, "message.suppressed " + partlyId, "message.suppressed -",
        "message.suppressed -");
    assertThat(feed.get(0).get("tags")).extracting(JsonNode::asString).containsExactly("invoice", "spring");
    assertThat(feed.get(0).get("metadata").toString()).isEqualTo("{\"order_id\":\"1042\",\"customer\":\"77\"}");
    JsonNode sentOn = feed.get(2);
    assertThat(sentOn.get("recipient").asString()).isEqualTo("gone@example.net");
    assertThat(sentOn.get("sender").asString()).isEqualTo(ALICE);
    assertThat(sentOn.get("reason").asString()).startsWith("550 5.1.1 <gone@example.net>: Recipient address is on the suppression list since 2026-11-01T10:00:00Z (hard bounce)");
    assertThat(sentOn.get("tags")).extracting(JsonNode::asString).containsExactly("partly");
    assertThat(feed.get(1).get("tags")).isEqualTo(sentOn.get("tags"));
    JsonNode refusedWhole = feed.get(3);
    assertThat(refusedWhole.get("message_id").isNull()).isTrue();
    assertThat(refusedWhole.get("tags")).extracting(JsonNode::asString).containsExactly("whole");
    assertThat(refusedWhole.get("metadata").get("order_id").asString()).isEqualTo("1043");
    JsonNode atRcpt = feed.get(4);
    assertThat(atRcpt.get("recipient").asString()).isEqualTo("gone@example.net");
    assertThat(atRcpt.get("reason").asString()).startsWith("550 5.1.1");
    assertThat(atRcpt.get("tags").isEmpty()).isTrue();
    assertThat(atRcpt.get("metadata").isEmpty()).isTrue();
    assertThat(JSON.readTree(get("/v1/events?types=message.suppressed", reader).body()).get("data").size()).isEqualTo(3);

    // The history finds a send by its tags, exactly, and only the account's.
    assertThat(ids(conforms(get("/v1/messages?tag=spring", reader)))).containsExactly(taggedId);
    assertThat(ids(conforms(get("/v1/messages?tag=partly", reader)))).containsExactly(partlyId);
    assertThat(ids(conforms(get("/v1/messages?tag=Spring", reader)))).isEmpty();
    assertThat(ids(conforms(get("/v1/messages?tag=whole", reader)))).isEmpty();
  }

  private static List<String> ids(HttpResponse<String> page) {
    List<String> ids = new ArrayList<>();
    JSON.readTree(page.body()).get("data").forEach(m -> ids.add(m.get("id").asString()));
    return ids;
  }

  @Test
  void badRequestsAreRefusedEachWithItsProblemAndQueueNothing() throws Exception {
    problem(postJson("/v1/messages", "{\"from\": "), 400, "bad-request");
    problem(post("/v1/messages", "text/plain", JSON.writeValueAsBytes(message("x")), sendKey), 415, "unsupported-media-type");
    // Over the JSON limit (base64 of the message limit and 1 MiB) before a byte is parsed...
    problem(post("/v1/messages", "application/json", new byte[(int) (MAX_SIZE / 3 * 4 + 4 + 1024 * 1024 + 1)], sendKey), 413, "too-large");
    // ... and within it, but building a message over SMTP's SIZE.
    ObjectNode big = message("big");
    big.putArray("attachments").addObject().put("filename", "big.bin").put("content_type", "application/octet-stream")
        .put("content", Base64.getEncoder().encodeToString(new byte[(int) MAX_SIZE]));
    JsonNode tooLarge = problem(postJson("/v1/messages", big), 413, "too-large");
    assertThat(tooLarge.get("detail").asString()).contains("the message built from the request", String.valueOf(MAX_SIZE));

    ObjectNode wrong = message("wrong");
    wrong.remove("from");
    wrong.put("bbc", "dave@example.com");
    wrong.putArray("cc").add("not an address").addObject().put("email", "x@example.org").put("nickname", "x");
    wrong.putObject("headers").put("Bcc", "dave@example.com").put("Bad Name", "x").put("X-Ok", "line\r\nbreak");
    wrong.putArray("tags").add("").add(7);
    wrong.putObject("metadata").put("n", 1);
    wrong.putArray("attachments").addObject().put("filename", "a").put("content_type", "multipart/mixed").put("content", "***");
    JsonNode invalid = problem(postJson("/v1/messages", wrong), 422, "invalid-request");
    assertThat(pointers(invalid)).containsExactlyInAnyOrder(
        "/bbc", "/from", "/cc/0", "/cc/1/nickname", "/headers/Bcc", "/headers/Bad Name", "/headers/X-Ok", "/tags/0", "/tags/1",
        "/metadata/n", "/attachments/0/content_type", "/attachments/0/content");

    ObjectNode noBody = message("no body");
    noBody.remove("text");
    assertThat(pointers(problem(postJson("/v1/messages", noBody), 422, "invalid-request"))).containsExactly("/text");
    problem(postJson("/v1/messages?dry_run=true", message("query")), 422, "invalid-parameter");
    assertThat(queued()).isEmpty();
  }

  @Test
  void theSameKeyAndBodyReplayTheFirstAnswerAndQueueNothingAgainEvenAfterARestart() throws Exception {
    byte[] body = JSON.writeValueAsBytes(message("once"));
    HttpResponse<String> first = post("/v1/messages", "application/json", body, sendKey, "Idempotency-Key", "\"order-1042\"");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
    assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();

    HttpResponse<String> again = post("/v1/messages", "application/json", body, sendKey, "Idempotency-Key", "\"order-1042\"");
    assertThat(again.statusCode()).isEqualTo(202);
    assertThat(again.body()).isEqualTo(first.body());
    assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(again.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"));
    conforms(again);
    assertThat(queued()).hasSize(1);

    problem(post("/v1/messages", "application/json", JSON.writeValueAsBytes(message("other")), sendKey, "Idempotency-Key", "\"order-1042\""),
        422, "idempotency-key-reused");
    problem(post("/v1/messages", "application/json", body, sendKey, "Idempotency-Key", "\"unterminated"), 400, "invalid-idempotency-key");
    problem(post("/v1/messages", "application/json", body, sendKey, "Idempotency-Key", "x".repeat(256)), 400, "invalid-idempotency-key");
    // The same key on another route is another request.
    byte[] raw = ("From: " + ALICE + "\r\nTo: bob@example.net\r\nSubject: raw once\r\n\r\nhi\r\n").getBytes(StandardCharsets.US_ASCII);
    HttpResponse<String> rawFirst = post("/v1/messages/raw", "message/rfc822", raw, sendKey, "Idempotency-Key", "order-1042");
    assertThat(rawFirst.statusCode()).as(rawFirst.body()).isEqualTo(202);
    assertThat(queued()).hasSize(2);

    server.close();
    startServer();

    HttpResponse<String> afterRestart = post("/v1/messages", "application/json", body, sendKey, "Idempotency-Key", "\"order-1042\"");
    assertThat(afterRestart.statusCode()).isEqualTo(202);
    assertThat(afterRestart.body()).isEqualTo(first.body());
    assertThat(afterRestart.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    HttpResponse<String> rawAgain = post("/v1/messages/raw", "message/rfc822", raw, sendKey, "Idempotency-Key", "order-1042");
    assertThat(rawAgain.body()).isEqualTo(rawFirst.body());
    assertThat(queued()).hasSize(2);
  }

  @Test
  void aRepeatedBatchRequeuesNothingThatWasQueuedAndRetriesWhatWasRefused() throws Exception {
    byte[] body = JSON.writeValueAsBytes(batch(message("one"), message("two").put("bogus", true)));

    HttpResponse<String> first = post("/v1/messages/batch", "application/json", body, sendKey, "Idempotency-Key", "batch-7");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    HttpResponse<String> again = post("/v1/messages/batch", "application/json", body, sendKey, "Idempotency-Key", "batch-7");

    assertThat(JSON.readTree(again.body())).isEqualTo(JSON.readTree(first.body()));
    assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(queued()).hasSize(1);
    byte[] longer = JSON.writeValueAsBytes(batch(message("one"), message("two").put("bogus", true), message("three")));
    problem(post("/v1/messages/batch", "application/json", longer, sendKey, "Idempotency-Key", "batch-7"), 422, "idempotency-key-reused");
    assertThat(queued()).hasSize(1);
  }
}
