package dev.hikyaku.bench.load;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Outcomes counted over all sessions: accepted messages, and failures keyed by reply code ("451",
 * "550") or by what went wrong below SMTP ("io", "timeout", "tls", "connect"), with the first
 * example of each for the report.
 */
final class Tally {

  final LongAdder accepted = new LongAdder();
  final LongAdder sessions = new LongAdder();
  private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
  private final Map<String, String> examples = new ConcurrentHashMap<>();

  void fail(String key, String example, long messages) {
    failures.computeIfAbsent(key, k -> new LongAdder()).add(messages);
    examples.putIfAbsent(key, example);
  }

  long failed() {
    return failures.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** Failures by key, sorted. */
  Map<String, Long> failures() {
    Map<String, Long> sorted = new TreeMap<>();
    failures.forEach((key, count) -> sorted.put(key, count.sum()));
    return sorted;
  }

  String example(String key) {
    return examples.getOrDefault(key, "");
  }
}
