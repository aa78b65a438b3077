package dev.hikyaku.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.auth.credential.PasswordPolicy;
import dev.hikyaku.auth.sasl.Mechanism;
import dev.hikyaku.delivery.TlsPolicy;
import dev.hikyaku.net.KeyExchange;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsEngineKind;
import dev.hikyaku.protocol.EnhancedStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @TempDir Path dir;

  private static InetAddress ip(String literal) {
    return HostSyntax.ipLiteral(literal).orElseThrow();
  }

  @Test
  void defaultsAreCompleteAndHoldTheDocumentedValues() {
    HikyakuConfig config = ConfigLoader.defaults();

    assertThat(HostSyntax.domainProblem(config.hostname())).isEmpty();
    assertThat(config.dataDirectory()).isEqualTo(Path.of("data"));
    assertThat(config.selfSignedTlsDirectory()).isEqualTo(Path.of("data", "tls"));
    assertThat(config.hostedDomains())
        .containsExactlyElementsOf(
            config.hostname().equals("localhost")
                ? List.of("localhost")
                : List.of(config.hostname(), "localhost"));
    assertThat(config.listeners())
        .containsExactly(
            ListenerConfig.builder(ListenerRole.RELAY).name("relay").address(ip("0.0.0.0"))
                .port(25).greetingDelay(Duration.ofSeconds(1)).build(),
            ListenerConfig.builder(ListenerRole.SUBMISSION).name("submission").address(ip("0.0.0.0"))
                .port(587).greetingDelay(Duration.ZERO).build(),
            ListenerConfig.builder(ListenerRole.SUBMISSIONS).name("submissions").address(ip("0.0.0.0"))
                .port(465).greetingDelay(Duration.ZERO).build());
    assertThat(config.tls())
        .isEqualTo(TlsConfig.builder()
            .certificate(Optional.empty())
            .privateKey(Optional.empty())
            .reloadCheckInterval(Duration.ofSeconds(30))
            .build());
    assertThat(config.tls().hasCertificateFiles()).isFalse();
    assertThat(config.limits())
        .isEqualTo(
            Limits.DEFAULTS.toBuilder()
                .maxMessageSize(35L * 1024 * 1024)
                .maxRecipients(100)
                .maxConnections(10_000)
                .maxConnectionsPerClient(50)
                .maxErrors(10)
                .commandTimeout(Duration.ofMinutes(5))
                .dataTimeout(Duration.ofMinutes(3))
                .dataDeadline(Duration.ofMinutes(30))
                .minDataRate(500)
                .tlsHandshakeTimeout(Duration.ofSeconds(30))
                .shutdownGrace(Duration.ofSeconds(30))
                .build());
    List<Mechanism> submission =
        List.of(Mechanism.SCRAM_SHA_256_PLUS, Mechanism.SCRAM_SHA_256, Mechanism.PLAIN, Mechanism.LOGIN);
    assertThat(config.auth())
        .isEqualTo(
            AuthConfig.builder()
                .mechanisms(Map.of(
                    ListenerRole.RELAY, List.of(),
                    ListenerRole.SUBMISSION, submission,
                    ListenerRole.SUBMISSIONS, submission))
                .cramMd5Enabled(false)
                .argon2(Argon2Settings.builder().memoryKiB(19 * 1024).iterations(2).parallelism(1).build())
                .scramIterations(4096)
                .passwordPolicy(PasswordPolicy.NIST)
                .cacheTtl(Duration.ofSeconds(60))
                .nullSenderAllowed(false)
                .oauth(Optional.empty())
                .build());
    assertThat(config.auth().mechanismsFor(ListenerRole.RELAY)).isEmpty();
    assertThat(config.auth().mechanismsFor(ListenerRole.SUBMISSIONS)).isEqualTo(submission);
    assertThat(config.http()).isEqualTo(HttpConfig.builder().enabled(true).address(ip("127.0.0.1")).port(9025).build());
    assertThat(config.http().address().isLoopbackAddress()).isTrue();
    assertThat(config.api()).isEqualTo(
        ApiConfig.builder().enabled(true).address(ip("0.0.0.0")).port(8443).tls(true).build());
  }

  @Test
  void defaultsPassEveryRule() throws ConfigException {
    // Spelling every default out and reading it back puts each one through the file's rules.
    HikyakuConfig defaults = ConfigLoader.defaults();
    assertThat(ConfigLoader.parse(ConfigLoader.toYaml(defaults), "defaults")).isEqualTo(defaults);
  }

  @Test
  void emptyFileGivesDefaults() throws ConfigException {
    assertThat(ConfigLoader.parse("", "empty")).isEqualTo(ConfigLoader.defaults());
    assertThat(ConfigLoader.parse("# nothing set\n", "comments"))
        .isEqualTo(ConfigLoader.defaults());
    assertThat(ConfigLoader.parse("limits:\ntls: ~\n", "empty sections"))
        .isEqualTo(ConfigLoader.defaults());
  }

  @Test
  void buildersStartFromWhatAnEmptySectionReads() throws Exception {
    // A builder with nothing set must be the loader's reading of an empty section: tests build these
    // records by name from the builders, so a default that drifted here would go unnoticed there.
    HikyakuConfig empty = ConfigLoader.parse("", "empty");
    assertThat(HikyakuConfig.builder().build()).isEqualTo(empty);
    assertThat(TlsConfig.builder().build()).isEqualTo(empty.tls());
    assertThat(Limits.builder().build()).isEqualTo(empty.limits());
    assertThat(AuthConfig.builder().build()).isEqualTo(empty.auth());
    assertThat(Argon2Settings.builder().build()).isEqualTo(empty.auth().argon2());
    assertThat(AbuseConfig.builder().build()).isEqualTo(empty.abuse());
    assertThat(RateConfig.builder().build()).isEqualTo(empty.rates());
    assertThat(HttpConfig.builder().build()).isEqualTo(empty.http());
    assertThat(DeliveryConfig.builder().build()).isEqualTo(empty.delivery());
    assertThat(MailAuthConfig.builder().build()).isEqualTo(empty.mailAuth());
    assertThat(ApiConfig.builder().build()).isEqualTo(empty.api());
    assertThat(ReturnsConfig.builder().build()).isEqualTo(empty.returns());
    assertThat(RecipientsConfig.builder().build()).isEqualTo(empty.recipients());
    // A listener's defaults depend on its role: the default three, and a listener given only its role.
    List<ListenerRole> roles = List.of(ListenerRole.RELAY, ListenerRole.SUBMISSION, ListenerRole.SUBMISSIONS);
    assertThat(empty.listeners()).isEqualTo(roles.stream().map(role -> ListenerConfig.builder(role).build()).toList());
    assertThat(ConfigLoader.parse("listeners: [{role: submissions}]\n", "one role").listeners())
        .containsExactly(ListenerConfig.builder(ListenerRole.SUBMISSIONS).build());
    // OAuth has no section default: the issuer, a key source and the audiences are required.
    Path jwks = Files.writeString(dir.resolve("jwks.json"), "not parsed here");
    assertThat(ConfigLoader.parse("auth: {oauth: {issuer: i, jwks-file: '%s', audience: a}}\n".formatted(jwks), "oauth")
            .auth().oauth())
        .contains(OAuthConfig.builder().issuer("i").jwksFile(Optional.of(jwks)).audiences(List.of("a")).build());
  }

  @Test
  void fullFileRoundTrips() throws Exception {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "not parsed here");
    Path key = Files.writeString(dir.resolve("key.pem"), "not parsed here");
    Path jwks = Files.writeString(dir.resolve("jwks.json"), "not parsed here");
    String yaml =
        """
        hostname: Mail.Example.com
        data-directory: /var/lib/hikyaku
        hosted-domains: [Example.com, example.org]
        listeners:
          - name: mx
            role: relay
            address: 127.0.0.1
            port: 2525
            greeting-delay: 500ms
          - { name: sub, role: Submission, address: "::1", port: 2587, greeting-delay: 0s }
          - { role: submissions, address: "[::]", port: 2465 }
        tls:
          certificate: %s
          private-key: %s
          reload-check-interval: 0s
          engine: BoringSSL
        limits:
          max-message-size: 10MB
          max-recipients: 500
          max-connections: 200
          max-connections-per-client: 5
          max-errors: 3
          command-timeout: PT10M
          data-timeout: 1h
          data-deadline: 2h
          min-data-rate: 1000
          tls-handshake-timeout: 10s
          shutdown-grace: 0s
        auth:
          mechanisms:
            relay: [plain]
            submission: [SCRAM-SHA-256, OAUTHBEARER, CRAM-MD5]
            submissions: [PLAIN, LOGIN]
          cram-md5: true
          argon2:
            memory: 64MiB
            iterations: 3
            parallelism: 4
          scram-iterations: 10000
          password-policy: NISC
          cache-ttl: 0s
          null-sender: true
          oauth:
            issuer: https://idp.example.com
            jwks-file: %s
            audience: [hikyaku, smtp.example.com]
            account-claim: preferred_username
            clock-skew: 2m
        abuse:
          tarpit: 2s
          tarpit-max: 30s
          account-source-failures: 5
          account-failures-per-hour: 50
          source-accounts: 4
          source-failures-per-hour: 20
          block-duration: 2h
          auth-per-minute: 10
          stuffing-factor: 8
          stuffing-minimum: 100
          stuffing-delay: 10s
          account-tarpit-max: 10m
          account-tarpit-window: 2h
          account-attack-failures: 5
        rates:
          connections-per-minute: 60
          messages-per-minute: 50
          recipients-per-minute: 500
          account-messages-per-minute: 30
          account-recipients-per-minute: 300
          account-messages-per-hour: 400
          account-messages-per-day: 4000
          suspend-volume-factor: 5
          suspend-volume-minimum: 100
          suspend-new-domains: 50
        http:
          enabled: false
          address: "::1"
          port: 9100
        delivery:
          enabled: false
          dns-servers: [192.0.2.53, "[::1]:5353"]
          dns-timeout: 2s
          mx-port: 2525
          tls: VERIFY
          max-per-domain: 3
          retry-first: 1m
          retry-cap: 30m
          max-lifetime: 2d
          smarthost:
            host: smtp.example.net
            tls: implicit
        store:
          url: postgresql://db.example.net:5433/hikyaku
          user: hikyaku
          password-file: /etc/hikyaku/store-password
          pool: 4
          node-id: mx-1
          lease: 30s
          poll: 500ms
        """
            .formatted(cert, key, jwks);

    HikyakuConfig config = ConfigLoader.parse(yaml, "full.yaml");

    HikyakuConfig expected =
        HikyakuConfig.builder()
            .hostname("Mail.Example.com")
            .dataDirectory(Path.of("/var/lib/hikyaku"))
            .listeners(List.of(
                ListenerConfig.builder(ListenerRole.RELAY).name("mx").address(ip("127.0.0.1"))
                    .port(2525).greetingDelay(Duration.ofMillis(500)).build(),
                ListenerConfig.builder(ListenerRole.SUBMISSION).name("sub").address(ip("::1"))
                    .port(2587).greetingDelay(Duration.ZERO).build(),
                ListenerConfig.builder(ListenerRole.SUBMISSIONS).name("submissions").address(ip("::"))
                    .port(2465).greetingDelay(Duration.ZERO).build()))
            .tls(TlsConfig.builder()
                .certificate(Optional.of(cert))
                .privateKey(Optional.of(key))
                .reloadCheckInterval(Duration.ZERO)
                .engine(TlsEngineKind.BORINGSSL)
                .build())
            .limits(Limits.DEFAULTS.toBuilder()
                .maxMessageSize(10_000_000)
                .maxRecipients(500)
                .maxConnections(200)
                .maxConnectionsPerClient(5)
                .maxErrors(3)
                .commandTimeout(Duration.ofMinutes(10))
                .dataTimeout(Duration.ofHours(1))
                .dataDeadline(Duration.ofHours(2))
                .minDataRate(1000)
                .tlsHandshakeTimeout(Duration.ofSeconds(10))
                .shutdownGrace(Duration.ZERO)
                .build())
            .hostedDomains(List.of("example.com", "example.org"))
            .auth(AuthConfig.builder()
                .mechanisms(Map.of(
                    ListenerRole.RELAY, List.of(Mechanism.PLAIN),
                    ListenerRole.SUBMISSION, List.of(Mechanism.SCRAM_SHA_256, Mechanism.OAUTHBEARER, Mechanism.CRAM_MD5),
                    ListenerRole.SUBMISSIONS, List.of(Mechanism.PLAIN, Mechanism.LOGIN)))
                .cramMd5Enabled(true)
                .argon2(Argon2Settings.builder().memoryKiB(64 * 1024).iterations(3).parallelism(4).build())
                .scramIterations(10_000)
                .passwordPolicy(PasswordPolicy.NISC)
                .cacheTtl(Duration.ZERO)
                .nullSenderAllowed(true)
                .oauth(Optional.of(OAuthConfig.builder()
                    .issuer("https://idp.example.com")
                    .jwksUri(Optional.empty())
                    .jwksFile(Optional.of(jwks))
                    .audiences(List.of("hikyaku", "smtp.example.com"))
                    .accountClaim("preferred_username")
                    .clockSkew(Duration.ofMinutes(2))
                    .build()))
                .build())
            .abuse(AbuseConfig.DEFAULTS.toBuilder()
                .tarpit(Duration.ofSeconds(2))
                .tarpitMax(Duration.ofSeconds(30))
                .accountSourceFailures(5)
                .accountFailuresPerHour(50)
                .sourceAccounts(4)
                .sourceFailuresPerHour(20)
                .blockDuration(Duration.ofHours(2))
                .authPerMinute(10)
                .stuffingFactor(8)
                .stuffingMinimum(100)
                .stuffingDelay(Duration.ofSeconds(10))
                .accountTarpitMax(Duration.ofMinutes(10))
                .accountTarpitWindow(Duration.ofHours(2))
                .accountAttackFailures(5)
                .build())
            .rates(RateConfig.DEFAULTS.toBuilder()
                .connectionsPerMinute(60)
                .messagesPerMinute(50)
                .recipientsPerMinute(500)
                .accountMessagesPerMinute(30)
                .accountRecipientsPerMinute(300)
                .accountMessagesPerHour(400)
                .accountMessagesPerDay(4000)
                .suspendVolumeFactor(5)
                .suspendVolumeMinimum(100)
                .suspendNewDomains(50)
                .build())
            .http(HttpConfig.builder().enabled(false).address(ip("::1")).port(9100).build())
            .delivery(DeliveryConfig.DEFAULTS.toBuilder()
                .enabled(false)
                .dnsServers(List.of(new java.net.InetSocketAddress(ip("192.0.2.53"), 53), new java.net.InetSocketAddress(ip("::1"), 5353)))
                .dnsTimeout(Duration.ofSeconds(2))
                .mxPort(2525)
                .tls(TlsPolicy.VERIFY)
                .maxPerDomain(3)
                .retryFirst(Duration.ofMinutes(1))
                .retryCap(Duration.ofMinutes(30))
                .maxLifetime(Duration.ofDays(2))
                .smarthost(Optional.of(new DeliveryConfig.Smarthost("smtp.example.net", 465, TlsPolicy.IMPLICIT, Optional.empty(), Optional.empty())))
                .routes(java.util.Map.of())
                .delayWarning(Optional.empty())
                .maxPerHost(10)
                .destinations(java.util.Map.of())
                .suppressStatuses(List.of(EnhancedStatus.of(5, 1, 1), EnhancedStatus.of(5, 1, 2), EnhancedStatus.of(5, 1, 10)))
                .build())
            .mailAuth(MailAuthConfig.DEFAULTS)
            .history(HistoryConfig.DEFAULTS)
            .api(ApiConfig.DEFAULTS)
            .returns(ReturnsConfig.OFF)
            .recipients(RecipientsConfig.DEFAULTS)
            .store(new StoreConfig(Optional.of("postgresql://db.example.net:5433/hikyaku"), Optional.of("hikyaku"),
                Optional.of(Path.of("/etc/hikyaku/store-password")), 4, "mx-1", Duration.ofSeconds(30), Duration.ofMillis(500)))
            .build();
    assertThat(config).isEqualTo(expected);
    assertThat(ConfigLoader.parse(ConfigLoader.toYaml(config), "rendered")).isEqualTo(expected);
  }

  @Test
  void fileOverridesDefaultsKeyByKey() throws ConfigException {
    HikyakuConfig config =
        ConfigLoader.parse(
            """
            hostname: mx.example.net
            limits:
              max-errors: 5
            tls:
              reload-check-interval: 1m
            """,
            "partial");
    HikyakuConfig defaults = ConfigLoader.defaults();

    assertThat(config.limits().maxErrors()).isEqualTo(5);
    assertThat(config.limits())
        .usingRecursiveComparison()
        .ignoringFields("maxErrors")
        .isEqualTo(defaults.limits());
    assertThat(config.tls().reloadCheckInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.tls().certificate()).isEmpty();
    assertThat(config.listeners()).isEqualTo(defaults.listeners());
    // The default hosted domains follow the configured hostname.
    assertThat(config.hostedDomains()).containsExactly("mx.example.net", "localhost");
  }

  @Test
  void defaultMechanismsFollowOAuthAndCramMd5() throws ConfigException {
    HikyakuConfig config =
        ConfigLoader.parse(
            """
            auth:
              cram-md5: true
              oauth:
                issuer: https://idp.example.com
                jwks-uri: https://idp.example.com/.well-known/jwks.json
                audience: hikyaku
            """,
            "oauth");
    List<Mechanism> expected =
        List.of(
            Mechanism.SCRAM_SHA_256_PLUS,
            Mechanism.SCRAM_SHA_256,
            Mechanism.PLAIN,
            Mechanism.LOGIN,
            Mechanism.XOAUTH2,
            Mechanism.OAUTHBEARER,
            Mechanism.CRAM_MD5);
    assertThat(config.auth().mechanismsFor(ListenerRole.SUBMISSION)).isEqualTo(expected);
    assertThat(config.auth().mechanismsFor(ListenerRole.SUBMISSIONS)).isEqualTo(expected);
    // Port 25 stays without AUTH unless listed.
    assertThat(config.auth().mechanismsFor(ListenerRole.RELAY)).isEmpty();
    OAuthConfig oauth = config.auth().oauth().orElseThrow();
    assertThat(oauth.jwksUri())
        .contains(java.net.URI.create("https://idp.example.com/.well-known/jwks.json"));
    assertThat(oauth.jwksFile()).isEmpty();
    // A single audience may be a string; account claim and clock skew keep their defaults.
    assertThat(oauth.audiences()).containsExactly("hikyaku");
    assertThat(oauth.accountClaim()).isEqualTo("email");
    assertThat(oauth.clockSkew()).isEqualTo(Duration.ofSeconds(60));
    assertThat(ConfigLoader.parse(ConfigLoader.toYaml(config), "rendered")).isEqualTo(config);
  }

  @Test
  void authKeysOverrideKeyByKey() throws ConfigException {
    HikyakuConfig config =
        ConfigLoader.parse(
            "auth:\n  argon2: {memory: 32MiB}\n  mechanisms: {submission: [plain]}\n", "partial");
    AuthConfig defaults = ConfigLoader.defaults().auth();
    assertThat(config.auth().argon2())
        .isEqualTo(Argon2Settings.builder().memoryKiB(32 * 1024).iterations(2).parallelism(1).build());
    assertThat(config.auth().mechanismsFor(ListenerRole.SUBMISSION)).containsExactly(Mechanism.PLAIN);
    assertThat(config.auth().mechanismsFor(ListenerRole.SUBMISSIONS))
        .isEqualTo(defaults.mechanismsFor(ListenerRole.SUBMISSIONS));
    assertThat(config.auth())
        .usingRecursiveComparison()
        .ignoringFields("argon2", "mechanisms")
        .isEqualTo(defaults);
  }

  @Test
  void jwksOverPlainHttpOnlyToLoopback() throws ConfigException {
    for (String uri :
        List.of("http://127.0.0.1:8080/jwks.json", "http://localhost/jwks", "http://[::1]/k")) {
      HikyakuConfig config =
          ConfigLoader.parse(
              "auth: {oauth: {issuer: test, jwks-uri: '%s', audience: x}}".formatted(uri), "http");
      assertThat(config.auth().oauth().orElseThrow().jwksUri()).contains(java.net.URI.create(uri));
    }
  }

  @Test
  void listenerGivenOnlyItsRoleGetsThatRolesDefaults() throws ConfigException {
    HikyakuConfig config =
        ConfigLoader.parse("listeners:\n  - role: relay\n  - role: submission\n", "roles");
    assertThat(config.listeners())
        .containsExactly(
            ListenerConfig.builder(ListenerRole.RELAY).name("relay").address(ip("0.0.0.0"))
                .port(25).greetingDelay(Duration.ofSeconds(1)).build(),
            ListenerConfig.builder(ListenerRole.SUBMISSION).name("submission").address(ip("0.0.0.0"))
                .port(587).greetingDelay(Duration.ZERO).build());
  }

  @Test
  void twoListenersOfOneRoleNeedNamesAndDistinctSockets() throws ConfigException {
    HikyakuConfig config =
        ConfigLoader.parse(
            """
            listeners:
              - { name: relay-v4, role: relay, address: 0.0.0.0 }
              - { name: relay-v6-local, role: relay, address: "::1" }
            """,
            "two relays");
    assertThat(config.listeners())
        .extracting(ListenerConfig::name)
        .containsExactly("relay-v4", "relay-v6-local");
  }

  @Test
  void loadReadsAFile() throws Exception {
    Path file = Files.writeString(dir.resolve("hikyaku.yaml"), "limits:\n  max-recipients: 250\n");
    assertThat(ConfigLoader.load(file).limits().maxRecipients()).isEqualTo(250);
  }

  @Test
  void aSharedStoreIsNamedByUrlUserAndPasswordFileNeverByAPasswordInTheUrl() throws Exception {
    assertThat(ConfigLoader.defaults().store().isShared()).isFalse();
    StoreConfig shared = ConfigLoader.parse(
        "store:\n  url: postgresql://db:5432/mail\n  user: hikyaku\n", "s").store();
    assertThat(shared.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/mail");
    assertThat(shared.lease()).isEqualTo(Duration.ofSeconds(60));
    assertThat(shared.poll()).isEqualTo(Duration.ofSeconds(1));
    java.util.Map<String, String> refused = new java.util.LinkedHashMap<>();
    refused.put("store:\n  url: postgresql://hikyaku:secret@db/mail\n  user: hikyaku\n",
        "store.url: must not hold a user or password: use store.user and store.password-file (in bad, line 2)");
    refused.put("store:\n  url: postgresql://db/mail?password=secret\n  user: hikyaku\n",
        "store.url: must not hold a user or password: use store.user and store.password-file (in bad, line 2)");
    refused.put("store:\n  url: mysql://db/mail\n  user: hikyaku\n",
        "store.url: must be postgresql://host[:port]/database (in bad, line 2)");
    refused.put("store:\n  url: postgresql://db\n  user: hikyaku\n",
        "store.url: names no database: postgresql://host[:port]/database (in bad, line 2)");
    refused.put("store:\n  url: postgresql://db/mail\n", "store.user: is required with store.url (in bad)");
    refused.put("store:\n  user: hikyaku\n",
        "store.user: belongs to a PostgreSQL store; set store.url too (without it the store is SQLite) (in bad, line 2)");
    refused.put("store:\n  node-id: \"two words\"\n",
        "store.node-id: must be 1-63 letters, digits, '.', '-' or '_', was 'two words' (in bad, line 2)");
    refused.forEach((yaml, message) -> assertThatThrownBy(() -> ConfigLoader.parse(yaml, "bad"))
        .as(yaml).isInstanceOf(ConfigException.class).hasMessage(message));
    assertThatThrownBy(() -> ConfigLoader.parse("store:\n  lease: 5s\n  poll: 5s\n", "bad"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("store.poll");
  }

  @Test
  void anUnknownTlsEngineIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> ConfigLoader.parse("tls:\n  engine: openssl\n", "engine"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("tls.engine: must be one of jdk, boringssl, was 'openssl' (in engine, line 2)");
  }

  @Test
  void theHybridKeyExchangeNeedsBoringSsl() throws Exception {
    assertThat(ConfigLoader.defaults().tls().keyExchange()).isEqualTo(KeyExchange.CLASSIC);
    assertThat(ConfigLoader.parse("tls:\n  engine: boringssl\n  key-exchange: hybrid\n", "h").tls().keyExchange())
        .isEqualTo(KeyExchange.HYBRID);
    assertThatThrownBy(() -> ConfigLoader.parse("tls:\n  key-exchange: hybrid\n", "jdk"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.key-exchange: hybrid (X25519MLKEM768) needs tls.engine: boringssl");
    assertThat(ConfigLoader.defaults().delivery().keyExchange()).isEqualTo(KeyExchange.CLASSIC);
    assertThat(ConfigLoader.parse("delivery:\n  key-exchange: hybrid\n", "d").delivery().keyExchange()).isEqualTo(KeyExchange.HYBRID);
  }

  @Test
  void theTlsEngineIsTheJdksUnlessChosen() throws Exception {
    assertThat(ConfigLoader.defaults().tls().engine()).isEqualTo(TlsEngineKind.JDK);
    assertThat(ConfigLoader.parse("tls:\n  engine: jdk\n", "jdk").tls().engine()).isEqualTo(TlsEngineKind.JDK);
    assertThat(ConfigLoader.parse("tls:\n  engine: boringssl\n", "b").tls().engine()).isEqualTo(TlsEngineKind.BORINGSSL);
  }

  @Test
  void loadErrorsNameTheFileAndLine() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("hikyaku.yaml"), "hostname: mx.example.com\nlimits:\n  max-errors: 0\n");
    assertThatThrownBy(() -> ConfigLoader.load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessage("limits.max-errors: must be at least 1, was 0 (in " + file + ", line 3)");
  }

  @Test
  void missingFileIsNamed() {
    Path missing = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> ConfigLoader.load(missing))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(missing + ": config file does not exist")
        .extracting(e -> ((ConfigException) e).keyPath())
        .isEqualTo(missing.toString());
  }

  @Test
  void directoryInsteadOfFileIsNamed() {
    assertThatThrownBy(() -> ConfigLoader.load(dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(dir + ": ");
  }

  @Test
  void fileThatIsNotUtf8IsNamed() throws IOException {
    Path file =
        Files.write(
            dir.resolve("latin1.yaml"), new byte[] {'h', 'o', 's', 't', ':', ' ', (byte) 0xE9});
    assertThatThrownBy(() -> ConfigLoader.load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(file + ": config file is not valid UTF-8");
  }

  /** {@code hostname: mx.example.com} padded with comment lines to exactly {@code bytes}. */
  private static String configOf(int bytes) {
    StringBuilder yaml = new StringBuilder("hostname: mx.example.com\n");
    String comment = "# " + "x".repeat(1021) + "\n";
    while (yaml.length() + comment.length() <= bytes) {
      yaml.append(comment);
    }
    String last = "#" + "y".repeat(bytes - yaml.length() - 2) + "\n";
    yaml.append(last);
    assertThat(yaml.length()).isEqualTo(bytes);
    return yaml.toString();
  }

  @Test
  void aConfigOfOneMebibyteIsReadAndOneByteMoreIsRefusedUnread() throws Exception {
    Path limit = Files.writeString(dir.resolve("limit.yaml"), configOf(ConfigLoader.MAX_BYTES));
    assertThat(ConfigLoader.load(limit).hostname()).isEqualTo("mx.example.com");

    // PROBE.md §6: a 50 MB file of comments was read whole and accepted.
    Path over = Files.writeString(dir.resolve("over.yaml"), configOf(ConfigLoader.MAX_BYTES + 1));
    assertThatThrownBy(() -> ConfigLoader.load(over))
        .isInstanceOf(ConfigException.class)
        .hasMessage(over + ": config file is larger than 1048576 bytes (1 MiB), the most a config may hold (in " + over + ")");
  }

  @Test
  void aFileWithoutEndIsRefusedAfterTheLimit() {
    // PROBE.md §6: --config /dev/zero died with OutOfMemoryError; its size claims 0 bytes.
    Path zero = Path.of("/dev/zero");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(zero), "no /dev/zero here");
    assertThatThrownBy(() -> ConfigLoader.load(zero))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("/dev/zero: config file is larger than 1048576 bytes");
  }

  @Test
  void yamlTextHasTheFileLimitInCodePoints() throws ConfigException {
    String atLimit = "hostname: mx.example.com\ndata-directory: " + "d".repeat(ConfigLoader.MAX_BYTES - 100) + "\n";
    assertThat(ConfigLoader.parse(atLimit, "test").hostname()).isEqualTo("mx.example.com");
    String over = "hostname: mx.example.com\ndata-directory: " + "d".repeat(ConfigLoader.MAX_BYTES) + "\n";
    assertThatThrownBy(() -> ConfigLoader.parse(over, "test"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("1048576 code points");
  }

  @Test
  void withPortsReplacesPortsOfTheGivenRolesOnly() {
    HikyakuConfig defaults = ConfigLoader.defaults();
    HikyakuConfig moved =
        defaults.withPorts(Map.of(ListenerRole.RELAY, 2525, ListenerRole.SUBMISSIONS, 2465));

    assertThat(moved.listeners())
        .extracting(ListenerConfig::role, ListenerConfig::port)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(ListenerRole.RELAY, 2525),
            org.assertj.core.groups.Tuple.tuple(ListenerRole.SUBMISSION, 587),
            org.assertj.core.groups.Tuple.tuple(ListenerRole.SUBMISSIONS, 2465));
    assertThat(moved.listeners().get(0).greetingDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(moved.limits()).isEqualTo(defaults.limits());
    assertThat(defaults.withPorts(Map.of())).isEqualTo(defaults);
  }

  @Test
  void withPortsRefusesAClashAndABadPort() {
    HikyakuConfig defaults = ConfigLoader.defaults();
    assertThatThrownBy(() -> defaults.withPorts(Map.of(ListenerRole.SUBMISSIONS, 587)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("listeners[2]")
        .hasMessageContaining("listeners[1]")
        .hasMessageContaining("0.0.0.0:587");
    assertThatThrownBy(() -> defaults.withPorts(Map.of(ListenerRole.RELAY, 70000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("70000");
    // A listener moved onto the HTTP endpoint's port (0.0.0.0 covers 127.0.0.1).
    assertThatThrownBy(() -> defaults.withPorts(Map.of(ListenerRole.RELAY, 9025)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("http.port: the HTTP endpoint on 127.0.0.1:9025 clashes with listeners[0]");
  }

  @Test
  void apiSectionOverridesKeyByKeyAndSurvivesTheWriter() throws ConfigException {
    HikyakuConfig config = ConfigLoader.parse("api: {enabled: true, port: 9443}\n", "api");
    assertThat(config.api()).isEqualTo(
        ApiConfig.builder().enabled(true).address(ip("0.0.0.0")).port(9443).tls(true).build());
    HikyakuConfig plain = ConfigLoader.parse("api: {enabled: true, address: '::1', tls: false}\n", "plain");
    assertThat(plain.api()).isEqualTo(
        ApiConfig.builder().enabled(true).address(ip("::1")).port(8443).tls(false).build());
    assertThat(ConfigLoader.parse(ConfigWriter.toYaml(plain), "written.yaml").api()).isEqualTo(plain.api());
    HikyakuConfig hooks = ConfigLoader.parse("api: {webhook-concurrency: 16, webhook-private-targets: true}\n", "hooks");
    assertThat(hooks.api()).isEqualTo(
        ApiConfig.builder().enabled(true).address(ip("0.0.0.0")).port(8443).tls(true)
            .webhookPrivateTargetAllowed(true).webhookConcurrency(16).build());
    assertThat(ConfigLoader.parse(ConfigWriter.toYaml(hooks), "written.yaml").api()).isEqualTo(hooks.api());
    assertThat(ConfigLoader.defaults().api().webhookConcurrency()).isEqualTo(4);
    // Turned off, its port may be anyone's; on (the default), it is its own.
    assertThat(ConfigLoader.parse("http: {port: 8443}\napi: {enabled: false}\n", "off").http().port()).isEqualTo(8443);
    assertThatThrownBy(() -> ConfigLoader.parse("http: {port: 8443}\n", "on"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("8443");
  }

  @Test
  void httpSectionOverridesKeyByKey() throws ConfigException {
    HikyakuConfig config = ConfigLoader.parse("http: {port: 9100}\n", "http");
    assertThat(config.http()).isEqualTo(HttpConfig.builder().enabled(true).address(ip("127.0.0.1")).port(9100).build());
    assertThat(ConfigLoader.parse("http: {enabled: false}\n", "off").http().isEnabled()).isFalse();
    // Turned off, it cannot clash with anything.
    assertThat(
            ConfigLoader.parse(
                    "http: {enabled: false}\nlisteners: [{role: relay, port: 9025}]\n", "off")
                .listeners())
        .hasSize(1);
  }

  @Test
  void portsThatClashAreAPortsErrorNotACrash() {
    // The defaults put submission on 587; submissions=587 puts two listeners on 0.0.0.0:587.
    ConfigException e = org.assertj.core.api.Assertions.catchThrowableOfType(ConfigException.class,
        () -> ConfigLoader.withPorts(ConfigLoader.defaults(), "submissions=587"));
    assertThat(e).isNotNull();
    assertThat(e.getMessage()).startsWith("--ports: ").contains("587");
  }

  @Test
  void portsMayMoveTheApiToo() throws ConfigException {
    HikyakuConfig moved = ConfigLoader.withPorts(ConfigLoader.defaults(), "submission=2587, api=9443");
    assertThat(moved.api().port()).isEqualTo(9443);
    assertThat(moved.listeners()).anySatisfy(l -> assertThat(l.port()).isEqualTo(2587));
    assertThat(ConfigLoader.withPorts(ConfigLoader.defaults(), "api=9443").api().port()).isEqualTo(9443);
    assertThatThrownBy(() -> ConfigLoader.withPorts(ConfigLoader.defaults(), "api=587"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("--ports")
        .hasMessageContaining("587");
    assertThatThrownBy(() -> ConfigLoader.withPorts(ConfigLoader.defaults(), "api=x"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("port for api must be a number 1..65535, was 'x'");
    assertThatThrownBy(() -> ConfigLoader.withPorts(ConfigLoader.defaults(), "api=1,api=2"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("api is given twice");
  }

  @Test
  void parsePortsReadsEveryRole() throws ConfigException {
    assertThat(ConfigLoader.parsePorts("relay=2525,submission=2587,submissions=2465"))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                ListenerRole.RELAY,
                2525,
                ListenerRole.SUBMISSION,
                2587,
                ListenerRole.SUBMISSIONS,
                2465));
    assertThat(ConfigLoader.parsePorts(" submission = 10587 , RELAY=10025 "))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(ListenerRole.SUBMISSION, 10587, ListenerRole.RELAY, 10025));
  }

  @Test
  void parsePortsRefusesBadInputNamingTheOption() {
    record Bad(String spec, String expected) {}
    for (Bad bad :
        List.of(
            new Bad("", "was empty"),
            new Bad("relay", "expected role=port, was 'relay'"),
            new Bad(
                "smtp=25",
                "unknown role 'smtp' in 'smtp=25'; known roles: relay, submission, submissions"),
            new Bad("relay=x", "port for relay must be a number 1..65535, was 'x'"),
            new Bad("relay=0", "port for relay must be 1..65535, was 0"),
            new Bad("relay=70000", "port for relay must be 1..65535, was 70000"),
            new Bad("relay=25,relay=26", "relay is given twice"),
            new Bad("relay=25,", "expected role=port, was ''"))) {
      assertThatThrownBy(() -> ConfigLoader.parsePorts(bad.spec()))
          .as(bad.spec())
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("--ports: ")
          .hasMessageContaining(bad.expected())
          .hasMessageEndingWith("(in command line)");
    }
  }

  @Test
  void hostnameDetectionFallsBackToLocalhost() {
    assertThat(Defaults.hostnameFrom(() -> "Mail.Example.COM")).isEqualTo("mail.example.com");
    // Without reverse DNS the JDK reports the address itself as the canonical name.
    assertThat(Defaults.hostnameFrom(() -> "172.17.0.2")).isEqualTo("localhost");
    assertThat(Defaults.hostnameFrom(() -> "fe80:0:0:0:1%eth0")).isEqualTo("localhost");
    assertThat(Defaults.hostnameFrom(() -> null)).isEqualTo("localhost");
    assertThat(
            Defaults.hostnameFrom(
                () -> {
                  throw new java.net.UnknownHostException("no name");
                }))
        .isEqualTo("localhost");
  }
}
