package dev.hikyaku.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthReportTest {

  @Test
  void upOnlyWhenEveryCheckIsUpAndReasonsStayOutOfTheJson() {
    Map<String, HealthCheck> checks = new LinkedHashMap<>();
    checks.put("store", () -> Health.down("CLOSED: /var/lib/hikyaku/hikyaku.db is closed"));
    checks.put("listeners", Health::up);

    HealthReport report = HealthReport.of(checks);

    assertThat(report.isUp()).isFalse();
    assertThat(report.checks().get("store")).isEqualTo(Health.down("CLOSED: /var/lib/hikyaku/hikyaku.db is closed"));
    assertThat(report.toJson()).isEqualTo("{\"status\":\"DOWN\",\"checks\":{\"store\":\"DOWN\",\"listeners\":\"UP\"}}");
  }

  @Test
  void aCheckThatThrowsIsDownWithTheExceptionAsItsReason() {
    Map<String, HealthCheck> checks = new LinkedHashMap<>();
    checks.put("listeners", Health::up);
    checks.put("store", () -> {
      throw new IllegalStateException("connection pool exhausted");
    });

    HealthReport report = HealthReport.of(checks);

    assertThat(report.isUp()).isFalse();
    assertThat(report.checks().get("store"))
        .isEqualTo(Health.down("java.lang.IllegalStateException: connection pool exhausted"));
    // The order the app named the checks in is the order of the JSON.
    assertThat(report.toJson()).isEqualTo("{\"status\":\"DOWN\",\"checks\":{\"listeners\":\"UP\",\"store\":\"DOWN\"}}");
  }

  @Test
  void noChecksIsUp() {
    assertThat(HealthReport.of(Map.of()).toJson()).isEqualTo("{\"status\":\"UP\",\"checks\":{}}");
  }
}
