package dev.hikyaku.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The defaults of the top-level keys, those derived from the machine (the hostname and the hosted
 * domains), and the whole default configuration. Each section's defaults sit next to its reader,
 * in the record of the section ({@code Limits.DEFAULTS} ...): one place per key. {@code
 * docs/configuration.md} documents the same values; {@code ConfigLoaderTest} renders {@link
 * #config()} and reads it back, so a default that breaks a rule fails the build.
 */
final class Defaults {

  private static final Logger log = LoggerFactory.getLogger(Defaults.class);

  private Defaults() {}

  /** Relative to the working directory of the server process. */
  static final Path DATA_DIRECTORY = Path.of("data");

  /** Under the data directory: where a generated self-signed certificate is kept. */
  static final String SELF_SIGNED_TLS_SUBDIRECTORY = "tls";

  /** Used when the machine's own name cannot be found; also always a hosted domain by default. */
  static final String LOCALHOST = "localhost";

  /** Hosted domain {@code d} without a route is delivered to {@code <data-directory>/mail/d}. */
  static final String MAIL_SUBDIRECTORY = "mail";

  /** This machine's host name, looked up once: the lookup may wait for DNS. */
  static String hostname() {
    return Hostname.DETECTED;
  }

  /** The hostname, then {@code localhost}; lower-case, without duplicates. */
  static List<String> hostedDomains(String hostname) {
    List<String> domains = new ArrayList<>();
    for (String domain : List.of(hostname, LOCALHOST)) {
      String lower = domain.toLowerCase(Locale.ROOT);
      if (!domains.contains(lower)) {
        domains.add(lower);
      }
    }
    return List.copyOf(domains);
  }

  /** The configuration used when there is no file, or the file is empty. */
  static HikyakuConfig config() {
    String hostname = hostname();
    return new HikyakuConfig(hostname, DATA_DIRECTORY, ListenerConfig.DEFAULTS, TlsConfig.DEFAULTS, Limits.DEFAULTS,
        hostedDomains(hostname), AuthConfig.DEFAULTS, AbuseConfig.DEFAULTS, RateConfig.DEFAULTS, HttpConfig.DEFAULTS,
        DeliveryConfig.DEFAULTS, MailAuthConfig.DEFAULTS, HistoryConfig.DEFAULTS, ApiConfig.DEFAULTS, ReturnsConfig.DEFAULTS,
        RecipientsConfig.DEFAULTS, StoreConfig.defaults(hostname), MtaStsConfig.DEFAULTS,
        SendmailConfig.DEFAULTS,
        ContentChecksConfig.DEFAULTS);
  }

  /**
   * The canonical name of this machine when it is a usable domain name, else {@code localhost}. A
   * machine without reverse DNS reports its IP address as its canonical name; an IP address is not
   * a valid EHLO domain (RFC 5321 §4.1.1.1 wants a domain or an address literal), so it is not
   * used.
   */
  static String hostnameFrom(Callable<String> lookup) {
    try {
      String name = lookup.call();
      if (name != null && HostSyntax.domainProblem(name).isEmpty()) {
        return name.toLowerCase(Locale.ROOT);
      }
      log.warn(
          "Host name '{}' is not a domain name; using '{}'. Set hostname: in the config.",
          name,
          LOCALHOST);
    } catch (Exception e) {
      log.warn(
          "Cannot find this machine's host name ({}); using '{}'. Set hostname: in the config.",
          e.toString(),
          LOCALHOST);
    }
    return LOCALHOST;
  }

  private static final class Hostname {
    static final String DETECTED = hostnameFrom(() -> canonicalLocalHostName());

    private static String canonicalLocalHostName() throws UnknownHostException {
      return InetAddress.getLocalHost().getCanonicalHostName();
    }
  }
}
