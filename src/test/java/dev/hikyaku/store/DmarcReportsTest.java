package dev.hikyaku.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.testing.TestStores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** V23 on either engine: DMARC record counts add up over nodes, and a day's report is taken on once. */
class DmarcReportsTest {

  private static final LocalDate DAY = LocalDate.of(2026, 12, 6);

  @TempDir Path data;

  @Test
  void countsAddUpAndAReportIsTakenOnOnce() throws Exception {
    try (Store a = TestStores.open(data, Clock.systemUTC());
        Store b = TestStores.open(data, Clock.systemUTC(), new NodeIdentity("b", Duration.ofSeconds(30)))) {
      a.dmarcReports().add(List.of(count("192.0.2.1", 3), count("192.0.2.2", 1)));
      b.dmarcReports().add(List.of(count("192.0.2.1", 4)));
      assertThat(a.dmarcReports().counts(DAY, "sender.example"))
          .anySatisfy(c -> {
            assertThat(c.sourceIp()).isEqualTo("192.0.2.1");
            assertThat(c.messages()).isEqualTo(7);
            assertThat(c.dkimResults()).containsExactly("sender.example s1 pass", "other.example - fail");
            assertThat(c.rua()).containsExactly("mailto:dmarc@sender.example", "mailto:dmarc@reports.example!10m");
          })
          .hasSize(2);
      assertThat(a.dmarcReports().ledger().unreported(DAY)).containsExactly("sender.example");
      assertThat(a.dmarcReports().ledger().take(DAY, "sender.example", "r1", Instant.now())).isTrue();
      assertThat(b.dmarcReports().ledger().take(DAY, "sender.example", "r2", Instant.now())).isFalse();
      b.dmarcReports().ledger().outcome(DAY, "sender.example", "mailto:dmarc@sender.example: queued as Q1");
      assertThat(a.dmarcReports().ledger().outcome(DAY, "sender.example")).contains("mailto:dmarc@sender.example: queued as Q1");
      assertThat(a.dmarcReports().ledger().prune(DAY.plusDays(1))).isEqualTo(3);
    }
  }

  private static DmarcReports.Count count(String ip, long messages) {
    return new DmarcReports.Count(DAY, "sender.example", "adkim=r aspf=r p=none pct=100",
        List.of("mailto:dmarc@sender.example", "mailto:dmarc@reports.example!10m"), ip, "sender.example", "none", "pass", "fail",
        List.of("sender.example s1 pass", "other.example - fail"), "sender.example", "mfrom", "softfail", messages);
  }
}
