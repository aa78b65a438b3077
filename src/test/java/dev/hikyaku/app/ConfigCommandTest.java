package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What {@code config check} leaves out of what it prints: credentials a URL carries. */
class ConfigCommandTest {

  @Test
  void credentialsInUrlsAreRedacted() {
    String yaml = "store:\n  url: postgresql://hikyaku:s3cret@db.example/mail?password=other&ssl=true\n  pool: 8\n";
    String shown = ConfigCommand.redacted(yaml);
    assertThat(shown).doesNotContain("s3cret").doesNotContain("other")
        .contains("postgresql://***@db.example/mail?password=***&ssl=true").contains("pool: 8");
  }
}
