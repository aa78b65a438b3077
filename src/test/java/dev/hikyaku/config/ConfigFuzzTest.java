package dev.hikyaku.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link ConfigLoader#parse}, the YAML subset reader and the typed validation behind it.
 * Invariants: a bad file is refused with a {@link ConfigException} (any other exception is a bug);
 * a config that loads, written back with {@link ConfigLoader#toYaml}, loads to the same config.
 */
class ConfigFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void parse(byte[] input) {
    if (input.length > 16 * 1024) {
      return;
    }
    String yaml = new String(input, StandardCharsets.UTF_8);
    HikyakuConfig config;
    try {
      config = ConfigLoader.parse(yaml, "fuzz.yaml");
    } catch (ConfigException refused) {
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    String written = ConfigLoader.toYaml(config);
    try {
      assertThat(ConfigLoader.parse(written, "written.yaml")).as("written back:%n%s", written).isEqualTo(config);
    } catch (ConfigException e) {
      throw new AssertionError("the config written back does not load: " + e.getMessage() + "\n" + written, e);
    }
  }
}
