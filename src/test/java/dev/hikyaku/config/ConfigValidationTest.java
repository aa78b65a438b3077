package dev.hikyaku.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.AbstractStringAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each rule refuses a bad value with an error that starts with the key path. */
class ConfigValidationTest {

  @TempDir Path dir;

  private static ConfigException rejection(String yaml) {
    ConfigException e =
        catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, "test.yaml"));
    assertThat(e).as("expected a ConfigException for:%n%s", yaml).isNotNull();
    assertThat(e.getMessage()).startsWith(e.keyPath() + ": ").contains("(in test.yaml");
    return e;
  }

  /** Asserts the key path and returns the problem text for further checks. */
  private static AbstractStringAssert<?> rejects(String yaml, String keyPath) {
    ConfigException e = rejection(yaml);
    assertThat(e.keyPath()).as(e.getMessage()).isEqualTo(keyPath);
    return assertThat(e.problem());
  }

  @Test
  void portOutOfRange() {
    ConfigException e =
        rejection(
            """
            listeners:
              - role: relay
              - role: submission
                port: 70000
            """);
    assertThat(e)
        .hasMessage("listeners[1].port: must be 1..65535, was 70000 (in test.yaml, line 4)");
    rejects("listeners: [{role: relay, port: 0}]", "listeners[0].port")
        .isEqualTo("must be 1..65535, was 0");
  }

  @Test
  void tooFewRecipients() {
    rejects("limits: {max-recipients: 99}", "limits.max-recipients")
        .isEqualTo("must be at least 100 (RFC 5321 §4.5.3.1.8), was 99");
  }

  @Test
  void unknownKeySuggestsTheKnownKeys() {
    ConfigException e = rejection("limits:\n  max-recipeints: 100\n");
    assertThat(e.keyPath()).isEqualTo("limits.max-recipeints");
    assertThat(e)
        .hasMessage(
            "limits.max-recipeints: unknown key (did you mean max-recipients?); known keys in"
                + " limits: max-message-size, max-recipients, max-connections,"
                + " max-connections-per-client, max-errors, command-timeout, data-timeout,"
                + " tls-handshake-timeout, shutdown-grace (in test.yaml, line 2)");
  }

  @Test
  void unknownKeysAtEveryLevel() {
    rejects("host-name: mx.example.com", "host-name")
        .startsWith("unknown key (did you mean hostname?); known keys at the top level: hostname,");
    rejects("tls: {private_key: /k.pem}", "tls.private_key").contains("did you mean private-key?");
    rejects("listeners: [{role: relay, greetingDelay: 1s}]", "listeners[0].greetingDelay")
        .contains("did you mean greeting-delay?")
        .contains("known keys in listeners[0]: name, role, address, port, greeting-delay");
    rejects("colour: blue", "colour").doesNotContain("did you mean");
  }

  @Test
  void badDuration() {
    rejects("limits: {command-timeout: 5 minutes}", "limits.command-timeout")
        .isEqualTo("expected a duration such as 500ms, 30s, 5m, 1h, 2d or PT5M, was '5 minutes'");
    rejects("limits: {data-timeout: 300}", "limits.data-timeout").contains("add a unit");
    rejects("limits: {command-timeout: 500ms}", "limits.command-timeout")
        .isEqualTo("must be 1s..1d, was 500ms");
    rejects("limits: {tls-handshake-timeout: PT-5S}", "limits.tls-handshake-timeout")
        .contains("must not be negative");
    rejects("listeners: [{role: relay, greeting-delay: 5m}]", "listeners[0].greeting-delay")
        .contains("must be shorter than 5m")
        .contains("RFC 5321 §4.5.3.2.1");
    rejects("tls: {reload-check-interval: 500ms}", "tls.reload-check-interval")
        .isEqualTo("must be 1s..1d (or 0s to turn checking off), was 500ms");
  }

  @Test
  void badSize() {
    rejects("limits: {max-message-size: 35 megs}", "limits.max-message-size")
        .startsWith("expected a size in bytes or with a unit");
    rejects("limits: {max-message-size: 1.5MiB}", "limits.max-message-size").contains("'1.5MiB'");
    rejects("limits: {max-message-size: 1.5}", "limits.max-message-size")
        .contains("the number 1.5");
    rejects("limits: {max-message-size: 63KiB}", "limits.max-message-size")
        .isEqualTo("must be at least 64KiB (RFC 5321 §4.5.3.1.7), was 64512 bytes");
  }

  @Test
  void certificateWithoutPrivateKey() throws IOException {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
    rejects("tls: {certificate: " + cert + "}", "tls.private-key")
        .startsWith("required when tls.certificate is set");
    rejects("tls: {private-key: " + cert + "}", "tls.certificate")
        .startsWith("required when tls.private-key is set");
  }

  @Test
  void certificateFilesMustExist() throws IOException {
    Path key = Files.writeString(dir.resolve("key.pem"), "x");
    Path missing = dir.resolve("missing.pem");
    rejects("tls: {certificate: " + missing + ", private-key: " + key + "}", "tls.certificate")
        .isEqualTo("file " + missing + " does not exist");
    rejects("tls: {certificate: " + key + ", private-key: " + dir + "}", "tls.private-key")
        .isEqualTo(dir + " is not a regular file");
  }

  @Test
  void duplicateListenerAddressAndPort() {
    rejects(
            """
            listeners:
              - { role: relay, port: 2525 }
              - { role: submission, port: 2525 }
            """,
            "listeners[1]")
        .startsWith(
            "'submission' on 0.0.0.0:2525 clashes with listeners[0] 'relay' on 0.0.0.0:2525");
    // The wildcard covers every address of its family.
    rejects(
            """
            listeners:
              - { role: relay, address: 127.0.0.1, port: 2525 }
              - { role: submission, address: 0.0.0.0, port: 2525 }
            """,
            "listeners[1]")
        .contains("listeners[0]")
        .contains("0.0.0.0 listens on every local address");
  }

  @Test
  void duplicateListenerName() {
    rejects("listeners: [{role: relay, port: 25}, {role: relay, port: 2525}]", "listeners[1].name")
        .startsWith("'relay' is already the name of listeners[0]");
    rejects("listeners: [{role: relay, name: 'has space'}]", "listeners[0].name")
        .contains("'has space'");
  }

  @Test
  void badRole() {
    rejects("listeners: [{role: smtp}]", "listeners[0].role")
        .isEqualTo("unknown role 'smtp'; known roles: relay, submission, submissions");
    rejects("listeners: [{port: 25}]", "listeners[0].role")
        .isEqualTo("required; one of relay, submission, submissions");
  }

  @Test
  void badListenerShape() {
    rejects("listeners: []", "listeners").startsWith("must hold at least one listener");
    rejects("listeners: {role: relay}", "listeners")
        .isEqualTo("expected a list of listeners, was a mapping");
    rejects("listeners: [relay]", "listeners[0]")
        .startsWith("expected a mapping with keys name, role,");
    rejects("listeners:\n  -\n", "listeners[0]").startsWith("empty listener");
    rejects("listeners: [{role: relay, address: localhost}]", "listeners[0].address")
        .contains("expected an IP address")
        .contains("'localhost'");
    rejects("listeners: [{role: relay, address: 256.0.0.1}]", "listeners[0].address")
        .contains("'256.0.0.1'");
  }

  @Test
  void badHostname() {
    rejects("hostname: mail_server.example.com", "hostname").contains("label 'mail_server'");
    rejects("hostname: -mx.example.com", "hostname").contains("label '-mx'");
    rejects("hostname: 192.0.2.1", "hostname").contains("last label is all digits");
    rejects("hostname: mx.example.com.", "hostname").contains("without the trailing dot");
    rejects("hostname: mx..example.com", "hostname").contains("empty label");
    rejects("hostname: " + "a".repeat(64) + ".example", "hostname").contains("longer than 63");
    rejects("hostname: ''", "hostname").isEqualTo("must not be empty");
    rejects("hostname: 42", "hostname").isEqualTo("expected a string, was the number 42");
  }

  @Test
  void badHostedDomain() {
    rejects("hosted-domains: [example.com, 'exa mple.org']", "hosted-domains[1]")
        .contains("label 'exa mple'");
    rejects("hosted-domains: [example.com, EXAMPLE.com]", "hosted-domains[1]")
        .isEqualTo("'EXAMPLE.com' is already listed as hosted-domains[0]");
    rejects("hosted-domains: example.com", "hosted-domains")
        .isEqualTo("expected a list of domain names, was the string 'example.com'");
  }

  @Test
  void wrongTypesNameTheExpectedType() {
    rejects("listeners: [{role: relay, port: '25'}]", "listeners[0].port")
        .isEqualTo("expected a whole number, was the string '25'");
    rejects("limits: {max-connections: true}", "limits.max-connections")
        .isEqualTo("expected a whole number, was the boolean true");
    rejects("limits: [1, 2]", "limits")
        .startsWith("expected a mapping with keys max-message-size,");
    rejects("tls: yes", "tls").contains("was the string 'yes'");
    rejects("data-directory: [a]", "data-directory").isEqualTo("expected a string, was a list");
    rejects("- hostname: x", "(top level)").startsWith("expected a mapping with keys hostname,");
    rejects("limits: {max-errors: 99999999999}", "limits.max-errors")
        .isEqualTo("must be at least 1, was 99999999999");
  }

  @Test
  void pathsAreCheckedForTilde() {
    rejects("data-directory: ~/hikyaku", "data-directory").contains("not expanded");
  }

  @Test
  void yamlProblemsAreReportedWithTheirLine() {
    ConfigException syntax = rejection("hostname: mx.example.com\nlimits: [1\n  max-errors: 2\n");
    assertThat(syntax.keyPath()).isEqualTo("(top level)");
    assertThat(syntax.getMessage())
        .startsWith("(top level): not valid YAML: ")
        .containsPattern("line \\d\\)$");
    // The offending source text is not echoed (no caret excerpt).
    assertThat(syntax.getMessage()).doesNotContain("^").doesNotContain("max-errors: 2");

    rejects("hostname: a.example\nhostname: b.example\n", "hostname")
        .isEqualTo("appears twice (first on line 1)");
    rejects("limits:\n  max-errors: &n 5\n  max-recipients: *n\n", "limits.max-recipients")
        .contains("aliases");
    rejects("hostname: a.example\n---\nhostname: b.example\n", "(top level)")
        .contains("more than one YAML document");
  }
}
