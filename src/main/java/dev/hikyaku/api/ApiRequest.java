package dev.hikyaku.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One request as a route handler sees it: the caller the key speaks for, the path parameters, the
 * query, and the body read within a limit. The reading helpers refuse with the problem the client
 * gets ({@link Refusal}): a body over its limit 413, another media type 415, text that is not one
 * JSON value 400.
 */
final class ApiRequest {

  /** Strict JSON: a duplicated member or anything after the value is a 400, not a silent choice. */
  static final JsonMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private final Exchange request;
  private final ApiKeyCheck.Caller caller;
  private final Map<String, String> parameters;

  ApiRequest(Exchange request, ApiKeyCheck.Caller caller, Map<String, String> parameters) {
    this.request = Objects.requireNonNull(request, "request");
    this.caller = Objects.requireNonNull(caller, "caller");
    this.parameters = Map.copyOf(parameters);
  }

  /** A request to a path served without a key ({@code POST /tlsrpt}): it has no {@link #caller}. */
  static ApiRequest withoutKey(Exchange request) {
    return new ApiRequest(request);
  }

  private ApiRequest(Exchange request) {
    this.request = Objects.requireNonNull(request, "request");
    this.caller = null;
    this.parameters = Map.of();
  }

  ApiKeyCheck.Caller caller() {
    if (caller == null) {
      throw new IllegalStateException("a request served without a key has no caller");
    }
    return caller;
  }

  /** The request path, for problem details ({@code instance}) and links. */
  String path() {
    return request.path();
  }

  /** A parameter of the route's template; the route guarantees it is there. */
  String parameter(String name) {
    String value = parameters.get(name);
    if (value == null) {
      throw new IllegalArgumentException("the route has no parameter " + name);
    }
    return value;
  }

  /** The first value of query parameter {@code name}, if the request has it. */
  Optional<String> query(String name) {
    return request.query(name);
  }

  /** The names of the query's parameters, for checking that it names no unknown one. */
  Set<String> queryNames() {
    return request.queryNames();
  }

  /** Every value of query parameter {@code name}, decoded, in order; none when it is absent. */
  List<String> queryValues(String name) {
    return request.queryValues(name);
  }

  Optional<String> header(String name) {
    return request.header(name);
  }

  /** Whether the request came over TLS (HTTPS). */
  boolean isSecure() {
    return request.isSecure();
  }

  InetAddress client() {
    return request.client();
  }

  /**
   * Whether the request's media type is {@code type} (parameters such as {@code charset} aside;
   * RFC 9110 §8.3.1: compared without regard to case).
   */
  boolean hasMediaType(String type) {
    return mediaType().map(t -> t.equals(type)).orElse(false);
  }

  /** The type/subtype of {@code Content-Type}, lower-case, without parameters. */
  Optional<String> mediaType() {
    return request.header("Content-Type")
        .map(value -> {
          int semicolon = value.indexOf(';');
          return (semicolon < 0 ? value : value.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
        });
  }

  /**
   * The whole body, refused with 413 once it passes {@code limit} octets: a declared {@code
   * Content-Length} over the limit is refused before a byte is read, a chunked body as soon as it
   * passes it.
   */
  byte[] body(long limit) throws Refusal {
    long declared = request.contentLength().orElse(-1);
    if (declared > limit) {
      throw new Refusal(Problems.tooLarge(limit));
    }
    try (InputStream in = request.body()) {
      byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
      if (body.length > limit) {
        throw new Refusal(Problems.tooLarge(limit));
      }
      return body;
    } catch (IOException | UncheckedIOException e) {
      throw new Refusal(Problems.badRequest("the request body could not be read: " + rootMessage(e)));
    }
  }

  /**
   * The body as one JSON value: 415 unless the media type is {@code application/json} (a {@code
   * charset} other than UTF-8 too: RFC 8259 §8.1), 413 over {@code limit}, 400 when it does not parse.
   */
  JsonNode json(long limit) throws Refusal {
    requireJson();
    return parseJson(body(limit));
  }

  /** 415 unless the body is {@code application/json} in UTF-8 (RFC 8259 §8.1). */
  void requireJson() throws Refusal {
    requireMediaType("application/json");
    Optional<String> charset = request.header("Content-Type").flatMap(ApiRequest::charset);
    if (charset.isPresent() && !charset.get().equalsIgnoreCase("utf-8")) {
      throw new Refusal(
          Problems.unsupportedMediaType("a JSON body is UTF-8 (RFC 8259 §8.1), not " + charset.get()),
          Map.of("Accept-Post", "application/json"));
    }
  }

  /** {@code body} as one JSON value, or 400 saying where it stopped making sense. */
  static JsonNode parseJson(byte[] body) throws Refusal {
    if (body.length == 0) {
      throw new Refusal(Problems.badRequest("the request body is empty; it must be a JSON object"));
    }
    try {
      return JSON.readTree(body);
    } catch (JacksonException e) {
      // The parser's own message names the line and column; it holds only what the client sent.
      throw new Refusal(Problems.badRequest("the request body is not valid JSON: " + e.getOriginalMessage()));
    }
  }

  /** 415 naming {@code type} unless the body is of that media type. */
  void requireMediaType(String type) throws Refusal {
    if (!hasMediaType(type)) {
      throw new Refusal(
          Problems.unsupportedMediaType(mediaType()
              .map(t -> "the body must be " + type + ", not " + t)
              .orElse("the body must be " + type + " (no Content-Type was given)")),
          Map.of("Accept-Post", type));
    }
  }

  /** The {@code charset} parameter of a media type (RFC 9110 §8.3.1), unquoted. */
  static Optional<String> charset(String contentType) {
    for (String parameter : contentType.split(";")) {
      int equals = parameter.indexOf('=');
      if (equals > 0 && parameter.substring(0, equals).strip().equalsIgnoreCase("charset")) {
        String value = parameter.substring(equals + 1).strip();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
          value = value.substring(1, value.length() - 1);
        }
        return Optional.of(value);
      }
    }
    return Optional.empty();
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }
}
