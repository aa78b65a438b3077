package dev.hikyaku.api;

import dev.hikyaku.store.ApiKey;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of the API's route table: a method, a path template whose {@code {name}} segments bind
 * one path segment each, the scope a key needs, whom the route serves, and the handler. Data, as
 * {@code protocol.Verb} is for SMTP: {@link RouteTable} checks the scope and the audience once for
 * every route, before the handler runs.
 *
 * @param scope the scope a key must hold; {@link ApiKey.Scope#ADMIN} does not imply the others
 */
record Route(String method, String template, ApiKey.Scope scope, Audience audience, Handler handler) {

  /** Whom a route serves. */
  enum Audience {
    /** Any key of an account: the route sees and changes that account's things only. */
    ACCOUNT,
    /** Operators only ({@link ApiKeyCheck.Caller#operator()}): the route reaches every account's. */
    OPERATOR
  }

  /** A route of {@link Audience#ACCOUNT}. */
  Route(String method, String template, ApiKey.Scope scope, Handler handler) {
    this(method, template, scope, Audience.ACCOUNT, handler);
  }

  /** Answers one request that matched the route, by a key holding its scope. */
  @FunctionalInterface
  interface Handler {
    Answer handle(ApiRequest request) throws Refusal;
  }

  Route {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(audience, "audience");
    Objects.requireNonNull(handler, "handler");
    if (!template.startsWith("/")) {
      throw new IllegalArgumentException("a route template is an absolute path: " + template);
    }
  }

  /**
   * The path parameters when {@code rawPath} (as the client sent it, still percent-encoded) fits the
   * template: split at each {@code /} first, then each segment percent-decoded (RFC 3986 §2.1), so
   * that a parameter may hold an encoded {@code /} ({@code %2F}, legal in a mailbox's local part)
   * and is never empty; empty when it does not fit, or a segment is not valid UTF-8 once decoded.
   */
  Optional<Map<String, String>> match(String rawPath) {
    List<String> want = segments(template);
    List<String> have = segments(rawPath);
    if (want.size() != have.size()) {
      return Optional.empty();
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    for (int i = 0; i < want.size(); i++) {
      String pattern = want.get(i);
      Optional<String> decoded = percentDecoded(have.get(i));
      if (decoded.isEmpty()) {
        return Optional.empty();
      }
      String segment = decoded.get();
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

  /**
   * {@code segment} with each {@code %XX} replaced by its octet, the octets read as UTF-8; empty for
   * a broken escape or octets that are not UTF-8. A {@code +} stays a plus: only a query's form
   * encoding makes it a space.
   */
  static Optional<String> percentDecoded(String segment) {
    if (segment.indexOf('%') < 0) {
      return Optional.of(segment);
    }
    ByteArrayOutputStream octets = new ByteArrayOutputStream(segment.length());
    int i = 0;
    while (i < segment.length()) {
      int escape = segment.indexOf('%', i);
      int end = escape < 0 ? segment.length() : escape;
      octets.writeBytes(segment.substring(i, end).getBytes(StandardCharsets.UTF_8));
      if (escape < 0) {
        break;
      }
      if (escape + 2 >= segment.length()) {
        return Optional.empty();
      }
      int high = Character.digit(segment.charAt(escape + 1), 16);
      int low = Character.digit(segment.charAt(escape + 2), 16);
      if (high < 0 || low < 0) {
        return Optional.empty();
      }
      octets.write(high * 16 + low);
      i = escape + 3;
    }
    try {
      return Optional.of(StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(octets.toByteArray()))
          .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  private static List<String> segments(String path) {
    // "/v1/messages/" has an empty last segment, so it never matches "/v1/messages/{id}".
    return List.of(path.substring(1).split("/", -1));
  }
}
