package dev.hikyaku.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The {@code mta-sts} section: the policy published for the hosted domains (RFC 8461 §3.2). */
class MtaStsConfigTest {

  @Test
  void withoutAModeNoPolicyIsPublished() throws Exception {
    assertThat(ConfigLoader.parse("hostname: mx.example.com\n", "test").mtaSts().policyText("mx.example.com")).isEmpty();
  }

  @Test
  void aModeAloneNamesThisServerAsTheMxForAWeek() throws Exception {
    HikyakuConfig config = ConfigLoader.parse("hostname: mx.example.com\nmta-sts:\n  mode: testing\n", "test");
    assertThat(config.mtaSts().policyText("mx.example.com"))
        .contains("version: STSv1\r\nmode: testing\r\nmx: mx.example.com\r\nmax_age: 604800\r\n");
  }

  @Test
  void theMxHostsAndMaxAgeAreThoseGiven() throws Exception {
    HikyakuConfig config = ConfigLoader.parse(
        "hostname: mx.example.com\nmta-sts:\n  mode: enforce\n  mx: [MX1.example.com, \"*.example.net\"]\n  max-age: 14d\n", "test");
    assertThat(config.mtaSts().policyText("mx.example.com"))
        .contains("version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.example.net\r\nmax_age: 1209600\r\n");
    assertThat(ConfigLoader.parse(ConfigLoader.toYaml(config), "written")).isEqualTo(config);
  }

  @Test
  void aWrongModeOrMxIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> ConfigLoader.parse("mta-sts:\n  mode: strict\n", "test"))
        .hasMessageContaining("mta-sts.mode").hasMessageContaining("enforce, testing or none");
    assertThatThrownBy(() -> ConfigLoader.parse("mta-sts:\n  mode: enforce\n  mx: [\"bad..name\"]\n", "test"))
        .hasMessageContaining("mta-sts.mx[0]");
    assertThatThrownBy(() -> ConfigLoader.parse("mta-sts:\n  mode: enforce\n  max-age: 2y\n", "test"))
        .hasMessageContaining("mta-sts.max-age");
  }
}
