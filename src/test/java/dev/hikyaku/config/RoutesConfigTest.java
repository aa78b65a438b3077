package dev.hikyaku.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hikyaku.delivery.TlsPolicy;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code delivery.routes}: parsing, the default Maildir of hosted domains, and errors by key path. */
class RoutesConfigTest {

  private static ConfigException rejection(String yaml) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, "test.yaml"));
    assertThat(e).as("expected a ConfigException for:%n%s", yaml).isNotNull();
    return e;
  }

  @Test
  void eachRouteTypeIsRead() throws ConfigException {
    HikyakuConfig config = ConfigLoader.parse("""
        delivery:
          routes:
            Example.COM:
              lmtp: "127.0.0.1:24"
            example.org:
              maildir: /srv/mail/example.org
            partner.example:
              smtp: "mx.partner.example:2525"
              tls: verify
            v6.example:
              smtp: "[::1]"
        """, "test.yaml");
    assertThat(config.delivery().routes()).containsExactly(
        java.util.Map.entry("example.com", new DeliveryConfig.Route.Lmtp("127.0.0.1", 24)),
        java.util.Map.entry("example.org", new DeliveryConfig.Route.Maildir(Path.of("/srv/mail/example.org"))),
        java.util.Map.entry("partner.example", new DeliveryConfig.Route.Smtp("mx.partner.example", 2525, TlsPolicy.VERIFY)),
        java.util.Map.entry("v6.example", new DeliveryConfig.Route.Smtp("::1", 25, TlsPolicy.OPPORTUNISTIC)));
  }

  @Test
  void deliveryIsOnAndHostedDomainsGetAMaildirUnderTheDataDirectory() throws ConfigException {
    HikyakuConfig config = ConfigLoader.parse("""
        data-directory: /var/lib/hk
        hosted-domains: [example.com, example.org]
        delivery:
          routes:
            example.org: {lmtp: "10.0.0.5:24"}
        """, "test.yaml");
    assertThat(config.delivery().isEnabled()).isTrue();
    assertThat(ConfigLoader.defaults().delivery().isEnabled()).isTrue();
    assertThat(config.deliveryRoutes()).containsExactly(
        java.util.Map.entry("example.org", new DeliveryConfig.Route.Lmtp("10.0.0.5", 24)),
        java.util.Map.entry("example.com", new DeliveryConfig.Route.Maildir(Path.of("/var/lib/hk/mail/example.com"))));
    // The explicit route is all the file holds; the default is derived, not written back.
    assertThat(config.delivery().routes()).containsOnlyKeys("example.org");
  }

  @Test
  void maildirDomainsAreThoseWhoseRouteIsAMaildir() throws ConfigException {
    // The RCPT check on Maildir local parts applies exactly where delivery would write a Maildir.
    HikyakuConfig config = ConfigLoader.parse("""
        hosted-domains: [Example.COM, example.org]
        delivery:
          routes:
            example.org: {lmtp: "10.0.0.5:24"}
            archive.example: {maildir: /srv/mail/archive}
        """, "test.yaml");
    assertThat(config.maildirDomains()).containsExactlyInAnyOrder("example.com", "archive.example");
  }

  @Test
  void routesSurviveTheWriter() throws Exception {
    HikyakuConfig config = ConfigLoader.parse("""
        delivery:
          routes:
            example.com: {lmtp: "127.0.0.1:24"}
            example.org: {smtp: "[::1]:2525", tls: require}
            example.net: {maildir: /srv/mail}
        """, "test.yaml");
    HikyakuConfig again = ConfigLoader.parse(ConfigWriter.toYaml(config), "written.yaml");
    assertThat(again.delivery()).isEqualTo(config.delivery());
  }

  @Test
  void errorsNameTheRouteKey() {
    assertThat(rejection("delivery: {routes: {example.com: {lmtp: \"127.0.0.1\"}}}").keyPath())
        .isEqualTo("delivery.routes.example.com.lmtp");
    assertThat(rejection("delivery: {routes: {example.com: {lmtp: \"host:99999\"}}}").keyPath())
        .isEqualTo("delivery.routes.example.com.lmtp");
    assertThat(rejection("delivery: {routes: {example.com: {smtp: \"bad host:25\"}}}").keyPath())
        .isEqualTo("delivery.routes.example.com.smtp");
    ConfigException both = rejection("delivery: {routes: {example.com: {smtp: \"a.example\", lmtp: \"b.example:24\"}}}");
    assertThat(both.keyPath()).isEqualTo("delivery.routes.example.com.lmtp");
    assertThat(both.problem()).contains("one type");
    ConfigException unknown = rejection("delivery: {routes: {example.com: {pipe: /bin/sh}}}");
    assertThat(unknown.keyPath()).isEqualTo("delivery.routes.example.com.pipe");
    assertThat(unknown.problem()).contains("unknown key");
    assertThat(rejection("delivery: {routes: {example.com: {}}}").keyPath()).isEqualTo("delivery.routes.example.com");
    assertThat(rejection("delivery: {routes: {example.com: {lmtp: \"h.example:24\", tls: verify}}}").keyPath())
        .isEqualTo("delivery.routes.example.com.tls");
    assertThat(rejection("delivery: {routes: {example.com: {smtp: \"h.example\", tls: maybe}}}").keyPath())
        .isEqualTo("delivery.routes.example.com.tls");
    assertThat(rejection("delivery: {routes: {example.com: {maildir: relative/dir}}}").keyPath())
        .isEqualTo("delivery.routes.example.com.maildir");
    assertThat(rejection("delivery: {routes: {\"not a domain\": {maildir: /m}}}").keyPath())
        .isEqualTo("delivery.routes.not a domain");
    assertThat(rejection("delivery: {routes: [example.com]}").keyPath()).isEqualTo("delivery.routes");
  }

  @Test
  void destinationsDelayWarningHostLimitAndRouteCredentialsAreRead(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path password = java.nio.file.Files.writeString(dir.resolve("partner.password"), "not-in-the-config\n");
    HikyakuConfig config = ConfigLoader.parse("""
        delivery:
          max-per-host: 4
          delay-warning: 4h
          destinations:
            DoCoMo.ne.jp:
              concurrency: 2
              messages-per-minute: 60
            partner.example:
              tls: verify
          routes:
            partner.example:
              smtp: "smtp.partner.example"
              tls: implicit
              user: relay@example.com
              password-file: %s
        """.formatted(password), "test.yaml");
    DeliveryConfig d = config.delivery();
    assertThat(d.maxPerHost()).isEqualTo(4);
    assertThat(d.delayWarning()).contains(java.time.Duration.ofHours(4));
    assertThat(d.destinations()).containsExactly(
        java.util.Map.entry("docomo.ne.jp", new DeliveryConfig.Destination(java.util.Optional.empty(), java.util.Optional.of(2),
            java.util.Optional.of(60))),
        java.util.Map.entry("partner.example", new DeliveryConfig.Destination(java.util.Optional.of(TlsPolicy.VERIFY), java.util.Optional.empty(),
            java.util.Optional.empty())));
    assertThat(d.routes().get("partner.example")).isEqualTo(new DeliveryConfig.Route.Smtp(
        "smtp.partner.example", 465, TlsPolicy.IMPLICIT, java.util.Optional.of("relay@example.com"), java.util.Optional.of(password)));
    assertThat(ConfigLoader.defaults().delivery().delayWarning()).isEmpty();
    assertThat(ConfigLoader.defaults().delivery().maxPerHost()).isEqualTo(10);
    // And back through the writer.
    HikyakuConfig again = ConfigLoader.parse(ConfigWriter.toYaml(config), "written.yaml");
    assertThat(again.delivery()).isEqualTo(d);
  }

  @Test
  void badDestinationsDelayWarningsAndRouteCredentialsAreRefusedByKey(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path password = java.nio.file.Files.writeString(dir.resolve("p"), "secret\n");
    assertThat(rejection("delivery: {delay-warning: 6d}").getMessage())
        .contains("delivery.delay-warning").contains("shorter than max-lifetime");
    assertThat(rejection("delivery: {destinations: {example.com: {}}}").getMessage())
        .contains("delivery.destinations.example.com").contains("one or more of tls, concurrency, messages-per-minute");
    assertThat(rejection("delivery: {destinations: {example.com: {messages-per-minute: 0}}}").getMessage())
        .contains("delivery.destinations.example.com.messages-per-minute");
    assertThat(rejection("delivery: {destinations: {example.com: {tls: always}}}").getMessage())
        .contains("delivery.destinations.example.com.tls");
    assertThat(rejection("delivery: {destinations: {'bad..name': {concurrency: 1}}}").getMessage())
        .contains("delivery.destinations.bad..name");
    assertThat(rejection("delivery: {routes: {example.com: {smtp: mx.example.com, user: u, password-file: %s}}}".formatted(password))
        .getMessage()).contains("delivery.routes.example.com.user").contains("credentials need tls: verify or tls: implicit");
    assertThat(rejection("delivery: {routes: {example.com: {smtp: mx.example.com, tls: verify, user: u}}}").getMessage())
        .contains("user and password-file go together");
    assertThat(rejection("delivery: {routes: {example.com: {lmtp: '127.0.0.1:24', user: u}}}").getMessage())
        .contains("delivery.routes.example.com.user").contains("smtp routes only");
    assertThat(ConfigLoader.parse("delivery: {delay-warning: \"off\"}", "t.yaml").delivery().delayWarning()).isEmpty();
  }
}
