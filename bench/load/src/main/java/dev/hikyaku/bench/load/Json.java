package dev.hikyaku.bench.load;

import java.util.Locale;
import java.util.Map;

/** A one-line JSON object writer: enough for the report, no library. */
final class Json {

  private final StringBuilder text = new StringBuilder("{");

  Json put(String key, String value) {
    return raw(key, value == null ? "null" : quote(value));
  }

  Json put(String key, long value) {
    return raw(key, Long.toString(value));
  }

  Json put(String key, boolean value) {
    return raw(key, Boolean.toString(value));
  }

  Json put(String key, double value) {
    return raw(key, Double.isFinite(value) ? String.format(Locale.ROOT, "%.3f", value) : "null");
  }

  Json put(String key, Map<String, Long> counts) {
    Json nested = new Json();
    counts.forEach(nested::put);
    return raw(key, nested.toString());
  }

  Json put(String key, Latencies.Summary summary) {
    return raw(
        key,
        new Json().put("samples", summary.samples()).put("p50", summary.p50()).put("p90", summary.p90()).put("p99", summary.p99()).put("max", summary.max()).toString());
  }

  private Json raw(String key, String value) {
    if (text.length() > 1) {
      text.append(',');
    }
    text.append(quote(key)).append(':').append(value);
    return this;
  }

  static String quote(String value) {
    StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> quoted.append("\\\"");
        case '\\' -> quoted.append("\\\\");
        case '\n' -> quoted.append("\\n");
        case '\r' -> quoted.append("\\r");
        case '\t' -> quoted.append("\\t");
        default -> {
          if (c < 0x20) {
            quoted.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            quoted.append(c);
          }
        }
      }
    }
    return quoted.append('"').toString();
  }

  @Override
  public String toString() {
    return text + "}";
  }
}
