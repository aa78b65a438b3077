package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.api.OpenApiContract;
import dev.hikyaku.app.Server;
import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.config.DeliveryConfig;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.mailauth.DkimAlgorithm;
import dev.hikyaku.mailauth.DkimKey;
import dev.hikyaku.mailauth.DkimKeys;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.store.ApiKey;
import dev.hikyaku.store.HistoryQuery;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.SigningKey;
import dev.hikyaku.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue 12's "done when", with clients and peers nobody here wrote: curl sends over HTTPS (the key
 * in a header file, never in its argv), swaks submits with SMTP AUTH PLAIN and the same key as its
 * password (in a config file), Debian's Postfix is the MX of {@value PostfixPeer#DOMAIN} that takes
 * the mail or refuses a recipient with 550 5.1.1, and dkimpy checks the signatures of what Postfix
 * delivered. Every answer is checked against docs/openapi.yaml as well as by hand.
 */
@Tag("interop")
class ApiDoneWhenInteropTest {

  private static final String ALICE = "alice@" + TestServers.HOSTED_DOMAIN;
  private static final String PASSWORD = "a pass phrase long enough for any policy 7";
  private static final String BOB = "bob@" + PostfixPeer.DOMAIN;
  private static final String CAROL = "carol@" + PostfixPeer.DOMAIN;
  /** Not a mailbox of the Postfix peer: it answers 550 5.1.1 for it at RCPT. */
  private static final String GONE = "gone@" + PostfixPeer.DOMAIN;
  private static final Duration ARRIVAL = Duration.ofSeconds(60);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final byte[] PDF = "%PDF-1.4 an attachment's octets \u0000\u00ff\r\n%%EOF".getBytes(StandardCharsets.ISO_8859_1);

  @TempDir static Path scripts;
  /** Postfix's own directory, right under the system's temporary one: its daemons must traverse to it. */
  @TempDir static Path postfixDirectory;
  private static PostfixMx mx;
  private static Dkimpy dkimpy;
  private static ExternalTool curl;
  private static ExternalTool swaks;

  @TempDir Path directory;
  private Server server;
  private Path certificate;
  private final List<String> secrets = new ArrayList<>();

  @BeforeAll
  static void startPeers() throws Exception {
    curl = ExternalTool.require("curl", "curl");
    swaks = ExternalTool.require("swaks", "swaks");
    dkimpy = Dkimpy.install(scripts);
    mx = PostfixMx.start(postfixDirectory, List.of("bob", "carol"));
  }

  @AfterAll
  static void stopPeers() {
    if (mx != null) {
      mx.close();
    }
  }

  @BeforeEach
  void startHikyaku() throws Exception {
    start();
    TestServers.createAccount(server, ALICE, PASSWORD);
  }

  @AfterEach
  void stopHikyaku() {
    if (server != null) {
      server.close();
    }
  }

  /**
   * Hikyaku on {@code directory/data} with the API on loopback and delivery by MX to the Postfix
   * peer (its certificate trusted for STARTTLS), retried every 3 s; again on the same data after a
   * restart. The certificate the clients trust is written anew each time.
   */
  private void start() throws Exception {
    HikyakuConfig base = TestServers.config(directory.resolve("data"))
        .withApi(TestServers.loopbackApi());
    DeliveryConfig delivery = base.delivery().withEnabled(true).withDns(List.of(mx.dns().address()), Duration.ofSeconds(2))
        .withMxPort(mx.postfix().port()).withRetry(Duration.ofSeconds(3), Duration.ofSeconds(3));
    server = Server.start(base.withDelivery(delivery), UnaryOperator.identity(), List.of(), Clock.systemUTC(),
        Optional.of(TestServers.clientTrusting(mx.certificate())));
    certificate = directory.resolve("server-cert.pem");
    Files.writeString(certificate, "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(server.tls().currentCertificate().getEncoded())
        + "\n-----END CERTIFICATE-----\n", StandardCharsets.US_ASCII);
  }

  /** An API key of alice's, and the header file curl reads it from (owner-only, never on argv). */
  private record Key(String secret, Path header) {}

  private Key newKey(String name, Set<ApiKey.Scope> scopes, List<String> senders) throws Exception {
    String secret = GeneratedSecrets.newApiKey(new SecureRandom());
    secrets.add(secret);
    server.store().apiKeys().add(ALICE, name, GeneratedSecrets.keyedHash(server.store().serverSecret().value(), secret),
        scopes, senders, List.of(), ApiKey.Limits.NONE);
    return new Key(secret, ExternalTool.secretFile(directory.resolve("key-" + name + ".header"), "Authorization: Bearer " + secret + "\n"));
  }

