package dev.hikyaku.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns a parsed document into a {@link HikyakuConfig}: reads the top-level keys, hands each
 * section to the reader of its record ({@code Limits.read}, {@code DeliveryConfig.read} ...), and
 * checks the rules that span sections (ports shared with a listener, the returns and recipient
 * domains against the hosted ones). Each key's default, bounds and rule live in its section's
 * reader; every error names its key path and line.
 */
final class ConfigReader {

  static final int MIN_PORT = 1;
  static final int MAX_PORT = 65535;

  private ConfigReader() {}

  static HikyakuConfig read(YamlNode root, String sourceName) throws ConfigException {
    Section top = Section.open(root, "", Keys.TOP_LEVEL, sourceName);

    String hostname = top.has(Keys.HOSTNAME) ? hostname(top) : Defaults.hostname();
    Path dataDirectory = top.file(Keys.DATA_DIRECTORY).orElse(Defaults.DATA_DIRECTORY);
    List<String> hostedDomains =
        top.has(Keys.HOSTED_DOMAINS) ? hostedDomains(top, Keys.HOSTED_DOMAINS) : Defaults.hostedDomains(hostname);
    List<ListenerConfig> listeners = ListenerConfig.readAll(top, ListenerConfig.SECTION);
    TlsConfig tls = TlsConfig.read(top.section(TlsConfig.SECTION, TlsConfig.KEYS));
    Limits limits = Limits.read(top.section(Limits.SECTION, Limits.KEYS));
    AuthConfig auth = AuthConfig.read(top.section(AuthConfig.SECTION, AuthConfig.KEYS));
    AbuseConfig abuse = AbuseConfig.read(top.section(AbuseConfig.SECTION, AbuseConfig.KEYS));
    RateConfig rates = RateConfig.read(top.section(RateConfig.SECTION, RateConfig.KEYS));
    Section httpSection = top.section(HttpConfig.SECTION, HttpConfig.KEYS);
    HttpConfig http = HttpConfig.read(httpSection);
    Optional<String> clash = ListenerClash.withHttp(listeners, http);
    if (clash.isPresent()) {
      throw top.error(httpSection.path(Keys.PORT), httpSection.get(Keys.PORT).orElse(top.node(HttpConfig.SECTION)), clash.get());
    }
    Section apiSection = top.section(ApiConfig.SECTION, ApiConfig.KEYS);
    ApiConfig api = ApiConfig.read(apiSection);
    Optional<String> apiClash = ListenerClash.withApi(listeners, http, api);
    if (apiClash.isPresent()) {
      throw top.error(apiSection.path(Keys.PORT), apiSection.get(Keys.PORT).orElse(top.node(ApiConfig.SECTION)), apiClash.get());
    }
    DeliveryConfig delivery = DeliveryConfig.read(top.section(DeliveryConfig.SECTION, DeliveryConfig.KEYS));
    MailAuthConfig mailAuth = MailAuthConfig.read(top.section(MailAuthConfig.SECTION, MailAuthConfig.KEYS));
    HistoryConfig history = HistoryConfig.read(top.section(HistoryConfig.SECTION, HistoryConfig.KEYS));
    ReturnsConfig returns = ReturnsConfig.read(
        top.section(ReturnsConfig.SECTION, ReturnsConfig.KEYS), hostedDomains, delivery.routes().keySet());
    RecipientsConfig recipients =
        RecipientsConfig.read(top.section(RecipientsConfig.SECTION, RecipientsConfig.KEYS), hostedDomains);
    return new HikyakuConfig(hostname, dataDirectory, listeners, tls, limits, hostedDomains, auth, abuse, rates, http,
        delivery, mailAuth, history, api, returns, recipients,
        StoreConfig.read(top.section(StoreConfig.SECTION, StoreConfig.KEYS), hostname),
        MtaStsConfig.read(top.section(MtaStsConfig.SECTION, MtaStsConfig.KEYS)),
        SendmailConfig.read(top.section(SendmailConfig.SECTION, SendmailConfig.KEYS)),
        ContentChecksConfig.read(top.section(ContentChecksConfig.SECTION, ContentChecksConfig.KEYS)));
  }

  private static String hostname(Section top) throws ConfigException {
    String name = top.text(Keys.HOSTNAME).orElseThrow();
    // RFC 5321 §4.1.1.1: EHLO carries a domain; the 220 greeting (§4.2) and the Received header
    // (§4.4) reuse it, so it must be a domain name, not an address.
    Optional<String> problem = HostSyntax.domainProblem(name);
    if (problem.isPresent()) {
      throw top.error(Keys.HOSTNAME, problem.get());
    }
    return name;
  }

  private static List<String> hostedDomains(Section top, String key) throws ConfigException {
    String path = top.path(key);
    List<YamlNode> items = top.list(top.node(key), path, "domain names");
    List<String> domains = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String itemPath = path + "[" + i + "]";
      String domain = top.text(items.get(i), itemPath);
      Optional<String> problem = HostSyntax.domainProblem(domain);
      if (problem.isPresent()) {
        throw top.error(itemPath, items.get(i), problem.get());
      }
      // Domain names compare case-insensitively (RFC 1035 §2.3.3); store one spelling.
      String lower = domain.toLowerCase(Locale.ROOT);
      int earlier = domains.indexOf(lower);
      if (earlier >= 0) {
        throw top.error(itemPath, items.get(i), "'" + domain + "' is already listed as " + path + "[" + earlier + "]");
      }
      domains.add(lower);
    }
    return List.copyOf(domains);
  }
}
