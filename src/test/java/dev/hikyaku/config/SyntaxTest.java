package dev.hikyaku.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sizes, durations, domain names and IP literals in every accepted form. */
class SyntaxTest {

  @Test
  void sizesInEveryForm() throws ConfigException {
    Map<String, Long> forms =
        Map.ofEntries(
            Map.entry("65536", 65_536L),
            Map.entry("'65536'", 65_536L),
            Map.entry("65536B", 65_536L),
            Map.entry("64KiB", 65_536L),
            Map.entry("64 KiB", 65_536L),
            Map.entry("100KB", 100_000L),
            Map.entry("1MB", 1_000_000L),
            Map.entry("35MiB", 36_700_160L),
            Map.entry("35mib", 36_700_160L),
            Map.entry("2GB", 2_000_000_000L),
            Map.entry("1GiB", 1_073_741_824L));
    for (var form : forms.entrySet()) {
      HikyakuConfig config =
          ConfigLoader.parse("limits: {max-message-size: " + form.getKey() + "}", form.getKey());
      assertThat(config.limits().maxMessageSize()).as(form.getKey()).isEqualTo(form.getValue());
    }
  }

  @Test
  void badSizes() {
    for (String bad :
        List.of("1.5MiB", "-1", "35 MB extra", "35TB", "MiB", "", "99999999999999999999GiB")) {
      assertThatThrownBy(() -> SizeSyntax.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void sizesFormatToTheirShortestForm() {
    assertThat(SizeSyntax.format(36_700_160L)).isEqualTo("35MiB");
    assertThat(SizeSyntax.format(65_536L)).isEqualTo("64KiB");
    assertThat(SizeSyntax.format(1_073_741_824L)).isEqualTo("1GiB");
    assertThat(SizeSyntax.format(10_000_000L)).isEqualTo("10000000");
    for (long size : List.of(0L, 1L, 1023L, 65_536L, 10_000_000L, 3L * 1024 * 1024 * 1024)) {
      assertThat(SizeSyntax.parse(SizeSyntax.format(size))).isEqualTo(size);
    }
  }

  @Test
  void durationsInEveryForm() throws ConfigException {
    Map<String, Duration> forms =
        Map.ofEntries(
            Map.entry("1500ms", Duration.ofMillis(1500)),
            Map.entry("30s", Duration.ofSeconds(30)),
            Map.entry("5m", Duration.ofMinutes(5)),
            Map.entry("1h", Duration.ofHours(1)),
            Map.entry("1d", Duration.ofDays(1)),
            Map.entry("PT5M", Duration.ofMinutes(5)),
            Map.entry("PT1M30S", Duration.ofSeconds(90)),
            Map.entry("pt2s", Duration.ofSeconds(2)),
            Map.entry("P1D", Duration.ofDays(1)));
    for (var form : forms.entrySet()) {
      HikyakuConfig config =
          ConfigLoader.parse("limits: {command-timeout: " + form.getKey() + "}", form.getKey());
      assertThat(config.limits().commandTimeout()).as(form.getKey()).isEqualTo(form.getValue());
    }
    assertThat(DurationSyntax.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(DurationSyntax.parse("2d")).isEqualTo(Duration.ofDays(2));
    assertThat(DurationSyntax.parse("0s")).isZero();
    assertThat(DurationSyntax.parse("PT0.25S")).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void badDurations() {
    for (String bad :
        List.of(
            "5", "5 m", "1.5s", "-5s", "5min", "5M", "", "PT", "P5X", "99999999999999999999d")) {
      assertThatThrownBy(() -> DurationSyntax.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
    assertThatThrownBy(() -> DurationSyntax.parse("PT-5M")).hasMessageContaining("negative");
    assertThatThrownBy(() -> DurationSyntax.parse("9999999999999999d"))
        .hasMessageContaining("too long");
  }

  @Test
  void durationsFormatToTheirShortestForm() {
    assertThat(DurationSyntax.format(Duration.ofMinutes(5))).isEqualTo("5m");
    assertThat(DurationSyntax.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(DurationSyntax.format(Duration.ofMillis(500))).isEqualTo("500ms");
    assertThat(DurationSyntax.format(Duration.ofDays(2))).isEqualTo("2d");
    assertThat(DurationSyntax.format(Duration.ZERO)).isEqualTo("0s");
    for (Duration d :
        List.of(
            Duration.ofNanos(1),
            Duration.ofMillis(1),
            Duration.ofHours(25),
            Duration.ofSeconds(3600),
            Duration.ofMillis(90_061_001))) {
      assertThat(DurationSyntax.parse(DurationSyntax.format(d))).isEqualTo(d);
    }
  }

  @Test
  void aDurationBeyondALongOfMillisecondsIsRefusedWithItsValue() throws Exception {
    // ConfigFuzzTest: "dns-timeout: 8000124759993d" parsed (days fit in a Duration) but naming it
    // in the out-of-range message counted its milliseconds, an ArithmeticException out of the reader.
    assertThat(DurationSyntax.format(Duration.ofDays(8_000_124_759_993L))).isEqualTo("8000124759993d");
    assertThat(DurationSyntax.format(Duration.ofSeconds(Long.MAX_VALUE / 1000 + 1, 1_000_000))).startsWith("PT");
    assertThatThrownBy(() -> ConfigLoader.parse("delivery:\n  dns-timeout: 8000124759993d\n", "fuzz.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("was 8000124759993d");
  }

  @Test
  void domainNames() {
    for (String good :
        List.of(
            "localhost",
            "mx.example.com",
            "MX.Example.COM",
            "xn--bcher-kva.example",
            "a-b.c0",
            "1.example")) {
      assertThat(HostSyntax.domainProblem(good)).as(good).isEmpty();
    }
    for (String bad :
        List.of(
            "",
            ".example",
            "a..b",
            "a.",
            "-a.example",
            "a-.example",
            "a_b.example",
            "bücher.example",
            "10.0.0.1",
            "a b")) {
      assertThat(HostSyntax.domainProblem(bad)).as(bad).isPresent();
    }
    assertThat(HostSyntax.domainProblem("a".repeat(63) + ".example")).isEmpty();
    assertThat(HostSyntax.domainProblem(("a".repeat(63) + ".").repeat(4) + "example"))
        .get()
        .asString()
        .contains("253");
  }

  @Test
  void ipLiteralsNeverResolveNames() {
    assertThat(HostSyntax.ipLiteral("127.0.0.1"))
        .get()
        .extracting(a -> a.getHostAddress())
        .isEqualTo("127.0.0.1");
    assertThat(HostSyntax.ipLiteral("0.0.0.0")).get().matches(a -> a.isAnyLocalAddress());
    assertThat(HostSyntax.ipLiteral("::")).get().matches(a -> a.isAnyLocalAddress());
    assertThat(HostSyntax.ipLiteral("[::1]")).get().matches(a -> a.isLoopbackAddress());
    assertThat(HostSyntax.ipLiteral("2001:db8::25")).isPresent();
    for (String bad :
        List.of(
            "localhost",
            "example.com",
            "256.1.1.1",
            "1.2.3",
            "01.2.3.4",
            "1.2.3.4.5",
            "::g",
            "1:2:3:4:5:6:7:8:9",
            "")) {
      assertThat(HostSyntax.ipLiteral(bad)).as(bad).isEmpty();
    }
  }

  @Test
  void ipv6IsWrittenInItsCanonicalForm() {
    Map<String, String> forms =
        Map.of(
            "::", "::",
            "0:0:0:0:0:0:0:1", "::1",
            "2001:DB8:0:0:0:0:0:25", "2001:db8::25",
            "1:0:0:2:0:0:0:3", "1:0:0:2::3",
            "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1",
            "1::", "1::",
            "127.0.0.1", "127.0.0.1");
    for (var form : forms.entrySet()) {
      assertThat(HostSyntax.text(HostSyntax.ipLiteral(form.getKey()).orElseThrow()))
          .as(form.getKey())
          .isEqualTo(form.getValue());
    }
    var listener = ConfigLoader.defaults().listeners().get(0);
    assertThat(listener.socketText()).isEqualTo("0.0.0.0:25");
    assertThat(
            listener.toBuilder().name("x").address(HostSyntax.ipLiteral("::1").orElseThrow()).port(2525).build()
                .socketText())
        .isEqualTo("[::1]:2525");
  }
}
