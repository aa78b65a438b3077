package dev.hikyaku.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code recipients}: the defaults, per-domain catch-alls and local parts, and errors by key path. */
class RecipientsConfigTest {

  private static ConfigException rejection(String yaml) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, "test.yaml"));
    assertThat(e).as("expected a ConfigException for:%n%s", yaml).isNotNull();
    return e;
  }

  @Test
  void theDefaultsKnowOnlyAccountsAndPostmaster() {
    RecipientsConfig d = ConfigLoader.defaults().recipients();
    assertThat(d.domains()).isEmpty();
    assertThat(d.verifyTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(d.verifyPositiveTtl()).isEqualTo(Duration.ofHours(1));
    assertThat(d.verifyNegativeTtl()).isEqualTo(Duration.ofMinutes(10));
    assertThat(d.harvestThreshold()).isEqualTo(20);
  }

  @Test
  void domainsAreReadAndSurviveTheWriter() throws Exception {
    HikyakuConfig config = ConfigLoader.parse("""
        hosted-domains: [example.com, Example.ORG]
        recipients:
          verify-timeout: 3s
          verify-positive-ttl: 2h
          verify-negative-ttl: 1m
          harvest-threshold: 50
          domains:
            EXAMPLE.org: {catch-all: true}
            example.com:
              local-parts: [Info, abuse, "john smith"]
        """, "test.yaml");
    RecipientsConfig r = config.recipients();
    assertThat(r.domains()).containsExactly(
        Map.entry("example.org", new RecipientsConfig.Domain(true, List.of())),
        Map.entry("example.com", new RecipientsConfig.Domain(false, List.of("info", "abuse", "john smith"))));
    assertThat(r.verifyTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(r.verifyPositiveTtl()).isEqualTo(Duration.ofHours(2));
    assertThat(r.verifyNegativeTtl()).isEqualTo(Duration.ofMinutes(1));
    assertThat(r.harvestThreshold()).isEqualTo(50);
    assertThat(ConfigLoader.parse(ConfigWriter.toYaml(config), "written.yaml").recipients()).isEqualTo(r);
  }

  @Test
  void errorsNameTheKey() {
    ConfigException notHosted = rejection("""
        hosted-domains: [example.com]
        recipients: {domains: {elsewhere.example: {catch-all: true}}}
        """);
    assertThat(notHosted.keyPath()).isEqualTo("recipients.domains.elsewhere.example");
    assertThat(notHosted.problem()).contains("not one of hosted-domains");
    ConfigException both = rejection("""
        hosted-domains: [example.com]
        recipients: {domains: {example.com: {catch-all: true, local-parts: [info]}}}
        """);
    assertThat(both.keyPath()).isEqualTo("recipients.domains.example.com.local-parts");
    assertThat(rejection("""
        hosted-domains: [example.com]
        recipients: {domains: {example.com: {catch-all: false}}}
        """).keyPath()).isEqualTo("recipients.domains.example.com");
    assertThat(rejection("""
        hosted-domains: [example.com]
        recipients: {domains: {example.com: {local-parts: [info@example.com]}}}
        """).keyPath()).isEqualTo("recipients.domains.example.com.local-parts");
    assertThat(rejection("recipients: {verify-timeout: 10}").keyPath()).isEqualTo("recipients.verify-timeout");
    assertThat(rejection("recipients: {verify-timeout: 5m}").problem()).contains("RFC 5321 §4.5.3.2.3");
    assertThat(rejection("recipients: {harvest-threshold: 0}").keyPath()).isEqualTo("recipients.harvest-threshold");
    assertThat(rejection("recipients: {catch-all: true}").keyPath()).isEqualTo("recipients.catch-all");
  }
}
