package dev.hikyaku.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatenciesTest {

  @Test
  void nearestRankPercentilesOverEverySample() {
    Latencies latencies = new Latencies();
    for (int i = 100; i >= 1; i--) {
      latencies.record(i * 1_000_000L); // 1..100 ms, recorded out of order
    }
    Latencies.Summary summary = latencies.summary();
    assertThat(summary.samples()).isEqualTo(100);
    assertThat(summary.p50()).isEqualTo(50.0);
    assertThat(summary.p90()).isEqualTo(90.0);
    assertThat(summary.p99()).isEqualTo(99.0);
    assertThat(summary.max()).isEqualTo(100.0);
  }

  @Test
  void noSamplesGiveZeros() {
    assertThat(new Latencies().summary()).isEqualTo(new Latencies.Summary(0, 0, 0, 0, 0));
  }
}
