package dev.hikyaku.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keeps the user documentation of the config file in step with the code. */
class ExampleFileTest {

  // Surefire runs tests in the project directory.
  private static final Path EXAMPLE = Paths.get("docs", "hikyaku.example.yaml");
  private static final Path REFERENCE = Paths.get("docs", "configuration.md");

  @Test
  void exampleFileParsesAndShowsTheDefaults() throws ConfigException {
    HikyakuConfig example = ConfigLoader.load(EXAMPLE);
    HikyakuConfig defaults = ConfigLoader.defaults();

    assertThat(example.hostname()).isEqualTo("mail.example.com");
    assertThat(example.dataDirectory()).isEqualTo(Path.of("/var/lib/hikyaku"));
    assertThat(example.hostedDomains()).containsExactly("example.com", "example.org");
    // The file says its other values are the defaults; hold it to that.
    assertThat(example.listeners()).isEqualTo(defaults.listeners());
    assertThat(example.tls()).isEqualTo(defaults.tls());
    assertThat(example.limits()).isEqualTo(defaults.limits());
    assertThat(example.auth()).isEqualTo(defaults.auth());
    assertThat(example.http()).isEqualTo(defaults.http());
    assertThat(example.api()).isEqualTo(defaults.api());
    assertThat(example.history()).isEqualTo(defaults.history());
    assertThat(example.returns()).isEqualTo(defaults.returns());
    assertThat(example.recipients()).isEqualTo(defaults.recipients());
  }

  @Test
  void everyKeyIsInTheExampleFile() throws IOException {
    String example = Files.readString(EXAMPLE);
    for (String key : leafKeys()) {
      assertThat(example)
          .as("docs/hikyaku.example.yaml mentions %s", key)
          .containsPattern("(?m)^[ #-]*" + key + ":");
    }
  }

  @Test
  void everyKeyIsDocumented() throws IOException {
    String reference = Files.readString(REFERENCE);
    for (String key : leafKeys()) {
      assertThat(reference)
          .as("docs/configuration.md documents %s", key)
          .containsPattern("\\| `" + key + "` \\|");
    }
  }

  private static List<String> leafKeys() {
    return Keys.allPaths().stream().map(path -> path.substring(path.lastIndexOf('.') + 1)).toList();
  }
}
