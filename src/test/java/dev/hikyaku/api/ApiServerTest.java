package dev.hikyaku.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.net.TlsContexts;
import dev.hikyaku.store.ApiKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The API listener over real TLS: problem details for 404, 401 and 405, and the certificate it serves. */
class ApiServerTest {

  /** The name the certificate is for, and the host the client dials: HttpClient always checks it. */
  private static final String HOSTNAME = "localhost";
  private static final String VALID_TOKEN = "test-key-that-the-test-check-accepts";
  private static final ApiKeyCheck TEST_KEYS =
      (token, client) -> token.equals(VALID_TOKEN)
          ? new ApiKeyCheck.Verdict.Valid(new ApiKeyCheck.Caller("test-key", "alice@example.com", Set.of(), List.of(), ApiKey.Limits.NONE))
          : new ApiKeyCheck.Verdict.Invalid();
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path dir;

  private TlsContexts tls;
  private ApiServer api;

  @BeforeEach
  void start() throws Exception {
    tls = TlsContexts.selfSigned(HOSTNAME, dir.resolve("tls"), Duration.ZERO);
    api = ApiServer.start(InetAddress.getLoopbackAddress(), 0, Optional.of(tls), Backends.NONE.withKeys(TEST_KEYS));
  }

  @AfterEach
  void stop() {
    api.close();
    tls.close();
  }

  private URI uri(String path) {
    return URI.create("https://" + HOSTNAME + ":" + api.port() + path);
  }