  /** Signing keys for alice's domain, RSA and Ed25519, active; what their TXT records publish. */
  private List<DkimKey> signingKeys() throws Exception {
    List<DkimKey> keys = new ArrayList<>();
    for (DkimAlgorithm algorithm : List.of(DkimAlgorithm.RSA_SHA256, DkimAlgorithm.ED25519_SHA256)) {
      String selector = "hk-" + algorithm.tag().substring(0, 3);
      KeyPair pair = algorithm.generate();
      byte[] privateKey = pair.getPrivate().getEncoded();
      byte[] publicKey = pair.getPublic().getEncoded();
      server.store().signingKeys().add(
          new SigningKey(TestServers.HOSTED_DOMAIN, selector, algorithm.tag(), privateKey, publicKey, "pending", Instant.now()));
      server.store().signingKeys().activate(TestServers.HOSTED_DOMAIN, selector);
      keys.add(DkimKeys.read(TestServers.HOSTED_DOMAIN, selector, algorithm, privateKey, publicKey));
    }
    return keys;
  }

  // ---- curl ------------------------------------------------------------------------------------

  /** One HTTP exchange as curl saw it. */
  private record Answer(String method, String path, int status, String contentType, List<String> headerLines, String body) {

    /** The value of the last header field named {@code name} (any case), if any. */
    Optional<String> header(String name) {
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      return headerLines.stream().filter(line -> line.toLowerCase(Locale.ROOT).startsWith(prefix))
          .map(line -> line.substring(prefix.length()).strip()).reduce((first, second) -> second);
    }

    JsonNode json() {
      return JSON.readTree(body);
    }

    /** Fails unless docs/openapi.yaml documents this answer of {@code template} and the body fits it. */
    Answer conforms(String template) {
      OpenApiContract.get().assertConforms(method, template, status, OpenApiContract.mediaType(Optional.of(contentType)), body);
      return this;
    }

    /** Fails unless this is the problem (RFC 9457) {@code type} with {@code status}; its body. */
    JsonNode problem(int expected, String type) {
      assertThat(status).as(body).isEqualTo(expected);
      assertThat(contentType).isEqualTo("application/problem+json");
      JsonNode problem = json();
      assertThat(problem.get("type").asString()).isEqualTo("https://hikyaku.dev/problems/" + type);
      assertThat(problem.get("status").asInt()).isEqualTo(expected);
      return problem;
    }
  }

  /**
   * curl against the API over HTTPS, trusting only the server's certificate (it names {@value
   * TestServers#HOSTNAME}, which {@code --resolve} points at 127.0.0.1), the key in a header file.
   * {@code body} is sent as it is in the file ({@code --data-binary}), which makes it a POST.
   */
  private Answer curl(String method, String path, Key key, Optional<Path> body, String contentType, String... headers)
      throws Exception {
    String token = UUID.randomUUID().toString();
    Path responseHeaders = directory.resolve("headers-" + token);
    Path responseBody = directory.resolve("body-" + token);
    String authority = TestServers.HOSTNAME + ":" + server.apiPort();
    List<String> arguments = new ArrayList<>(List.of(
        "--silent", "--show-error", "--max-time", "20", "--cacert", certificate.toString(),
        "--resolve", authority + ":127.0.0.1", "--request", method, "--header", "@" + key.header(),
        "--dump-header", responseHeaders.toString(), "--output", responseBody.toString(),
        "--write-out", "%{http_code} %{content_type}"));
    if (body.isPresent()) {
      arguments.addAll(List.of("--header", "Content-Type: " + contentType, "--data-binary", "@" + body.get()));
    }
    for (String header : headers) {
      arguments.addAll(List.of("--header", header));
    }
    arguments.add("https://" + authority + path);
    ExternalTool.Run run = curl.run(arguments.toArray(String[]::new));
    assertThat(run.exitCode()).as(run.describe()).isZero();
    run.assertConceals(secrets.toArray(String[]::new));
    String[] written = run.stdout().split(" ", 2);
    String text = Files.readString(responseBody, StandardCharsets.UTF_8);
    assertThat(text).doesNotContain(key.secret());
    return new Answer(method, path.replaceAll("\\?.*", ""), Integer.parseInt(written[0]), written.length > 1 ? written[1] : "",
        Files.readAllLines(responseHeaders, StandardCharsets.ISO_8859_1), text);
  }

