package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code config check} leaves out of what it prints (credentials a URL carries), and which
 * file a command without {@code --config} reads.
 */
class ConfigCommandTest {

  @TempDir Path directory;

  @Test
  void withoutConfigTheFileHikyakuConfigNamesIsReadElseTheDefaults() throws Exception {
    Path system = Files.writeString(directory.resolve("system.yaml"), "hostname: system.example\n");
    Path given = Files.writeString(directory.resolve("given.yaml"), "hostname: given.example\n");
    Map<String, String> packaged = Map.of(Main.CONFIG_VARIABLE, system.toString());
    assertThat(Main.loadConfig(null, packaged).hostname()).isEqualTo("system.example");
    assertThat(Main.loadConfig(given, packaged).hostname()).as("--config comes first").isEqualTo("given.example");
    assertThat(Main.loadConfig(null, Map.of()).dataDirectory()).isEqualTo(Path.of("data"));
    assertThat(Main.loadConfig(null, Map.of(Main.CONFIG_VARIABLE, "")).dataDirectory()).isEqualTo(Path.of("data"));
    assertThatThrownBy(
            () -> Main.loadConfig(null, Map.of(Main.CONFIG_VARIABLE, directory.resolve("missing.yaml").toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("missing.yaml");
  }

  @Test
  void credentialsInUrlsAreRedacted() {
    String yaml = "store:\n  url: postgresql://hikyaku:s3cret@db.example/mail?password=other&ssl=true\n  pool: 8\n";
    String shown = ConfigCommand.redacted(yaml);
    assertThat(shown).doesNotContain("s3cret").doesNotContain("other")
        .contains("postgresql://***@db.example/mail?password=***&ssl=true").contains("pool: 8");
  }
}
