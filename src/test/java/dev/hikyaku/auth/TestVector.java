package dev.hikyaku.auth;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One published test vector from {@code src/test/resources/vectors/}: {@code key: value} lines,
 * {@code #} comments citing where the values come from. Values run to the end of the line,
 * verbatim.
 */
public record TestVector(String name, Map<String, String> values) {

  public static TestVector load(String file) {
    try (InputStream in = TestVector.class.getResourceAsStream("/vectors/" + file)) {
      if (in == null) {
        throw new IllegalArgumentException("no test vector " + file + " under /vectors/");
      }
      Map<String, String> values = new LinkedHashMap<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        int colon = line.indexOf(": ");
        if (colon < 0) {
          throw new IllegalArgumentException(file + ": not a 'key: value' line: " + line);
        }
        values.put(line.substring(0, colon), line.substring(colon + 2));
      }
      return new TestVector(file, Map.copyOf(values));
    } catch (IOException e) {
      throw new UncheckedIOException(file, e);
    }
  }

  public String get(String key) {
    String value = values.get(key);
    if (value == null) {
      throw new IllegalArgumentException(name + " has no '" + key + "'");
    }
    return value;
  }
}
