package dev.hikyaku.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

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
        java.util.Map.entry("partner.example", new DeliveryConfig.Route.Smtp("mx.partner.example", 2525, "verify")),
        java.util.Map.entry("v6.example", new DeliveryConfig.Route.Smtp("::1", 25, "opportunistic")));
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
}
