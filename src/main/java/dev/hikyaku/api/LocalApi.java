package dev.hikyaku.api;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The API's routes called in the same process, as the console calls them: the same route table,
 * scope and audience checks and handlers as a request over the wire, for a caller the console has
 * signed in (by password and TOTP, or by an API key the API would accept). What a caller cannot do
 * through {@code https://.../v1/...}, it cannot do here either.
 */
public final class LocalApi {

  private static final Logger log = LoggerFactory.getLogger(LocalApi.class);

  private final ApiKeyCheck keys;
  private final RouteTable routes;

  public LocalApi(Backends backends) {
    this.keys = backends.keys();
    this.routes = RouteTable.of(backends);
  }

  /** What {@code token} is worth from {@code client}, exactly as the API decides it. */
  public ApiKeyCheck.Verdict check(String token, InetAddress client) {
    return keys.check(token, client);
  }

  /**
   * Answers {@code method} {@code target} for {@code caller}.
   *
   * @param target the path and query, percent-encoded as a client would send them
   * @param json the request's body, {@code application/json}, when it has one
   * @param client where the person at the console is, for the routes that record it
   * @param secure whether the console's own request came over TLS
   */
  public Result call(ApiKeyCheck.Caller caller, String method, String target, Optional<String> json, InetAddress client, boolean secure) {
    Objects.requireNonNull(caller, "caller");
    Answer answer;
    try {
      answer = routes.dispatch(method, new Local(target, json, client, secure), caller);
    } catch (RuntimeException bug) {
      log.error("API (console): {} {} failed", method, target, bug);
      answer = new Answer.Failure(Problems.internal());
    }
    return switch (answer) {
      case Answer.Json body -> new Result(body.status(), body.body());
      case Answer.NoContent ignored -> new Result(204, "");
      case Answer.Document document -> new Result(200, new String(document.body(), StandardCharsets.UTF_8));
      case Answer.Failure failure -> new Result(failure.problem().status(), Problems.toJson(failure.problem()));
    };
  }

  /**
   * A route's answer: its status and body, a JSON document (an RFC 9457 problem for an error).
   */
  public record Result(int status, String body) {

    public Result {
      Objects.requireNonNull(body, "body");
    }

    public boolean isSuccess() {
      return status >= 200 && status < 300;
    }

    /** The body parsed; an empty object for 204. */
    public JsonNode json() {
      return body.isEmpty() ? ApiRequest.JSON.createObjectNode() : ApiRequest.JSON.readTree(body);
    }

    /** A problem's {@code detail}, for the person at the console; empty on success. */
    public String detail() {
      return isSuccess() ? "" : json().path("detail").asString("");
    }
  }

  /** A request made in-process: the target's path and query, a JSON body or none. */
  private static final class Local implements Exchange {
    private final String rawPath;
    private final Map<String, List<String>> query = new LinkedHashMap<>();
    private final Optional<byte[]> body;
    private final InetAddress client;
    private final boolean secure;

    Local(String target, Optional<String> json, InetAddress client, boolean secure) {
      int question = target.indexOf('?');
      this.rawPath = question < 0 ? target : target.substring(0, question);
      if (question >= 0) {
        for (String pair : target.substring(question + 1).split("&")) {
          if (pair.isEmpty()) {
            continue;
          }
          int equals = pair.indexOf('=');
          String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
          String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
          query.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
      }
      this.body = json.map(text -> text.getBytes(StandardCharsets.UTF_8));
      this.client = Objects.requireNonNull(client, "client");
      this.secure = secure;
    }

    @Override
    public String path() {
      return Route.percentDecoded(rawPath).orElse(rawPath);
    }

    @Override
    public String rawPath() {
      return rawPath;
    }

    @Override
    public Optional<String> query(String name) {
      return Optional.ofNullable(query.get(name)).map(List::getFirst);
    }

    @Override
    public Set<String> queryNames() {
      return query.keySet();
    }

    @Override
    public List<String> queryValues(String name) {
      return query.getOrDefault(name, List.of());
    }

    @Override
    public Optional<String> header(String name) {
      return name.toLowerCase(Locale.ROOT).equals("content-type") && body.isPresent()
          ? Optional.of("application/json")
          : Optional.empty();
    }

    @Override
    public OptionalLong contentLength() {
      return body.map(b -> OptionalLong.of(b.length)).orElse(OptionalLong.of(0));
    }

    @Override
    public InputStream body() {
      return new ByteArrayInputStream(body.orElse(new byte[0]));
    }

    @Override
    public boolean isSecure() {
      return secure;
    }

    @Override
    public InetAddress client() {
      return client;
    }
  }
}
