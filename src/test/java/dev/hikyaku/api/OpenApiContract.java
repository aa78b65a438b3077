package dev.hikyaku.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
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

  private static final OpenApiContract INSTANCE = load();

  private final String yaml;
  private final JsonNode document;
  private final SchemaRegistry registry;

  private OpenApiContract(String yaml, JsonNode document) {
    this.yaml = yaml;
    this.document = document;
    String json = JsonMapper.builder().build().writeValueAsString(document);
    this.registry = SchemaRegistry.withDefaultDialect(
        SpecificationVersion.DRAFT_2020_12, builder -> builder.schemas(Map.of(BASE, json)));
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
    String pointer = "/paths/" + escape(template) + "/" + method.toLowerCase(Locale.ROOT) + "/responses/";
    JsonNode responses = document.at(pointer.substring(0, pointer.length() - 1));
    assertThat(responses.isMissingNode()).as("%s %s is documented", method, template).isFalse();
    JsonNode response = responses.get(Integer.toString(status));
    assertThat(response).as("%s %s documents status %d", method, template, status).isNotNull();
    String responsePointer = pointer + status;
    if (response.has("$ref")) {
      responsePointer = response.get("$ref").asString().substring(1);
      response = document.at(responsePointer);
    }
    JsonNode content = response.path("content").get(mediaType);
    assertThat(content).as("%s %s %d documents a %s body", method, template, status, mediaType).isNotNull();
    Schema schema = registry.getSchema(SchemaLocation.of(
        BASE + "#" + responsePointer + "/content/" + escape(mediaType) + "/schema"));
    return schema.validate(JsonMapper.builder().build().readTree(body)).stream().map(Error::toString).toList();
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