  private Answer get(String path, Key key) throws Exception {
    return curl("GET", path, key, Optional.empty(), "");
  }

  private Answer postJson(JsonNode message, Key key, String... headers) throws Exception {
    Path file = Files.write(Files.createTempFile(directory, "message", ".json"), JSON.writeValueAsBytes(message));
    return curl("POST", "/v1/messages", key, Optional.of(file), "application/json", headers);
  }

  private static ObjectNode message(String subject, String... to) {
    ObjectNode message = JSON.createObjectNode();
    message.putObject("from").put("email", ALICE).put("name", "Alice Example");
    var recipients = message.putArray("to");
    for (String recipient : to) {
      recipients.add(recipient);
    }
    message.put("subject", subject);
    message.put("text", "Hello from curl.\n");
    return message;
  }

  /** The recipients of message {@code id} as GET /v1/messages/{id} shows them, {@code "address outcome"}. */
  private List<String> outcomes(String id, Key reader) throws Exception {
    Answer shown = get("/v1/messages/" + id, reader).conforms("/v1/messages/{id}");
    assertThat(shown.status()).as(shown.body()).isEqualTo(200);
    List<String> outcomes = new ArrayList<>();
    shown.json().get("recipients").forEach(r -> outcomes.add(r.get("recipient").asString() + " " + r.get("latest_outcome").asString("-")));
    return outcomes;
  }

