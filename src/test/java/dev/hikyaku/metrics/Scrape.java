package dev.hikyaku.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A parsed Prometheus text exposition: one sample per line, {@code name{labels} value}. */
record Scrape(String text, List<Sample> samples) {

  record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

  static Scrape parse(String text) {
    List<Sample> samples =
        text.lines()
            .filter(line -> !line.isBlank() && !line.startsWith("#"))
            .map(Scrape::sample)
            .toList();
    return new Scrape(text, samples);
  }

  private static Sample sample(String line) {
    Matcher m = SAMPLE.matcher(line);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a sample line: " + line);
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (m.group(2) != null) {
      Matcher l = LABEL.matcher(m.group(2));
      while (l.find()) {
        labels.put(l.group(1), l.group(2));
      }
    }
    return new Sample(m.group(1), labels, Double.parseDouble(m.group(3)));
  }

  /** The value of the sample named {@code name} with exactly these labels; fails when absent. */
  double value(String name, String... labels) {
    Map<String, String> wanted = new LinkedHashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      wanted.put(labels[i], labels[i + 1]);
    }
    return samples.stream()
        .filter(s -> s.name().equals(name) && s.labels().equals(wanted))
        .mapToDouble(Sample::value)
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError(
                    "no sample " + name + wanted + "; samples of that name: "
                        + samples.stream().filter(s -> s.name().equals(name)).map(Sample::labels).toList()));
  }

  /** Every value of label {@code label} across the samples whose name starts with {@code prefix}. */
  List<String> labelValues(String prefix, String label) {
    return samples.stream()
        .filter(s -> s.name().startsWith(prefix) && s.labels().containsKey(label))
        .map(s -> s.labels().get(label))
        .distinct()
        .toList();
  }
}
