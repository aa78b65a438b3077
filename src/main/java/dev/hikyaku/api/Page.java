package dev.hikyaku.api;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.function.Function;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One page of a list (API.md §2): {@code {"data": [...], "next_cursor": "..." | null}}, and when
 * there is more, a {@code Link: <...>; rel="next"} header (RFC 8288 §3) to the same list with the
 * same parameters and the next cursor, so a client may follow links instead of building URLs.
 */
final class Page {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private Page() {}

  /** An empty {@code data} array to fill. */
  static ArrayNode data() {
    return JSON.createArrayNode();
  }

  /** The 200 answer for a whole list, not paged: {@code {"data": [...]}}. */
  static Answer.Json whole(ArrayNode data) {
    ObjectNode body = JSON.createObjectNode();
    body.set("data", data);
    return new Answer.Json(200, JSON.writeValueAsString(body));
  }

  /**
   * The 200 answer for a keyset list: {@code found} holds what the seam returned for {@code limit +
   * 1} asked, so one more than a page says there is a next one, which starts after the cursor of
   * the page's last item.
   */
  static <T> Answer.Json answer(
      ApiRequest request, QueryParameters query, List<T> found, int limit, Function<T, ObjectNode> json,
      Function<T, String> cursorAfter, String cursorParameter) {
    boolean hasMore = found.size() > limit;
    List<T> page = hasMore ? found.subList(0, limit) : found;
    ArrayNode data = data();
    page.forEach(item -> data.add(json.apply(item)));
    Optional<String> next = hasMore ? Optional.of(cursorAfter.apply(page.getLast())) : Optional.empty();
    return answer(request, query, data, next, hasMore, cursorParameter);
  }

  /**
   * The 200 answer.
   *
   * @param nextCursor what {@code next_cursor} says: null when empty
   * @param hasMore whether a next page may hold more (a full page): only then the {@code Link}
   * @param cursorParameter the query parameter that takes the cursor ({@code cursor}, {@code since})
   */
  static Answer.Json answer(
      ApiRequest request, QueryParameters query, ArrayNode data, Optional<String> nextCursor, boolean hasMore,
      String cursorParameter) {
    ObjectNode body = JSON.createObjectNode();
    body.set("data", data);
    MessageJson.put(body, "next_cursor", nextCursor);
    if (!hasMore || nextCursor.isEmpty()) {
      return new Answer.Json(200, JSON.writeValueAsString(body));
    }
    StringJoiner link = new StringJoiner("&", request.path() + "?", "");
    for (Map.Entry<String, String> parameter : query.given().entrySet()) {
      if (!parameter.getKey().equals(cursorParameter)) {
        link.add(parameter.getKey() + "=" + encode(parameter.getValue()));
      }
    }
    link.add(cursorParameter + "=" + encode(nextCursor.get()));
    // RFC 8288 §3: the target is a URI-reference, here relative to the request's own URI.
    return new Answer.Json(200, JSON.writeValueAsString(body), Map.of("Link", "<" + link + ">; rel=\"next\""));
  }

  /**
   * A query value percent-encoded (RFC 3986 §3.4): URLEncoder's form encoding with a space as
   * {@code %20}, not {@code +}, which some servers read as a plus.
   */
  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
