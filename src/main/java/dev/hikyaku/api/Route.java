package dev.hikyaku.api;

import dev.hikyaku.store.ApiKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of the API's route table: a method, a path template whose {@code {name}} segments bind
 * one path segment each, the scope a key needs, and the handler. Data, as {@code protocol.Verb} is
 * for SMTP: {@link ApiServer} checks the scope once for every route, before the handler runs.
 *
 * @param scope the scope a key must hold; {@link ApiKey.Scope#ADMIN} does not imply the others
 */
record Route(String method, String template, ApiKey.Scope scope, Handler handler) {

  /** Answers one request that matched the route, by a key holding its scope. */
  @FunctionalInterface
  interface Handler {
    Answer handle(ApiRequest request) throws Refusal;
  }

  Route {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(handler, "handler");
    if (!template.startsWith("/")) {
      throw new IllegalArgumentException("a route template is an absolute path: " + template);
    }
  }

  /**
   * The path parameters when {@code path} fits the template (segment by segment, a parameter never
   * empty and never spanning a {@code /}); empty when it does not fit.
   */
  Optional<Map<String, String>> match(String path) {
    List<String> want = segments(template);
    List<String> have = segments(path);
    if (want.size() != have.size()) {
      return Optional.empty();
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    for (int i = 0; i < want.size(); i++) {
      String pattern = want.get(i);
      String segment = have.get(i);
      if (pattern.startsWith("{") && pattern.endsWith("}")) {
        if (segment.isEmpty()) {
          return Optional.empty();
        }
        parameters.put(pattern.substring(1, pattern.length() - 1), segment);
      } else if (!pattern.equals(segment)) {
        return Optional.empty();
      }
    }
    return Optional.of(Map.copyOf(parameters));
  }

  private static List<String> segments(String path) {
    // "/v1/messages/" has an empty last segment, so it never matches "/v1/messages/{id}".
    return List.of(path.substring(1).split("/", -1));
  }
}
