package dev.hikyaku.console;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * What a signed-in page shows: the bar, a notice about the last change or an error, the API's answer
 * the page renders ({@code data}, as the route gave it), and the page's own values (the filters
 * given, a key created).
 */
public record View(Nav nav, String notice, String error, JsonNode data, Map<String, String> values) {

  public View {
    values = Map.copyOf(values);
  }

  /** A value of the page, empty when not set. */
  public String value(String name) {
    return values.getOrDefault(name, "");
  }

  /** {@code node}'s member {@code name} as text, empty when absent or null. */
  public static String text(JsonNode node, String name) {
    JsonNode member = node.get(name);
    return member == null || member.isNull() ? "" : member.asString();
  }

  /** {@code value} as a query's value: percent-encoded (form encoding, as browsers send it). */
  public static String query(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** An RFC 3339 time as the console shows it: to the second, in UTC. */
  public static String time(JsonNode node, String name) {
    String text = text(node, name);
    int fraction = text.indexOf('.');
    return (fraction > 0 ? text.substring(0, fraction) + "Z" : text).replace('T', ' ');
  }
}