  /** What Postfix delivered to {@code mailbox} containing {@code token}, with its line ends as sent (CRLF). */
  private static byte[] deliveredTo(String mailbox, String token) {
    await().atMost(ARRIVAL).until(() -> mx.postfix().deliveredContaining(mailbox, token).isPresent());
    // virtual(8) writes the Maildir file with LF line ends; on the wire, and for DKIM, they were CRLF.
    return mx.postfix().deliveredContaining(mailbox, token).orElseThrow().replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1);
  }

  // ---- swaks -----------------------------------------------------------------------------------

  /** swaks submits on 587 with STARTTLS (the certificate verified) and AUTH PLAIN, alice and the key from a config file. */
  private ExternalTool.Run swaks(Key key, String from, String to, String subject) throws Exception {
    Path config = ExternalTool.secretFile(directory.resolve("swaksrc-" + UUID.randomUUID()),
        "auth-user " + ALICE + "\nauth-password " + key.secret() + "\n");
    ExternalTool.Run run = swaks.run(
        "--config", config.toString(), "--server", "127.0.0.1", "--port", Integer.toString(server.port(ListenerRole.SUBMISSION)),
        "--helo", "client.example", "--from", from, "--to", to, "--header", "Subject: " + subject, "--timeout", "20s",
        "--tls", "--tls-verify", "--tls-ca-path", certificate.toString(), "--tls-sni", TestServers.HOSTNAME,
        "--auth", "PLAIN", "--auth-hide-password");
    run.assertConceals(secrets.toArray(String[]::new));
    return run;
  }

  // ---- the points of "done when" ----------------------------------------------------------------

  @Test
  void curlSendsJsonWithAnAttachmentAndARawMessageBothArriveSignedForDkimpyAndShowDelivered() throws Exception {
    List<DkimKey> keys = signingKeys();
    Key sender = newKey("sender", EnumSet.of(ApiKey.Scope.SEND), List.of());
    Key reader = newKey("reader", EnumSet.of(ApiKey.Scope.READ), List.of());
    String token = InteropServer.token();

    ObjectNode json = message("json " + token, BOB);
    json.putArray("cc").add(CAROL);
    json.put("html", "<p>Hello from <b>curl</b>.</p>");
    json.putArray("attachments").addObject().put("filename", "invoice.pdf").put("content_type", "application/pdf")
        .put("content", Base64.getEncoder().encodeToString(PDF));
    json.putArray("tags").add("invoice");
    json.putObject("metadata").put("order_id", "1042");
    Answer sentJson = postJson(json, sender).conforms("/v1/messages");
    assertThat(sentJson.status()).as(sentJson.body()).isEqualTo(202);
    String jsonId = sentJson.json().get("id").asString();
    assertThat(sentJson.header("Location")).hasValue("/v1/messages/" + jsonId);

    // A raw message as a user keeps it in a file: Unix line ends, the envelope read from its header.
    Path raw = Files.writeString(directory.resolve("msg.eml"), "From: Alice Example <" + ALICE + ">\nTo: " + CAROL
        + "\nSubject: raw " + token + "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n"
        + "A raw message sent with curl --data-binary.\n.a line that starts with a dot\n", StandardCharsets.US_ASCII);
    Answer sentRaw = curl("POST", "/v1/messages/raw", sender, Optional.of(raw), "message/rfc822").conforms("/v1/messages/raw");
    assertThat(sentRaw.status()).as(sentRaw.body()).isEqualTo(202);
    String rawId = sentRaw.json().get("id").asString();

    // At the sink, each copy carries both signatures, and dkimpy verifies them.
    for (byte[] delivered : List.of(deliveredTo("bob", "json " + token), deliveredTo("carol", "json " + token),
        deliveredTo("carol", "raw " + token))) {
      ExternalTool.Run verified = dkimpy.verify(directory, delivered, keys);
      assertThat(verified.exitCode()).as(verified.describe()).isZero();
      assertThat(verified.stdout()).contains("a=rsa-sha256", "a=ed25519-sha256", "2 of 2 signatures verify");
    }
    String atBob = new String(deliveredTo("bob", "json " + token), StandardCharsets.ISO_8859_1);
    assertThat(atBob).contains("Content-Type: application/pdf", "filename=invoice.pdf", Base64.getEncoder().encodeToString(PDF))
        .doesNotContain("order_id");

    // GET /v1/messages/{id} shows every recipient delivered (Postfix carries DSN: "delivered", not "relayed").
    await().atMost(ARRIVAL).until(() -> outcomes(jsonId, reader).equals(List.of(BOB + " delivered", CAROL + " delivered")));
    await().atMost(ARRIVAL).until(() -> outcomes(rawId, reader).equals(List.of(CAROL + " delivered")));
    JsonNode shown = get("/v1/messages/" + jsonId, reader).conforms("/v1/messages/{id}").json();
    assertThat(shown.get("tags").get(0).asString()).isEqualTo("invoice");
    assertThat(shown.get("recipients").get(0).get("attempts").get(0).get("remote_mta").asString()).contains(PostfixPeer.HOSTNAME);
  }

  @Test
  void aReadKeyCannotSendARevokedKeyIs401AndASenderLimitHoldsOverHttpAndSmtpAlike() throws Exception {
    Key reader = newKey("reader", EnumSet.of(ApiKey.Scope.READ), List.of());
    Key revoked = newKey("revoked", EnumSet.of(ApiKey.Scope.SEND), List.of());
    server.store().apiKeys().revoke("revoked");
    server.store().accounts().addSender(ALICE, "@a.example");
    server.store().accounts().addSender(ALICE, "@b.example");
    Key limited = newKey("a-only", EnumSet.of(ApiKey.Scope.SEND), List.of("@a.example"));

    postJson(message("read only", BOB), reader).conforms("/v1/messages").problem(403, "insufficient-scope");
    Answer unauthorized = postJson(message("revoked", BOB), revoked).conforms("/v1/messages");
    unauthorized.problem(401, "unauthorized");
    assertThat(unauthorized.header("WWW-Authenticate")).hasValueSatisfying(value -> assertThat(value).startsWith("Bearer"));
    ObjectNode asB = message("as b", BOB);
    asB.putObject("from").put("email", "news@b.example");
    JsonNode refused = postJson(asB, limited).conforms("/v1/messages").problem(403, "sender-not-allowed");
    assertThat(refused.get("detail").asString()).contains("553 5.7.1", "<news@b.example>");

    // The same key as the password of SMTP AUTH PLAIN: accepted, then the same sender refused at MAIL.
    ExternalTool.Run smtp = swaks(limited, "news@b.example", BOB, "as b over smtp");
    assertThat(smtp.exitCode()).as(smtp.describe()).isNotZero();
    assertThat(smtp.output()).contains("<~  235 2.7.0")
        .contains("<~* 553 5.7.1 <news@b.example>: Sender address rejected: not allowed for API key a-only");
    assertThat(server.store().queueAdmin().list(QueueQuery.all())).isEmpty();
  }

  @Test
  void aSendReplayedWithItsIdempotencyKeyAfterARestartQueuesNothingNew() throws Exception {
    Key sender = newKey("sender", EnumSet.of(ApiKey.Scope.SEND), List.of());
    ObjectNode once = message("once " + InteropServer.token(), BOB);
    Answer first = postJson(once, sender, "Idempotency-Key: \"order-1042\"").conforms("/v1/messages");
    assertThat(first.status()).as(first.body()).isEqualTo(202);
    assertThat(first.header("Idempotent-Replayed")).isEmpty();
    int sent = server.store().history().search(HistoryQuery.all()).size();

    server.close();
    start();

    Answer replayed = postJson(once, sender, "Idempotency-Key: \"order-1042\"").conforms("/v1/messages");
    assertThat(replayed.status()).isEqualTo(202);
    assertThat(replayed.header("Idempotent-Replayed")).hasValue("true");
    assertThat(replayed.json()).isEqualTo(first.json());
    assertThat(server.store().history().search(HistoryQuery.all())).hasSize(sent);
    assertThat(server.store().queueAdmin().list(QueueQuery.all())).allSatisfy(entry ->
        assertThat(entry.id().value()).isEqualTo(first.json().get("id").asString()));
  }

  @Test
  void aHardBounceSuppressesTheRecipientAndTheNextSendIsRefusedOverSmtpAndHttp() throws Exception {
    Key sender = newKey("sender", EnumSet.of(ApiKey.Scope.SEND, ApiKey.Scope.READ), List.of());
    Answer sent = postJson(message("to gone", GONE), sender).conforms("/v1/messages");
    assertThat(sent.status()).as(sent.body()).isEqualTo(202);
    String bouncedId = sent.json().get("id").asString();

    // Postfix refuses it at RCPT (550 5.1.1): failed for good, and on the list for hikyaku.test.
    await().atMost(ARRIVAL).until(() -> outcomes(bouncedId, sender).equals(List.of(GONE + " failed")));
    await().atMost(ARRIVAL).until(() -> get("/v1/suppressions", sender).json().get("data").size() == 1);
    JsonNode entry = get("/v1/suppressions", sender).conforms("/v1/suppressions").json().get("data").get(0);
    assertThat(entry.get("recipient").asString()).isEqualTo(GONE);
    assertThat(entry.get("sender_domain").asString()).isEqualTo(TestServers.HOSTED_DOMAIN);
    assertThat(entry.get("reason").asString()).isEqualTo("hard-bounce");
    assertThat(entry.get("status").asString()).isEqualTo("5.1.1");

    // SMTP: refused at RCPT, with the same key.
    ExternalTool.Run smtp = swaks(sender, ALICE, GONE, "to gone again");
    assertThat(smtp.exitCode()).as(smtp.describe()).isNotZero();
    assertThat(smtp.output()).contains("<~* 550 5.1.1 <" + GONE + ">: Recipient address is on the suppression list since ")
        .contains("(hard bounce)");
    // HTTP: the recipient suppressed beside one that is sent to, and a send to it alone refused.
    Answer partly = postJson(message("partly", GONE, BOB), sender).conforms("/v1/messages");
    assertThat(partly.status()).as(partly.body()).isEqualTo(202);
    JsonNode suppressed = partly.json().get("recipients").get(0);
    assertThat(suppressed.get("email").asString()).isEqualTo(GONE);
    assertThat(suppressed.get("status").asString()).isEqualTo("suppressed");
    assertThat(suppressed.get("reason").asString()).contains("550 5.1.1", "suppression list since", "(hard bounce)");
    assertThat(partly.json().get("recipients").get(1).get("status").asString()).isEqualTo("queued");
    JsonNode alone = postJson(message("alone", GONE), sender).conforms("/v1/messages").problem(422, "recipients-refused");
    assertThat(alone.get("errors").get(0).get("pointer").asString()).isEqualTo("/to/0");
    assertThat(alone.get("errors").get(0).get("detail").asString()).contains("suppression list since", "(hard bounce)");

    // The feed tells the bounce, the listing, and each refusal: over SMTP and refused whole without a message.
    String partlyId = partly.json().get("id").asString();
    List<String> expected = List.of(
        "message.bounced " + bouncedId + " " + GONE, "suppression.created " + bouncedId + " " + GONE,
        "message.suppressed - " + GONE, "message.suppressed " + partlyId + " " + GONE, "message.suppressed - " + GONE);
    await().atMost(Duration.ofSeconds(10)).until(() -> feed(sender, "message.bounced,suppression.created,message.suppressed")
        .equals(expected));
  }

  /** The account's events of {@code types}, {@code "type message recipient"}. */
  private List<String> feed(Key key, String types) throws Exception {
    Answer events = get("/v1/events?types=" + types, key).conforms("/v1/events");
    assertThat(events.status()).as(events.body()).isEqualTo(200);
    List<String> told = new ArrayList<>();
    events.json().get("data").forEach(e ->
        told.add(e.get("type").asString() + " " + e.get("message_id").asString("-") + " " + e.get("recipient").asString("-")));
    return told;
  }
}
