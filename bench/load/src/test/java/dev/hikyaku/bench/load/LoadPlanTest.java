package dev.hikyaku.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LoadPlanTest {

  @Test
  void parsesShortAndLongOptions() throws Exception {
    LoadPlan plan =
        LoadPlan.parse(List.of("--port", "2525", "-c", "20", "--messages=500", "-k", "10", "-s", "1MiB", "-r", "3", "--tls", "starttls", "--auth", "scram", "--user", "u@bench.example", "--password", "pw", "--pipelining", "--no-tls-resume"));

    assertThat(plan.port()).isEqualTo(2525);
    assertThat(plan.connections()).isEqualTo(20);
    assertThat(plan.messages()).isEqualTo(500);
    assertThat(plan.perConnection()).isEqualTo(10);
    assertThat(plan.size()).isEqualTo(1024 * 1024);
    assertThat(plan.security()).isEqualTo(Security.STARTTLS);
    assertThat(plan.auth()).isEqualTo(AuthMechanism.SCRAM_SHA_256);
    assertThat(plan.from()).isEqualTo("u@bench.example");
    assertThat(plan.isPipelining()).isTrue();
    assertThat(plan.isTlsResumed()).isFalse();
    assertThat(plan.recipient(0)).isEqualTo("user1@bench.example");
    assertThat(plan.recipient(2)).isEqualTo("user3@bench.example");
    assertThat(plan.toString()).doesNotContain("pw");
  }

  @Test
  void sizesTakeBinaryAndDecimalUnits() {
    assertThat(LoadPlan.parseSize("4096")).isEqualTo(4096);
    assertThat(LoadPlan.parseSize("4KiB")).isEqualTo(4096);
    assertThat(LoadPlan.parseSize("100KB")).isEqualTo(100_000);
    assertThatThrownBy(() -> LoadPlan.parseSize("lots")).hasMessageContaining("--size");
  }

  @Test
  void refusesUnknownOptionsAndAuthWithoutCredentials() {
    assertThatThrownBy(() -> LoadPlan.parse(List.of("--port", "25", "--conections", "3"))).hasMessageContaining("--conections");
    assertThatThrownBy(() -> LoadPlan.parse(List.of("--port", "25", "--auth", "plain"))).hasMessageContaining("--user");
    assertThatThrownBy(() -> LoadPlan.parse(List.of("-c", "3"))).hasMessageContaining("--port");
  }
}
