package dev.hikyaku.bench.load;

import java.util.Arrays;

/**
 * Durations recorded by one session thread (no sharing, no locks), merged at the end for
 * percentiles. Nearest-rank percentiles over every sample: no histogram buckets to hide a tail.
 */
final class Latencies {

  private long[] nanos = new long[256];
  private int count;

  void record(long durationNanos) {
    if (count == nanos.length) {
      nanos = Arrays.copyOf(nanos, count * 2);
    }
    nanos[count++] = durationNanos;
  }

  int count() {
    return count;
  }

  void addAll(Latencies other) {
    for (int i = 0; i < other.count; i++) {
      record(other.nanos[i]);
    }
  }

  /** p50, p90, p99 and max in milliseconds, or zeros without samples. */
  Summary summary() {
    long[] sorted = Arrays.copyOf(nanos, count);
    Arrays.sort(sorted);
    return new Summary(count, percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99), count == 0 ? 0 : sorted[count - 1] / 1e6);
  }

  /** Nearest rank: the smallest sample with at least p% of the samples at or below it. */
  static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
  }

  record Summary(int samples, double p50, double p90, double p99, double max) {}
}
