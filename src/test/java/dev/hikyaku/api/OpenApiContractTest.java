package dev.hikyaku.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.net.TlsContexts;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code docs/openapi.yaml} is the API's contract: a valid OpenAPI 3.1 document, naming exactly
 * the routes the server has, whose examples fit their own schemas, and which the server serves at
 * {@code /v1/openapi.yaml} byte for byte.
 */
class OpenApiContractTest {

  private final OpenApiContract contract = OpenApiContract.get();

  @TempDir Path dir;

  @Test
  void theDocumentIsValidOpenApi31() {
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    SwaggerParseResult result = new OpenAPIV3Parser().readContents(contract.yaml(), null, options);
    assertThat(result.getMessages()).as("swagger-parser's findings").isEmpty();
    assertThat(result.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
  }

  @Test
  void itDocumentsExactlyTheRoutesTheServerHas() {
    Set<String> served = new TreeSet<>();
    for (Route route : ApiServer.routes(Backends.NONE)) {
      served.add(route.method() + " " + route.template());
    }
    served.add("GET " + ApiServer.OPENAPI_PATH);
    assertThat(new TreeSet<>(contract.operations())).isEqualTo(served);
  }

  @Test
  void everyOperationNamesTheScopeItNeeds() {
    // The route table holds the scope; the document says it in words, so a reader finds it.
    for (Route route : ApiServer.routes(Backends.NONE)) {
      JsonNode operation = contract.document().at(
          "/paths/" + OpenApiContract.escape(route.template()) + "/" + route.method().toLowerCase(java.util.Locale.ROOT));
      assertThat(operation.path("description").asString())
          .as(route.method() + " " + route.template())
          .contains("scope `" + route.scope().configName() + "`");
    }
  }

  @Test
  void everyExampleFitsItsSchema() {
    List<String> checked = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    walk(contract.document(), "", (pointer, node) -> {
      if (node.has("schema") && node.has("example")) {
        checked.add(pointer);
        List<String> errors = contract.violationsAt(pointer + "/schema", node.get("example"));
        if (!errors.isEmpty()) {
          failures.add(pointer + ": " + errors);
        }
      }
      if (node.has("schema") && node.has("examples") && node.get("examples").isObject()) {
        for (Map.Entry<String, JsonNode> example : node.get("examples").properties()) {
          checked.add(pointer + "/examples/" + example.getKey());
          List<String> errors = contract.violationsAt(pointer + "/schema", example.getValue().get("value"));
          if (!errors.isEmpty()) {
            failures.add(pointer + "/examples/" + example.getKey() + ": " + errors);
          }
        }
      }
    });
    assertThat(checked).as("examples found").hasSizeGreaterThanOrEqualTo(3);
    assertThat(failures).isEmpty();
  }

  @Test
  void theServerServesTheDocumentWithoutAKey() throws Exception {
    try (TlsContexts tls = TlsContexts.selfSigned("localhost", dir.resolve("tls"), Duration.ZERO);
        ApiServer api = ApiServer.start(InetAddress.getLoopbackAddress(), 0, Optional.of(tls), Backends.NONE);
        HttpClient client = trusting(tls)) {
      HttpResponse<byte[]> response = client.send(
          HttpRequest.newBuilder(URI.create("https://localhost:" + api.port() + ApiServer.OPENAPI_PATH))
              .timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValue("application/yaml");
      assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(contract.yaml());

      // And the errors every route shares fit the contract's problem schema.
      HttpResponse<String> unauthorized = client.send(
          HttpRequest.newBuilder(URI.create("https://localhost:" + api.port() + "/v1/messages/x"))
              .timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(unauthorized.statusCode()).isEqualTo(401);
      contract.assertConforms("GET", "/v1/messages/{id}", 401,
          OpenApiContract.mediaType(unauthorized.headers().firstValue("Content-Type")), unauthorized.body());
    }
  }

  @Test
  void everyProblemTypeIsInTheDocument() throws Exception {
    // Read as text: every kind Problems can answer is a type("...") call there, private or not.
    String source = Files.readString(Path.of("src", "main", "java", "dev", "hikyaku", "api", "Problems.java"));
    Set<String> types = new TreeSet<>();
    Matcher matcher = Pattern.compile("type\\(\"([a-z0-9-]+)\"\\)").matcher(source);
    while (matcher.find()) {
      types.add(matcher.group(1));
    }
    assertThat(types).as("the problem types Problems.java names").hasSizeGreaterThanOrEqualTo(20)
        .contains("invalid-parameter", "no-sending-domain");
    for (String type : types) {
      assertThat(contract.yaml()).as("docs/openapi.yaml lists problem type %s", type).contains("`" + type + "`");
    }
  }

  @Test
  void theDocumentsWordsAreTheServers() {
    assertThat(enumAt("/components/schemas/EventTypeName"))
        .isEqualTo(Arrays.stream(EventType.values()).map(EventType::typeName).toList());
    assertThat(enumAt("/components/schemas/Outcome"))
        .isEqualTo(Arrays.stream(MessageReader.Outcome.values()).map(MessageReader.Outcome::keyword).toList());
    assertThat(contract.document().at("/components/parameters/Limit/schema/maximum").asInt()).isEqualTo(QueryParameters.MAX_LIMIT);
    assertThat(contract.document().at("/components/parameters/Limit/schema/default").asInt())
        .isEqualTo(QueryParameters.DEFAULT_LIMIT);
    assertThat(contract.document().at("/components/schemas/CursorText/maxLength").asInt()).isEqualTo(Cursor.MAX_LENGTH);
  }

  @Test
  void aTargetFallsUnderItsMostLiteralTemplate() {
    assertThat(contract.template("/v1/messages/raw")).hasValue("/v1/messages/raw");
    assertThat(contract.template("/v1/messages/06H4T2Q8ZK3M7D1X")).hasValue("/v1/messages/{id}");
    assertThat(contract.template("/v1/suppressions/a%2Fb@x.example")).hasValue("/v1/suppressions/{address}");
    assertThat(contract.template("/v1/suppressions/")).isEmpty();
    assertThat(contract.template("/v2/messages")).isEmpty();
  }

  @Test
  void aBodyThatDoesNotFitIsCaught() {
    // The checker itself: a problem without its required members is a violation.
    assertThat(contract.violations("GET", "/v1/messages/{id}", 404, "application/problem+json", "{\"type\":\"x\"}"))
        .isNotEmpty();
    // ... and so is a problem of a type the response does not name.
    assertThat(contract.violations("GET", "/v1/events", 422, "application/problem+json",
        "{\"type\":\"https://hikyaku.dev/problems/invalid-request\",\"title\":\"Invalid Request\",\"status\":422,"
            + "\"detail\":\"query parameter limit: too many\"}"))
        .isNotEmpty();
  }

  private List<String> enumAt(String pointer) {
    List<String> words = new ArrayList<>();
    contract.document().at(pointer + "/enum").forEach(word -> words.add(word.asString()));
    return words;
  }

  private interface Visitor {
    void visit(String pointer, JsonNode node);
  }

  private static void walk(JsonNode node, String pointer, Visitor visitor) {
    if (node.isObject()) {
      visitor.visit(pointer, node);
      for (Map.Entry<String, JsonNode> member : node.properties()) {
        if (!member.getKey().equals("example") && !member.getKey().equals("examples")) {
          walk(member.getValue(), pointer + "/" + OpenApiContract.escape(member.getKey()), visitor);
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        walk(node.get(i), pointer + "/" + i, visitor);
      }
    }
  }

  static HttpClient trusting(TlsContexts tls) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", tls.currentCertificate());
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(10)).build();
  }

}
