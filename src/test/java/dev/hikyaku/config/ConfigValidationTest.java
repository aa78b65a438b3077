package dev.hikyaku.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hikyaku.protocol.EnhancedStatus;
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
  void modesAreEnumsRefusedAtLoadWithTheAllowedValues() {
    // An unknown mode is an error when the file is read, never a silent fallback when it is used.
    rejects("delivery: {tls: implicit}", "delivery.tls")
        .isEqualTo("must be one of opportunistic, require, verify, was 'implicit'");
    rejects("delivery: {smarthost: {host: smtp.example.net, tls: opportunistic}}", "delivery.smarthost.tls")
        .isEqualTo("must be one of starttls, implicit, was 'opportunistic'");
    rejects("delivery: {destinations: {example.com: {tls: implicit}}}", "delivery.destinations.example.com.tls")
        .isEqualTo("must be one of opportunistic, require, verify, was 'implicit'");
    rejects("delivery: {routes: {example.net: {smtp: mx.example.net, tls: starttls}}}", "delivery.routes.example.net.tls")
        .isEqualTo("must be one of opportunistic, require, verify, implicit, was 'starttls'");
    rejects("mail-auth: {dmarc-reject: quarantine}", "mail-auth.dmarc-reject")
        .isEqualTo("must be one of reject, mark, was 'quarantine'");
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
                + " data-deadline, min-data-rate, tls-handshake-timeout, shutdown-grace (in test.yaml, line 2)");
  }

  @Test
  void theReturnsDomainIsADomainOfItsOwnAndTheFeedbackAddressIsAtIt() throws ConfigException {
    HikyakuConfig on = ConfigLoader.parse("""
        hosted-domains: [example.com]
        returns: {enabled: true, domain: Bounce.Example.com, feedback-address: FBL@bounce.example.com}
        """, "test.yaml");
    assertThat(on.returns()).isEqualTo(ReturnsConfig.on("bounce.example.com").withFeedbackAddress("fbl@bounce.example.com"));
    assertThat(on.relayDomains()).containsExactly("example.com", "bounce.example.com");
    assertThat(on.returnsDirectory()).hasValue(Path.of("data", "mail", "bounce.example.com"));
    // Kept but inactive when off; off by default.
    HikyakuConfig off = ConfigLoader.parse("returns: {domain: bounce.example.com}\n", "test.yaml");
    assertThat(off.returns().activeDomain()).isEmpty();
    assertThat(off.relayDomains()).doesNotContain("bounce.example.com");
    assertThat(ConfigLoader.defaults().returns()).isEqualTo(ReturnsConfig.OFF);
    // A round trip through the writer keeps it.
    assertThat(ConfigLoader.parse(ConfigWriter.toYaml(on), "test.yaml").returns()).isEqualTo(on.returns());

    rejects("returns: {enabled: true}", "returns.domain").startsWith("required when returns.enabled is true");
    rejects("hosted-domains: [example.com]\nreturns: {enabled: true, domain: EXAMPLE.com}", "returns.domain")
        .startsWith("'EXAMPLE.com' is a hosted domain (hosted-domains)").contains("bounce.EXAMPLE.com");
    rejects("""
        delivery: {routes: {bounce.example.com: {lmtp: "127.0.0.1:24"}}}
        returns: {enabled: true, domain: bounce.example.com}
        """, "returns.domain").contains("has a route in delivery.routes");
    rejects("returns: {domain: bounce..example.com}", "returns.domain").isNotEmpty();
    rejects("returns: {enabled: true, domain: bounce.example.com, feedback-address: fbl@example.com}", "returns.feedback-address")
        .startsWith("expected an address at returns.domain (bounce.example.com)");
    rejects("returns: {feedback-address: fbl@bounce.example.com}", "returns.feedback-address").contains("which is not set");
    rejects("returns: {enabled: true, domain: bounce.example.com, feedback-address: bounces+x@bounce.example.com}",
        "returns.feedback-address").contains("not starting with bounces+");
    rejects("returns: {enabled: true, domain: bounce.example.com, feedback-address: 'a b@bounce.example.com'}",
        "returns.feedback-address").contains("plain local part");
    rejects("returns: {enabled: yes}", "returns.enabled").isNotEmpty();
    rejects("returns: {domian: bounce.example.com}", "returns.domian").contains("known keys in returns");
  }

  @Test
  void historyRetentionIsADayToTenYears() throws ConfigException {
    rejects("history: {retention: 12h}", "history.retention").isEqualTo("must be 1d..3650d, was 12h");
    rejects("history: {retention: 3651d}", "history.retention").isEqualTo("must be 1d..3650d, was 3651d");
    rejects("history: {retention: 30}", "history.retention").contains("a duration such as");
    rejects("history: {keep: 30d}", "history.keep").contains("known keys in history: retention");
    assertThat(ConfigLoader.parse("history: {retention: 7d}\n", "test.yaml").history().retention())
        .isEqualTo(java.time.Duration.ofDays(7));
    assertThat(ConfigLoader.parse("hostname: mx.example.com\n", "test.yaml").history().retention())
        .isEqualTo(java.time.Duration.ofDays(30));
  }

  @Test
  void suppressStatusesArePermanentEnhancedStatusCodes() throws ConfigException {
    rejects("delivery: {suppress-statuses: [\"5.1.1\", \"4.2.2\"]}", "delivery.suppress-statuses[1]")
        .contains("'4.2.2' is not a permanent enhanced status code");
    rejects("delivery: {suppress-statuses: [\"no such user\"]}", "delivery.suppress-statuses[0]")
        .contains("5.x.y, RFC 3463");
    assertThat(ConfigLoader.parse("hostname: mx.example.com\n", "test.yaml").delivery().suppressStatuses())
        .containsExactly(EnhancedStatus.of(5, 1, 1), EnhancedStatus.of(5, 1, 2), EnhancedStatus.of(5, 1, 10));
    assertThat(ConfigLoader.parse("delivery: {suppress-statuses: [\"5.2.1\"]}\n", "test.yaml").delivery().suppressStatuses())
        .containsExactly(EnhancedStatus.of(5, 2, 1));
    assertThat(ConfigLoader.parse("delivery: {suppress-statuses: []}\n", "test.yaml").delivery().suppressStatuses()).isEmpty();
  }

  @Test
  void theDataDeadlineIsNeverShorterThanTheDataTimeout() {
    rejects("limits: {data-timeout: 10m, data-deadline: 5m}", "limits.data-deadline")
        .isEqualTo("must be at least data-timeout (10m), was 5m");
  }

  @Test
  void aLongDataTimeoutRaisesTheDeadlineLeftUnset() throws ConfigException {
    assertThat(ConfigLoader.parse("limits: {data-timeout: 2h}\n", "test.yaml").limits().dataDeadline())
        .isEqualTo(java.time.Duration.ofHours(2));
  }

  @Test
  void theMinimumDataRateIsAWholeNumberOfOctetsPerSecond() {
    rejects("limits: {min-data-rate: -1}", "limits.min-data-rate")
        .isEqualTo("must be 0..1000000000 octets per second, was -1");
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

  // ---- auth ----

  @Test
  void unknownMechanismListsTheKnownOnes() {
    rejects(
            "auth: {mechanisms: {submission: [PLAIN, scram-sha-1]}}",
            "auth.mechanisms.submission[1]")
        .isEqualTo(
            "unknown SASL mechanism 'scram-sha-1'; known mechanisms: PLAIN, LOGIN, CRAM-MD5,"
                + " SCRAM-SHA-256, SCRAM-SHA-256-PLUS, XOAUTH2, OAUTHBEARER");
    rejects("auth: {mechanisms: {submision: [PLAIN]}}", "auth.mechanisms.submision")
        .startsWith("unknown key (did you mean submission?); known keys in auth.mechanisms:")
        .contains("relay, submission, submissions");
    rejects("auth: {mechanisms: {relay: PLAIN}}", "auth.mechanisms.relay")
        .isEqualTo("expected a list of SASL mechanism names, was the string 'PLAIN'");
    rejects("auth: {mechanisms: {relay: [42]}}", "auth.mechanisms.relay[0]")
        .isEqualTo("expected a string, was the number 42");
  }

  @Test
  void duplicateMechanism() {
    rejects(
            "auth: {mechanisms: {submissions: [PLAIN, LOGIN, plain]}}",
            "auth.mechanisms.submissions[2]")
        .isEqualTo("'PLAIN' is already listed as auth.mechanisms.submissions[0]");
  }

  @Test
  void submissionWithoutMechanismsWouldRefuseEveryMessage() {
    rejects("auth: {mechanisms: {submission: []}}", "auth.mechanisms.submission")
        .startsWith("must list at least one mechanism: a submission listener requires AUTH")
        .contains("RFC 6409 §4.1");
  }

  @Test
  void tokenMechanismsNeedOAuth() {
    rejects("auth: {mechanisms: {submission: [PLAIN, XOAUTH2]}}", "auth.mechanisms.submission[1]")
        .isEqualTo(
            "XOAUTH2 carries an OAuth 2.0 token, which needs auth.oauth (the issuer and its keys);"
                + " set it or remove XOAUTH2");
    rejects("auth: {mechanisms: {relay: [oauthbearer]}}", "auth.mechanisms.relay[0]")
        .startsWith("OAUTHBEARER carries an OAuth 2.0 token, which needs auth.oauth");
  }

  @Test
  void cramMd5MustBeTurnedOnFirst() {
    rejects("auth: {mechanisms: {submission: [CRAM-MD5]}}", "auth.mechanisms.submission[0]")
        .startsWith("CRAM-MD5 is turned off")
        .contains("set auth.cram-md5: true");
    rejects("auth: {cram-md5: yes}", "auth.cram-md5")
        .isEqualTo("expected true or false, was the string 'yes'");
    rejects("auth: {null-sender: 1}", "auth.null-sender")
        .isEqualTo("expected true or false, was the number 1");
  }

  @Test
  void argon2Limits() {
    rejects("auth: {argon2: {memory: 4MiB}}", "auth.argon2.memory")
        .isEqualTo("must be 8MiB..1GiB, was 4MiB");
    rejects("auth: {argon2: {memory: 2GiB}}", "auth.argon2.memory")
        .isEqualTo("must be 8MiB..1GiB, was 2GiB");
    rejects("auth: {argon2: {memory: 10000000}}", "auth.argon2.memory")
        .isEqualTo(
            "must be a whole number of KiB (Argon2 counts 1 KiB blocks), was 10000000 bytes");
    rejects("auth: {argon2: {iterations: 0}}", "auth.argon2.iterations")
        .isEqualTo("must be at least 1, was 0");
    rejects("auth: {argon2: {parallelism: 17}}", "auth.argon2.parallelism")
        .isEqualTo("must be 1..16, was 17");
    rejects("auth: {argon2: {memory: 19MiB, lanes: 2}}", "auth.argon2.lanes")
        .contains("known keys in auth.argon2: memory, iterations, parallelism");
  }

  @Test
  void scramIterationsFollowRfc7677() {
    rejects("auth: {scram-iterations: 4095}", "auth.scram-iterations")
        .isEqualTo("must be at least 4096 (RFC 7677 §4), was 4095");
  }

  @Test
  void unknownPasswordPolicy() {
    rejects("auth: {password-policy: owasp}", "auth.password-policy")
        .isEqualTo("unknown password policy 'owasp'; known policies: nist, nisc");
  }

  @Test
  void cacheTtlAndClockSkewRanges() {
    rejects("auth: {cache-ttl: 2h}", "auth.cache-ttl").isEqualTo("must be 0s..1h, was 2h");
    rejects(
            "auth: {oauth: {issuer: x, jwks-uri: 'https://x.example/k', audience: a,"
                + " clock-skew: 11m}}",
            "auth.oauth.clock-skew")
        .isEqualTo("must be 0s..10m, was 11m");
  }

  @Test
  void oauthNeedsIssuerKeysAndAudience() throws IOException {
    rejects("auth: {oauth: {jwks-uri: 'https://x.example/k', audience: a}}", "auth.oauth.issuer")
        .startsWith("required when auth.oauth is set");
    rejects("auth:\n  oauth: {}\n", "auth.oauth.issuer").startsWith("required");
    rejects("auth: {oauth: {issuer: x, audience: a}}", "auth.oauth.jwks-uri")
        .startsWith("required: give auth.oauth.jwks-uri")
        .contains("auth.oauth.jwks-file");
    Path jwks = Files.writeString(dir.resolve("jwks.json"), "{}");
    rejects(
            "auth: {oauth: {issuer: x, jwks-uri: 'https://x.example/k', jwks-file: "
                + jwks
                + ", audience: a}}",
            "auth.oauth.jwks-file")
        .isEqualTo("give either auth.oauth.jwks-uri or auth.oauth.jwks-file, not both");
    rejects(
            "auth: {oauth: {issuer: x, jwks-file: " + dir.resolve("nope.json") + ", audience: a}}",
            "auth.oauth.jwks-file")
        .contains("does not exist");
    rejects("auth: {oauth: {issuer: x, jwks-uri: 'https://x.example/k'}}", "auth.oauth.audience")
        .startsWith("required");
    rejects(
            "auth: {oauth: {issuer: x, jwks-uri: 'https://x.example/k', audience: []}}",
            "auth.oauth.audience")
        .isEqualTo("must hold at least one audience");
    rejects(
            "auth: {oauth: {issuer: x, jwks-uri: 'https://x.example/k', audience: [a, b, a]}}",
            "auth.oauth.audience[2]")
        .isEqualTo("'a' is already listed as auth.oauth.audience[0]");
    rejects(
            "auth: {oauth: {issuer: x, jwks-uri: 'https://x.example/k', audience: {a: b}}}",
            "auth.oauth.audience")
        .isEqualTo("expected an audience string or a list of them, was a mapping");
  }

  @Test
  void badJwksUri() {
    String yaml = "auth: {oauth: {issuer: x, jwks-uri: '%s', audience: a}}";
    rejects(yaml.formatted("https://idp example/k"), "auth.oauth.jwks-uri")
        .startsWith("'https://idp example/k' is not a valid URI: ");
    rejects(yaml.formatted("/jwks.json"), "auth.oauth.jwks-uri")
        .startsWith("expected an absolute URL");
    rejects(yaml.formatted("http://idp.example.com/jwks.json"), "auth.oauth.jwks-uri")
        .startsWith("must be an https URL")
        .endsWith("was 'http://idp.example.com/jwks.json'");
    rejects(yaml.formatted("ftp://idp.example.com/jwks.json"), "auth.oauth.jwks-uri")
        .startsWith("must be an https URL");
  }

  @Test
  void httpEndpoint() {
    rejects("http: {port: 0}", "http.port").isEqualTo("must be 1..65535, was 0");
    rejects("http: {port: \"9025\"}", "http.port").startsWith("expected a whole number");
    rejects("http: {address: localhost}", "http.address")
        .endsWith("was 'localhost'; host names are not resolved");
    rejects("http: {enabled: yes please}", "http.enabled").startsWith("expected true or false");
    rejects("http: {enable: true}", "http.enable").contains("did you mean enabled?");
    // The default endpoint (127.0.0.1:9025) is covered by a wildcard listener on that port.
    rejects("listeners: [{role: relay, port: 9025}]", "http.port")
        .isEqualTo(
            "the HTTP endpoint on 127.0.0.1:9025 clashes with listeners[0] 'relay' on"
                + " 0.0.0.0:9025; give the HTTP endpoint its own port");
    // Another address on the same port is fine.
    assertThat(
            catchThrowableOfType(
                ConfigException.class,
                () ->
                    ConfigLoader.parse(
                        "listeners: [{role: relay, address: 127.0.0.2, port: 9025}]", "test.yaml")))
        .isNull();
  }

  @Test
  void unknownAuthKey() {
    rejects("auth: {cram_md5: true}", "auth.cram_md5").contains("did you mean cram-md5?");
    rejects("auth: {oauth: {issuer: x, audiences: [a]}}", "auth.oauth.audiences")
        .contains("did you mean audience?");
  }

  @Test
  void anUpperBoundBelowItsLowerBoundNamesTheKeyTheFileGave() {
    // The partner key absent: the error names the given key against the other's default.
    rejects("abuse: {tarpit: 30s}", "abuse.tarpit").isEqualTo("must be at most tarpit-max (20s, its default), was 30s");
    rejects("delivery: {retry-first: 2h}", "delivery.retry-first").contains("must be at most retry-cap (");
    rejects("abuse: {tarpit: 5s, tarpit-max: 2s}", "abuse.tarpit-max").isEqualTo("must be at least tarpit (5s), was 2s");
    rejects("delivery: {retry-first: 10m, retry-cap: 5m}", "delivery.retry-cap").contains("must be at least retry-first (10m)");
    rejects("abuse: {tarpit: 10s, account-tarpit-max: 5s}", "abuse.account-tarpit-max")
        .isEqualTo("must be at least tarpit (10s), was 5s");
    rejects("abuse: {tarpit: 10m, tarpit-max: 15m}", "abuse.tarpit")
        .isEqualTo("must be at most account-tarpit-max (5m, its default), was 10m");
  }

  @Test
  void theAccountTarpitWindowIsOneMinuteToOneDayAndTheAttackThresholdPositive() {
    rejects("abuse: {account-tarpit-window: 30s}", "abuse.account-tarpit-window").isEqualTo("must be 1m..1d, was 30s");
    rejects("abuse: {account-attack-failures: 0}", "abuse.account-attack-failures").isNotEmpty();
  }

  @Test
  void aSmarthostHostMustBeAHost() {
    rejects("delivery: {smarthost: {host: 'smtp.example.net:587'}}", "delivery.smarthost.host")
        .isEqualTo("'smtp.example.net:587' is neither a host name nor an IP address (give the port as port:)");
    rejects("delivery: {smarthost: {host: 'bad host'}}", "delivery.smarthost.host").contains("neither a host name");
  }

  @Test
  void plainHttpApiOnlyOnLoopback() {
    rejects("api: {enabled: true, tls: false}", "api.tls")
        .startsWith("false is allowed only when api.address is a loopback address")
        .contains("0.0.0.0");
    rejects("api: {address: 192.0.2.1, tls: false}", "api.tls").contains("192.0.2.1");
    rejects("api: {tls: maybe}", "api.tls");
  }

  @Test
  void webhookConcurrencyIsOneToSixteen() {
    rejects("api: {webhook-concurrency: 0}", "api.webhook-concurrency")
        .isEqualTo("must be 1..16 requests at once to one webhook endpoint, was 0");
    rejects("api: {webhook-concurrency: 17}", "api.webhook-concurrency").contains("was 17");
    rejects("api: {webhook-concurrency: four}", "api.webhook-concurrency").startsWith("expected a whole number");
  }

  @Test
  void apiPortMustNotClash() {
    rejects("api: {enabled: true, port: 587}", "api.port").contains("listeners[1]").contains("give the API its own port");
    rejects("api: {enabled: true, address: 127.0.0.1, port: 9025}", "api.port").contains("the HTTP endpoint on 127.0.0.1:9025");
    rejects("api: {port: 0}", "api.port").isEqualTo("must be 1..65535, was 0");
    rejects("api: {address: api.example.com}", "api.address").contains("host names are not resolved");
  }
}
