package dev.hikyaku.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.testing.TestStores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** V21 and V22 on either engine: TLS session counts add up, a day's report is taken on once, received reports are kept once. */
class TlsReportsTest {

  private static final LocalDate DAY = LocalDate.of(2026, 12, 6);
  private static final List<String> STS = List.of("version: STSv1", "mode: enforce", "mx: mx.example.net", "max_age: 86400");

  @TempDir Path data;

  @Test
  void countsAddUpAcrossFlushesAndNodes() throws Exception {
    try (Store a = TestStores.open(data, Clock.systemUTC()); Store b = TestStores.open(data, Clock.systemUTC(), new NodeIdentity("b",
        Duration.ofSeconds(30)))) {
      a.tlsReports().add(List.of(count("success", "", "", 5), count("certificate-expired", "mx.example.net", "192.0.2.1", 1)));
      b.tlsReports().add(List.of(count("success", "", "", 7)));
      a.tlsReports().add(List.of(count("certificate-expired", "mx.example.net", "192.0.2.1", 2)));
      List<TlsReports.Count> counts = a.tlsReports().counts(DAY, "example.net");
      assertThat(counts).hasSize(2);
      assertThat(counts).anySatisfy(c -> {
        assertThat(c.resultType()).isEqualTo("success");
        assertThat(c.sessions()).isEqualTo(12);
        assertThat(c.policyStrings()).isEqualTo(STS);
      });
      assertThat(counts).anySatisfy(c -> assertThat(c.sessions()).isEqualTo(3));

      assertThat(a.tlsReports().ledger().unreported(DAY)).containsExactly("example.net");
      assertThat(a.tlsReports().ledger().take(DAY, "example.net", "r1", Instant.now())).isTrue();
      assertThat(b.tlsReports().ledger().take(DAY, "example.net", "r2", Instant.now())).as("one node takes a report on").isFalse();
      assertThat(b.tlsReports().ledger().unreported(DAY)).isEmpty();
      a.tlsReports().ledger().outcome(DAY, "example.net", "mailto:x@example.net: queued as Q1");
      assertThat(b.tlsReports().ledger().outcome(DAY, "example.net")).contains("mailto:x@example.net: queued as Q1");

      assertThat(a.tlsReports().ledger().prune(DAY.plusDays(1))).isEqualTo(3);
      assertThat(a.tlsReports().counts(DAY, "example.net")).isEmpty();
    }
  }

  @Test
  void aReceivedReportIsKeptOnce() throws Exception {
    try (Store store = TestStores.open(data, Clock.systemUTC())) {
      TlsReports.Received report = new TlsReports.Received("Receiver", "id-1", "hikyaku.test", Instant.parse("2026-12-06T00:00:00Z"),
          Instant.parse("2026-12-06T23:59:59Z"), 10, 1, "{\"report-id\":\"id-1\"}", Instant.now());
      assertThat(store.tlsReports().keep(report)).isTrue();
      assertThat(store.tlsReports().keep(report)).isFalse();
      assertThat(store.tlsReports().received(Optional.of("hikyaku.test"), Instant.EPOCH, 10)).singleElement()
          .satisfies(r -> {
            assertThat(r.successes()).isEqualTo(10);
            assertThat(r.report()).contains("id-1");
          });
      assertThat(store.tlsReports().received(Optional.of("other.test"), Instant.EPOCH, 10)).isEmpty();
    }
  }

  private static TlsReports.Count count(String result, String host, String ip, long sessions) {
    return new TlsReports.Count(DAY, "example.net", "sts", STS, List.of("mx.example.net"), result, host, ip, sessions);
  }
}
