package dev.hikyaku.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
  void apiModeTakesHostAndPortFromTheUrlAndTheKeyFromAFile(@TempDir Path dir) throws Exception {
    Path key = Files.writeString(dir.resolve("key"), "hk_secretsecret\n");

    LoadPlan plan = LoadPlan.parse(List.of("--api", "https://127.0.0.1:18443/", "--key-file", key.toString(), "-c", "20", "-m", "100", "--from", "a@bench.example"));

    assertThat(plan.isApi()).isTrue();
    assertThat(plan.api()).hasToString("https://127.0.0.1:18443");
    assertThat(plan.host()).isEqualTo("127.0.0.1");
    assertThat(plan.port()).isEqualTo(18443);
    assertThat(plan.apiKey()).isEqualTo("hk_secretsecret");
    assertThat(plan.toString()).contains("POST https://127.0.0.1:18443/v1/messages").doesNotContain("hk_secret");
    assertThat(LoadPlan.parse(List.of("--api", "http://localhost", "--key-file", key.toString())).port()).isEqualTo(80);
  }

  @Test
  void apiModeRefusesSmtpOptionsAndNeedsAKey(@TempDir Path dir) throws Exception {
    Path key = Files.writeString(dir.resolve("key"), "hk_x\n");

    assertThatThrownBy(() -> LoadPlan.parse(List.of("--api", "https://127.0.0.1:8443"))).hasMessageContaining("--key-file");
    assertThatThrownBy(() -> LoadPlan.parse(List.of("--api", "https://127.0.0.1:8443", "--key-file", key.toString(), "-k", "10", "--tls", "starttls")))
        .hasMessageContaining("--per-connection, --tls apply to SMTP only");
    assertThatThrownBy(() -> LoadPlan.parse(List.of("--api", "https://127.0.0.1:8443/v1", "--key-file", key.toString()))).hasMessageContaining("without a path");
    assertThatThrownBy(() -> LoadPlan.parse(List.of("--api", "ftp://127.0.0.1", "--key-file", key.toString()))).hasMessageContaining("https://host:port");
    assertThatThrownBy(() -> LoadPlan.parse(List.of("--port", "25", "--key-file", key.toString()))).hasMessageContaining("goes with --api");
  }

  @Test
  void refusesUnknownOptionsAndAuthWithoutCredentials() {
    assertThatThrownBy(() -> LoadPlan.parse(List.of("--port", "25", "--conections", "3"))).hasMessageContaining("--conections");
    assertThatThrownBy(() -> LoadPlan.parse(List.of("--port", "25", "--auth", "plain"))).hasMessageContaining("--user");
    assertThatThrownBy(() -> LoadPlan.parse(List.of("-c", "3"))).hasMessageContaining("--port");
  }
}