  private static HttpClient clientTrusting(X509Certificate... certificates) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    for (int i = 0; i < certificates.length; i++) {
      trust.setCertificateEntry("server" + i, certificates[i]);
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return HttpClient.newBuilder()
        .sslContext(context)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    try (HttpClient client = clientTrusting(tls.currentCertificate())) {
      return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  private static JsonNode problem(HttpResponse<String> response, int status, String type) {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("type").asString()).isEqualTo("https://hikyaku.dev/problems/" + type);
    assertThat(body.get("status").asInt()).isEqualTo(status);
    assertThat(body.get("title").asString()).isNotBlank();
    assertThat(body.get("detail").asString()).isNotBlank();
    assertThat(body.propertyNames()).containsExactly("type", "title", "status", "detail");
    return body;
  }

  @Test
  void withoutAuthorizationEveryPathIs401WithABearerChallenge() throws Exception {
    for (String path : new String[] {"/", "/v1/messages", "/nothing/here"}) {
      HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)).GET());
      problem(response, 401, "unauthorized");
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
      assertThat(response.sslSession()).hasValueSatisfying(
          session -> assertThat(session.getProtocol()).isIn("TLSv1.3", "TLSv1.2"));
    }
  }

  @Test
  void anInvalidKeyOrAnotherSchemeIs401() throws Exception {
    HttpResponse<String> invalid =
        send(HttpRequest.newBuilder(uri("/v1/messages")).header("Authorization", "Bearer not-a-key").GET());
    JsonNode body = problem(invalid, 401, "unauthorized");
    assertThat(body.get("detail").asString()).doesNotContain("not-a-key");
    assertThat(invalid.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"hikyaku\", error=\"invalid_token\"");

    HttpResponse<String> basic =
        send(HttpRequest.newBuilder(uri("/v1/messages")).header("Authorization", "Basic dXNlcjpwYXNz").GET());
    problem(basic, 401, "unauthorized");
    assertThat(basic.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"hikyaku\"");
  }

  @Test
  void withAValidKeyAnUnknownPathIs404() throws Exception {
    HttpResponse<String> response =
        send(HttpRequest.newBuilder(uri("/v1/no-such-thing")).header("Authorization", "Bearer " + VALID_TOKEN).GET());
    JsonNode body = problem(response, 404, "not-found");
    assertThat(body.get("detail").asString()).contains("/v1/no-such-thing");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
  }

  @Test
  void aMessageNeedsScopeReadAndOnlyGet() throws Exception {
    // TEST_KEYS' caller has no scope at all.
    HttpResponse<String> noScope =
        send(HttpRequest.newBuilder(uri("/v1/messages/anything")).header("Authorization", "Bearer " + VALID_TOKEN).GET());
    problem(noScope, 403, "insufficient-scope");
    assertThat(noScope.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"hikyaku\", error=\"insufficient_scope\", scope=\"read\"");

    HttpResponse<String> post = send(HttpRequest.newBuilder(uri("/v1/messages/anything"))
        .header("Authorization", "Bearer " + VALID_TOKEN)
        .POST(HttpRequest.BodyPublishers.noBody()));
    problem(post, 405, "method-not-allowed");
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
  }

  @Test
  void theNoneValidCheckAcceptsNoKey() {
    assertThat(ApiKeyCheck.NONE_VALID.check(VALID_TOKEN, InetAddress.getLoopbackAddress())).isInstanceOf(ApiKeyCheck.Verdict.Invalid.class);
  }

  @Test
  void anUnknownMethodIs405WithAllow() throws Exception {
    HttpResponse<String> response =
        send(HttpRequest.newBuilder(uri("/v1/messages")).method("TRACE", HttpRequest.BodyPublishers.noBody()));
    problem(response, 405, "method-not-allowed");
    assertThat(response.headers().firstValue("Allow")).hasValue("GET, HEAD, POST, PUT, PATCH, DELETE");
  }

  @Test
  void aClientThatDoesNotTrustTheCertificateIsRefused() throws Exception {
    X509Certificate stranger;
    try (TlsContexts other = TlsContexts.selfSigned(HOSTNAME, dir.resolve("other"), Duration.ZERO)) {
      stranger = other.currentCertificate();
    }
    try (HttpClient client = clientTrusting(stranger)) {
      assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(uri("/")).build(), HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(SSLHandshakeException.class);
    }
  }

  @Test
  void aTls12OnlyClientGetsTls12AndOthersTls13() throws Exception {
    assertThat(send(HttpRequest.newBuilder(uri("/"))).sslSession().orElseThrow().getProtocol()).isEqualTo("TLSv1.3");
    SSLContext context = SSLContext.getInstance("TLS");
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", tls.currentCertificate());
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    context.init(null, factory.getTrustManagers(), null);
    try (HttpClient client =
        HttpClient.newBuilder().sslContext(context).sslParameters(new SSLParameters(null, new String[] {"TLSv1.2"})).build()) {
      HttpResponse<String> response =
          client.send(HttpRequest.newBuilder(uri("/")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.sslSession().orElseThrow().getProtocol()).isEqualTo("TLSv1.2");
      assertThat(response.sslSession().orElseThrow().getCipherSuite()).startsWith("TLS_ECDHE_");
    }
  }

  @Test
  void plainHttpToTheTlsPortGetsNoHttpAnswer() throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), api.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] answer;
      try {
        answer = in.readNBytes(5);
      } catch (IOException e) {
        answer = new byte[0]; // reset: refused outright
      }
      assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotStartWith("HTTP/");
    }
  }

  @Test
  void aReloadedCertificateIsServedWithoutRestart() throws Exception {
    X509Certificate before = tls.currentCertificate();
    Path other = dir.resolve("next");
    X509Certificate after;
    try (TlsContexts next = TlsContexts.selfSigned(HOSTNAME, other, Duration.ZERO)) {
      after = next.currentCertificate();
    }
    assertThat(after).isNotEqualTo(before);
    for (String file : new String[] {"selfsigned-cert.pem", "selfsigned-key.pem"}) {
      Files.copy(other.resolve(file), dir.resolve("tls").resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    assertThat(tls.reload()).isTrue();

    try (HttpClient client = clientTrusting(before, after)) {
      HttpResponse<String> response =
          client.send(HttpRequest.newBuilder(uri("/")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.sslSession().orElseThrow().getPeerCertificates()[0]).isEqualTo(after);
    }
  }

  @Test
  void aRequestTheWebServerCannotParseIsAProblemToo() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", tls.currentCertificate());
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    try (Socket socket = context.getSocketFactory().createSocket(HOSTNAME, api.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      // A header line without a colon (RFC 9112 §5.1: field-name ":" OWS field-value OWS).
      out.write("GET /v1/messages HTTP/1.1\r\nHost: localhost\r\nthis is not a header\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(answer).startsWith("HTTP/1.1 400");
      assertThat(answer).containsIgnoringCase("content-type: application/problem+json");
      JsonNode body = JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
      assertThat(body.get("type").asString()).isEqualTo("https://hikyaku.dev/problems/bad-request");
      assertThat(body.get("status").asInt()).isEqualTo(400);
    }
  }

  @Test
  void everyUnavailableAnswerSaysWhenToComeBack() throws Exception {
    EventFeed down = (account, after, types, limit) -> {
      throw new Unavailable("the store is locked", null);
    };
    ApiKeyCheck reader = (token, client) -> new ApiKeyCheck.Verdict.Valid(new ApiKeyCheck.Caller(
        "reader", "alice@example.com", Set.of(ApiKey.Scope.READ), List.of(), ApiKey.Limits.NONE));
    try (ApiServer failing = ApiServer.start(
            InetAddress.getLoopbackAddress(), 0, Optional.of(tls), Backends.NONE.withKeys(reader).withEvents(down));
        HttpClient client = clientTrusting(tls.currentCertificate())) {
      HttpResponse<String> response = client.send(
          HttpRequest.newBuilder(URI.create("https://" + HOSTNAME + ":" + failing.port() + "/v1/events"))
              .header("Authorization", "Bearer " + VALID_TOKEN).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      problem(response, 503, "unavailable");
      assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
    }
  }

  @Test
  void plainHttpOnLoopbackWhenConfiguredSo() throws Exception {
    try (ApiServer plain = ApiServer.start(InetAddress.getLoopbackAddress(), 0, Optional.empty(), Backends.NONE.withKeys(TEST_KEYS));
        HttpClient client = HttpClient.newHttpClient()) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plain.port() + "/x")).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      problem(response, 401, "unauthorized");
    }
  }

  @Test
  void aTakenPortIsAStartFailureNamingTheAddress() {
    assertThatThrownBy(() -> ApiServer.start(InetAddress.getLoopbackAddress(), api.port(), Optional.of(tls), Backends.NONE.withKeys(TEST_KEYS)))
        .isInstanceOf(ApiServer.StartFailure.class)
        .hasMessageContaining("127.0.0.1:" + api.port());
  }
}
