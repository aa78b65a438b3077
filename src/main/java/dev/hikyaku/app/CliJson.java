package dev.hikyaku.app;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code --json} output of the listing commands (one JSON array of one object per row) and the
 * {@code show} commands (one object), member
 * names in snake_case, times in RFC 3339 (UTC), for scripts and {@code jq}. Stored text is written
 * as it is (JSON escapes what a terminal listing shows escaped).
 */
final class CliJson {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private CliJson() {}

  /**
   * Prints {@code rows}, each an ordered map of member → value: String, Number, Boolean, Instant,
   * Optional (empty: null), a Map (a nested object) or a List of those, or null.
   */
  static void print(PrintWriter out, List<Map<String, Object>> rows) {
    ArrayNode array = JSON.createArrayNode();
    rows.forEach(row -> fill(array.addObject(), row));
    out.println(JSON.writeValueAsString(array));
  }

  /** Prints one object (a {@code show} command's), as {@link #print} prints each row. */
  static void printObject(PrintWriter out, Map<String, Object> members) {
    ObjectNode object = JSON.createObjectNode();
    fill(object, members);
    out.println(JSON.writeValueAsString(object));
  }

  private static void fill(ObjectNode object, Map<String, ?> members) {
    members.forEach((name, value) -> {
      switch (value) {
        case null -> object.putNull(name);
        case Optional<?> optional when optional.isEmpty() -> object.putNull(name);
        case Optional<?> optional -> fill(object, Collections.singletonMap(name, optional.get()));
        case String text -> object.put(name, text);
        case Integer number -> object.put(name, number);
        case Long number -> object.put(name, number);
        case Double number -> object.put(name, number);
        case Boolean flag -> object.put(name, flag);
        case Instant time -> object.put(name, time.toString());
        case Map<?, ?> nested -> fill(object.putObject(name), stringKeys(nested));
        case List<?> list -> {
          ArrayNode items = object.putArray(name);
          for (Object item : list) {
            if (item instanceof Map<?, ?> nested) {
              fill(items.addObject(), stringKeys(nested));
            } else {
              items.add(String.valueOf(item));
            }
          }
        }
        default -> object.put(name, value.toString());
      }
    });
  }

  private static Map<String, ?> stringKeys(Map<?, ?> map) {
    Map<String, Object> copy = new LinkedHashMap<>();
    map.forEach((key, value) -> copy.put(String.valueOf(key), value));
    return copy;
  }
}
