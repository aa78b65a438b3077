package dev.hikyaku.app;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code --json} output of the listing commands: one JSON array of one object per row, member
 * names in snake_case, times in RFC 3339 (UTC), for scripts and {@code jq}. Stored text is written
 * as it is (JSON escapes what a terminal listing shows escaped).
 */
final class CliJson {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private CliJson() {}

  /** Prints {@code rows}, each an ordered map of member → value (String, Number, Boolean, Instant, List of String, or null). */
  static void print(PrintWriter out, List<Map<String, Object>> rows) {
    ArrayNode array = JSON.createArrayNode();
    for (Map<String, Object> row : rows) {
      ObjectNode object = array.addObject();
      row.forEach((name, value) -> {
        switch (value) {
          case null -> object.putNull(name);
          case String text -> object.put(name, text);
          case Integer number -> object.put(name, number);
          case Long number -> object.put(name, number);
          case Boolean flag -> object.put(name, flag);
          case Instant time -> object.put(name, time.toString());
          case List<?> list -> {
            ArrayNode items = object.putArray(name);
            list.forEach(item -> items.add(String.valueOf(item)));
          }
          default -> object.put(name, value.toString());
        }
      });
    }
    out.println(JSON.writeValueAsString(array));
  }
}
