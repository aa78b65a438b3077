package dev.hikyaku.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hikyaku.returns.Report;
import dev.hikyaku.returns.ReportReader;

/**
 * Fuzzes {@link ReportReader}: anyone can mail the returns address a DSN (RFC 3464) or an ARF
 * feedback report (RFC 5965). Invariant: every input gives a {@link Report} value, never an
 * exception ({@link Report.Unreadable} is the refusal), and reading is deterministic.
 */
class ReportReaderFuzzTest {

  private static final int MAX_INPUT = 64 * 1024;

  @FuzzTest(maxDuration = "10s")
  void read(byte[] input) {
    if (input.length > MAX_INPUT) {
      return;
    }
    Report report = ReportReader.read(input.clone());
    assertThat(report).isNotNull();
    assertThat(ReportReader.read(input.clone())).isEqualTo(report);
  }
}
