package dev.hikyaku.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * {@code docs/openapi.yaml} as a checker: the schema a route documents for a status, and whether a
 * body the server really sent fits it. Tests call {@link #assertConforms} on the responses they
 * get, so the contract cannot drift from the code unnoticed.
 */
public final class OpenApiContract {

  /** Where the document lives in the source tree; the build copies it next to the api classes. */
  public static final Path FILE = Path.of("docs", "openapi.yaml");

  /** The IRI the document is known by inside the schema registry (its $refs are relative). */
  private static final String BASE = "https://hikyaku.dev/openapi.json";

  // Before INSTANCE: the constructor needs it.
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static final OpenApiContract INSTANCE = load();

  /**
   * Headers the API sets on purpose (others, such as {@code Content-Type}, every response has): a
   * response that carries one must be documented with it.
   */
  static final List<String> DECLARED_HEADERS =
      List.of("Link", "Location", "Retry-After", "Idempotent-Replayed", "WWW-Authenticate", "Accept-Post");

  private final String yaml;
  private final JsonNode document;
  private final SchemaRegistry registry;

  private OpenApiContract(String yaml, JsonNode document) {
    this.yaml = yaml;
    this.document = document;
    String json = JSON.writeValueAsString(document);
    // The dialect of OpenAPI 3.1's Schema Object: JSON Schema 2020-12 and OpenAPI's own keywords
    // (discriminator, ...), which plain 2020-12 would call unknown.
    this.registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31(), builder -> builder.schemas(Map.of(BASE, json)));
  }

  public static OpenApiContract get() {
    return INSTANCE;
  }

  private static OpenApiContract load() {
    try {
      String yaml = Files.readString(FILE, StandardCharsets.UTF_8);
      return new OpenApiContract(yaml, YAMLMapper.builder().build().readTree(yaml));
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + FILE, e);
    }
  }

  public String yaml() {
    return yaml;
  }

  public JsonNode document() {
    return document;
  }

  /** Every documented operation as {@code "GET /v1/messages/{id}"}. */
  public List<String> operations() {
    List<String> operations = new ArrayList<>();
    for (Map.Entry<String, JsonNode> path : document.get("paths").properties()) {
      for (Map.Entry<String, JsonNode> operation : path.getValue().properties()) {
        if (List.of("get", "put", "post", "delete", "patch", "head").contains(operation.getKey())) {
          operations.add(operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
        }
      }
    }
    return operations;
  }

  /**
   * The errors of {@code body} against the schema documented for {@code method template} answering
   * {@code status} as {@code mediaType}; fails the test when the contract documents no such answer.
   */
  public List<String> violations(String method, String template, int status, String mediaType, String body) {
    Documented response = response(method, template, status);
    JsonNode content = response.node().path("content").get(mediaType);
    assertThat(content).as("%s %s %d documents a %s body", method, template, status, mediaType).isNotNull();
    return violationsAt(response.pointer() + "/content/" + escape(mediaType) + "/schema", JSON.readTree(body));
  }

  /** A documented response: where it is in the document (past a {@code $ref}), and what. */
  private record Documented(String pointer, JsonNode node) {}

  /** The response documented for {@code method template} answering {@code status}; fails the test when there is none. */
  private Documented response(String method, String template, int status) {
    String pointer = "/paths/" + escape(template) + "/" + method.toLowerCase(Locale.ROOT) + "/responses";
    JsonNode responses = document.at(pointer);
    assertThat(responses.isMissingNode()).as("%s %s is documented", method, template).isFalse();
    JsonNode response = responses.get(Integer.toString(status));
    assertThat(response).as("%s %s documents status %d", method, template, status).isNotNull();
    String responsePointer = pointer + "/" + status;
    if (response.has("$ref")) {
      responsePointer = response.get("$ref").asString().substring(1);
      response = document.at(responsePointer);
    }
    return new Documented(responsePointer, response);
  }

  /**
   * Fails unless the server's answer to {@code method} on {@code target} (a path as sent, with its
   * query or without) is one the document describes: the operation of the path template the target
   * falls under documents {@code status}, the body fits its schema (a 204 has none), and each of
   * {@link #DECLARED_HEADERS} the response carries is declared for it, with a value that fits. A
   * method the document does not name for the path (or a path it does not name at all) must have
   * been refused, 405 or 404, with a problem.
   *
   * @param header a response header's value by name, in any case
   */
  public void assertAnswer(String method, String target, int status, Function<String, Optional<String>> header, String body) {
    String path = target.indexOf('?') < 0 ? target : target.substring(0, target.indexOf('?'));
    Optional<String> template = template(path);
    String name = method.toLowerCase(Locale.ROOT);
    if (template.isEmpty() || !document.path("paths").path(template.get()).has(name)) {
      assertThat(status).as("%s %s is not documented, so it is refused: %s", method, path, body).isIn(404, 405);
      assertThat(violationsAt("/components/schemas/Problem", JSON.readTree(body))).as(body).isEmpty();
      return;
    }
    Documented response = response(method, template.get(), status);
    if (status == 204) {
      assertThat(response.node().has("content")).as("%s %s 204 documents no body", method, template.get()).isFalse();
      assertThat(body).as("%s %s 204", method, target).isEmpty();
    } else {
      assertConforms(method, template.get(), status, mediaType(header.apply("Content-Type")), body);
    }
    for (String declared : DECLARED_HEADERS) {
      Optional<String> value = header.apply(declared);
      if (value.isEmpty()) {
        continue;
      }
      Optional<String> documented = response.node().path("headers").propertyNames().stream()
          .filter(declared::equalsIgnoreCase).findFirst();
      assertThat(documented).as("%s %s %d documents header %s", method, template.get(), status, declared).isPresent();
      String pointer = response.pointer() + "/headers/" + escape(documented.get());
      JsonNode entry = document.at(pointer);
      if (entry.has("$ref")) {
        pointer = entry.get("$ref").asString().substring(1);
        entry = document.at(pointer);
      }
      JsonNode valueNode = entry.path("schema").path("type").asString("").equals("integer") && value.get().matches("[0-9]{1,18}")
          ? JSON.getNodeFactory().numberNode(Long.parseLong(value.get()))
          : JSON.getNodeFactory().stringNode(value.get());
      assertThat(violationsAt(pointer + "/schema", valueNode))
          .as("%s %s %d header %s: %s fits docs/openapi.yaml", method, template.get(), status, declared, value.get())
          .isEmpty();
    }
  }

  /**
   * The documented path template {@code path} (as sent, without its query) falls under: each
   * {@code {name}} takes one segment that is not empty, and of the templates that fit, the one with
   * the most literal segments ({@code /v1/messages/raw} rather than {@code /v1/messages/{id}}).
   */
  public Optional<String> template(String path) {
    List<String> have = List.of(path.substring(1).split("/", -1));
    String best = null;
    int bestLiterals = -1;
    for (String template : document.path("paths").propertyNames()) {
      List<String> want = List.of(template.substring(1).split("/", -1));
      if (want.size() != have.size()) {
        continue;
      }
      int literals = 0;
      boolean fits = true;
      for (int i = 0; i < want.size() && fits; i++) {
        if (want.get(i).startsWith("{")) {
          fits = !have.get(i).isEmpty();
        } else {
          fits = want.get(i).equals(have.get(i));
          literals++;
        }
      }
      if (fits && literals > bestLiterals) {
        best = template;
        bestLiterals = literals;
      }
    }
    return Optional.ofNullable(best);
  }

  /** Fails unless {@code body} fits the documented schema (see {@link #violations}). */
  public void assertConforms(String method, String template, int status, String mediaType, String body) {
    assertThat(violations(method, template, status, mediaType, body))
        .as("%s %s %d %s body fits docs/openapi.yaml: %s", method, template, status, mediaType, body)
        .isEmpty();
  }

  /** The schema at {@code pointer} (an RFC 6901 pointer into the document) applied to {@code value}. */
  public List<String> violationsAt(String pointer, JsonNode value) {
    Schema schema = registry.getSchema(SchemaLocation.of(BASE + "#" + pointer));
    return schema.validate(value).stream().map(Error::toString).toList();
  }

  /** The media type without parameters, as the contract keys its content. */
  public static String mediaType(Optional<String> contentType) {
    String value = contentType.orElse("");
    int semicolon = value.indexOf(';');
    return (semicolon < 0 ? value : value.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
  }

  /** RFC 6901 §3: {@code ~} as {@code ~0}, {@code /} as {@code ~1}. */
  static String escape(String segment) {
    return segment.replace("~", "~0").replace("/", "~1");
  }
}
