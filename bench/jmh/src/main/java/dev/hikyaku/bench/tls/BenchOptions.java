package dev.hikyaku.bench.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The harnesses' "--name value" options (each with its default) and what their reports share. */
final class BenchOptions {

  private final Map<String, String> values;

  /** {@code defaults}: option name without dashes to its default; null means "not given". */
  BenchOptions(String[] args, Map<String, String> defaults) {
    values = new HashMap<>(defaults);
    for (int i = 0; i < args.length; i++) {
      String name = args[i].startsWith("--") ? args[i].substring(2) : "";
      if (!defaults.containsKey(name) || i + 1 == args.length) {
        throw new IllegalArgumentException("unknown option or missing value: " + args[i]
            + " (options: --" + String.join(", --", defaults.keySet()) + ")");
      }
      values.put(name, args[++i]);
    }
  }

  int number(String name) {
    return Integer.parseInt(values.get(name));
  }

  String text(String name) {
    return values.get(name);
  }

  /** The median of one field over the rounds. */
  static <T> double median(List<T> runs, ToDoubleFunction<T> field) {
    double[] values = runs.stream().mapToDouble(field).sorted().toArray();
    int n = values.length;
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }

  /** The 1, 5 and 15 minute load averages: the figures are only worth as much as the machine's quiet. */
  static String load() {
    try {
      return String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).split(" "), 3));
    } catch (IOException e) {
      return "unknown";
    }
  }
}
