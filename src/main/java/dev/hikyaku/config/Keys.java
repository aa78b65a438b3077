package dev.hikyaku.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The top-level keys of the config file, the key names several sections share, and the list of
 * every key path. Each section's own keys live with its reader, in the record of the section
 * ({@code Limits.KEYS}, {@code DeliveryConfig.KEYS} ...).
 */
final class Keys {

  private Keys() {}

  static final String HOSTNAME = "hostname";
  static final String DATA_DIRECTORY = "data-directory";
  static final String HOSTED_DOMAINS = "hosted-domains";
  static final String DELIVERY = DeliveryConfig.SECTION;
  static final String API = ApiConfig.SECTION;
  static final String HTTP = HttpConfig.SECTION;

  /** Keys of more than one section. */
  static final String ENABLED = "enabled";
  static final String ADDRESS = "address";
  static final String PORT = "port";
  static final String TLS = "tls";

  static final List<String> TOP_LEVEL = List.of(HOSTNAME, DATA_DIRECTORY, HOSTED_DOMAINS, ListenerConfig.SECTION,
      TlsConfig.SECTION, Limits.SECTION, AuthConfig.SECTION, AbuseConfig.SECTION, RateConfig.SECTION, HttpConfig.SECTION,
      ApiConfig.SECTION, DeliveryConfig.SECTION, MailAuthConfig.SECTION, HistoryConfig.SECTION, ReturnsConfig.SECTION,
      RecipientsConfig.SECTION, StoreConfig.SECTION, MtaStsConfig.SECTION, SendmailConfig.SECTION,
      ContentChecksConfig.SECTION);

  /** Every key path a complete file can hold, for the documentation test. */
  static List<String> allPaths() {
    var paths = new ArrayList<String>(TOP_LEVEL);
    add(paths, ListenerConfig.SECTION + "[]", ListenerConfig.KEYS);
    add(paths, TlsConfig.SECTION, TlsConfig.KEYS);
    add(paths, Limits.SECTION, Limits.KEYS);
    add(paths, AuthConfig.SECTION, AuthConfig.KEYS);
    add(paths, AuthConfig.SECTION + ".mechanisms", AuthConfig.MECHANISMS_KEYS);
    add(paths, AuthConfig.SECTION + ".argon2", Argon2Settings.KEYS);
    add(paths, AuthConfig.SECTION + "." + AuthConfig.OAUTH, OAuthConfig.KEYS);
    add(paths, AbuseConfig.SECTION, AbuseConfig.KEYS);
    add(paths, RateConfig.SECTION, RateConfig.KEYS);
    add(paths, DeliveryConfig.SECTION, DeliveryConfig.KEYS);
    add(paths, DeliveryConfig.SECTION + "." + DeliveryConfig.SMARTHOST, NextHops.SMARTHOST_KEYS);
    add(paths, DeliveryConfig.SECTION + "." + DeliveryConfig.ROUTES + ".<domain>", NextHops.ROUTE_KEYS);
    add(paths, DeliveryConfig.SECTION + "." + DeliveryConfig.DESTINATIONS + ".<domain>", NextHops.DESTINATION_KEYS);
    add(paths, HttpConfig.SECTION, HttpConfig.KEYS);
    add(paths, ApiConfig.SECTION, ApiConfig.KEYS);
    add(paths, MailAuthConfig.SECTION, MailAuthConfig.KEYS);
    add(paths, HistoryConfig.SECTION, HistoryConfig.KEYS);
    add(paths, ReturnsConfig.SECTION, ReturnsConfig.KEYS);
    add(paths, RecipientsConfig.SECTION, RecipientsConfig.KEYS);
    add(paths, StoreConfig.SECTION, StoreConfig.KEYS);
    add(paths, MtaStsConfig.SECTION, MtaStsConfig.KEYS);
    add(paths, SendmailConfig.SECTION, SendmailConfig.KEYS);
    add(paths, ContentChecksConfig.SECTION, ContentChecksConfig.KEYS);
    add(paths, RecipientsConfig.SECTION + "." + RecipientsConfig.DOMAINS + ".<domain>", RecipientsConfig.DOMAIN_KEYS);
    return List.copyOf(paths);
  }

  private static void add(List<String> paths, String prefix, List<String> keys) {
    keys.forEach(key -> paths.add(prefix + "." + key));
  }
}
