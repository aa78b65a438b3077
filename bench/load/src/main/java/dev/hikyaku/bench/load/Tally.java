package dev.hikyaku.bench.load;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLException;

/**
 * Outcomes counted over all sessions: accepted messages, and failures keyed by reply code ("451",
 * "550"), HTTP status ("429", "503") or by what went wrong below the protocol ("io", "timeout",
 * "tls", "connect"), with the first example of each for the report.
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

  /** The failure key of an I/O error: "timeout", "tls", "connect" or "io". */
  static String kind(IOException e) {
    return switch (e) {
      case SocketTimeoutException t -> "timeout";
      case HttpTimeoutException t -> "timeout"; // HttpConnectTimeoutException too
      case SSLException t -> "tls";
      case ConnectException t -> "connect";
      default -> "io";
    };
  }

  String example(String key) {
    return examples.getOrDefault(key, "");
  }
}
