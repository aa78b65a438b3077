package dev.hikyaku.api;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The query of a list route, read strictly: a name the route does not know, a name given twice, an
 * empty value, a limit outside 1..100, a time that is not RFC 3339 or a cursor the route did not
 * hand out are each a 422 {@code invalid-parameter} whose detail names the parameter, rather than
 * being ignored (a misspelt filter would otherwise silently widen the list). The first problem
 * found is the one answered.
 */
final class QueryParameters {

  /** A page holds this many items unless {@code limit} says otherwise (API.md §2). */
  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 100;
  static final String LIMIT = "limit";

  private final Map<String, String> given;

  private QueryParameters(Map<String, String> given) {
    this.given = given;
  }

  /** The query of {@code request}, refused unless every name is one of {@code known}, once. */
  static QueryParameters of(ApiRequest request, List<String> known) throws Refusal {
    requireKnown(request, known);
    Map<String, String> given = new LinkedHashMap<>();
    for (String name : known) {
      List<String> values = request.queryValues(name);
      if (values.size() > 1) {
        throw new Refusal(invalid(name, "given " + values.size() + " times; give it once"));
      }
      if (values.size() == 1) {
        if (values.getFirst().isEmpty()) {
          throw new Refusal(invalid(name, "empty; leave it out instead"));
        }
        given.put(name, values.getFirst());
      }
    }
    return new QueryParameters(given);
  }

  /**
   * 422 unless every name in the query of {@code request} is one of {@code known} (a route that
   * reads its query otherwise, such as one that takes a name more than once, checks this much).
   */
  static void requireKnown(ApiRequest request, List<String> known) throws Refusal {
    Set<String> unknown = new TreeSet<>(request.queryNames());
    unknown.removeAll(known);
    if (!unknown.isEmpty()) {
      throw new Refusal(Problems.invalidParameter(
          "query parameter " + String.join(", ", unknown),
          "not known here; " + request.path() + (known.isEmpty() ? " takes none" : " takes " + String.join(", ", known))));
    }
  }

  /** The value of {@code name}, if given (never empty). */
  Optional<String> text(String name) {
    return Optional.ofNullable(given.get(name));
  }

  /** {@code limit}: 1 to {@link #MAX_LIMIT}, {@link #DEFAULT_LIMIT} when not given. */
  int limit() throws Refusal {
    Optional<String> text = text(LIMIT);
    if (text.isEmpty()) {
      return DEFAULT_LIMIT;
    }
    String must = "must be a whole number from 1 to " + MAX_LIMIT + ", was '" + text.get() + "'";
    if (!text.get().matches("[0-9]{1,3}")) {
      throw new Refusal(invalid(LIMIT, must));
    }
    int limit = Integer.parseInt(text.get());
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new Refusal(invalid(LIMIT, must));
    }
    return limit;
  }

  /**
   * {@code name} as an RFC 3339 date-time ({@code 2026-12-01T09:00:00Z}, or with an offset: a
   * {@code +} in a query must be sent as {@code %2B}, or it reads as a space), if given.
   */
  Optional<Instant> time(String name) throws Refusal {
    Optional<String> text = text(name);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      // RFC 3339 §5.6: "T" and "Z" may be lower case.
      return Optional.of(OffsetDateTime.parse(text.get().toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME)
          .toInstant());
    } catch (DateTimeParseException e) {
      throw new Refusal(invalid(name, "not an RFC 3339 date-time such as 2026-12-01T09:00:00Z: '" + text.get() + "'"));
    }
  }

  /** The fields of cursor parameter {@code name} when given: one this route handed out, or 422. */
  Optional<List<String>> cursor(String name, String kind, int fields) throws Refusal {
    Optional<String> text = text(name);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(Cursor.decode(kind, fields, text.get()).orElseThrow(() -> badCursor(name)));
  }

  /** A cursor parameter that holds no cursor of this list. */
  static Refusal badCursor(String name) {
    return new Refusal(invalid(name, "not a cursor this list handed out; pass next_cursor back as it came"));
  }

  /** A value that is not one of {@code allowed}. */
  Refusal notOneOf(String name, String value, List<String> allowed) {
    return new Refusal(invalid(name, "must be one of " + String.join(", ", allowed) + ", was '" + value + "'"));
  }

  /** Every parameter given, in the route's order, for the link to the next page. */
  Map<String, String> given() {
    return Collections.unmodifiableMap(given);
  }

  static Problem invalid(String name, String detail) {
    return Problems.invalidParameter("query parameter " + name, detail);
  }
}
