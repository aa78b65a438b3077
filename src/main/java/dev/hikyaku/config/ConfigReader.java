package dev.hikyaku.config;

import dev.hikyaku.auth.PasswordPolicy;
import dev.hikyaku.config.YamlNode.Sequence;
import dev.hikyaku.config.YamlNode.Text;
import dev.hikyaku.config.YamlNode.WholeNumber;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsEngineKind;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns a parsed document into a {@link HikyakuConfig}: each key the file gives overrides the value
 * from {@link Defaults}, is checked for type and rule, and any error names its key path and line.
 * The rules live here, next to the key they check; the defaults live only in {@link Defaults}.
 */
final class ConfigReader {

  static final int MIN_PORT = 1;
  static final int MAX_PORT = 65535;

  // RFC 5321 §4.5.3.1.7: a server must accept message content of at least 64K octets.
  static final long MIN_MESSAGE_SIZE = 64 * 1024;
  // RFC 5321 §4.5.3.1.8: a server must accept at least 100 recipients per transaction.
  static final int MIN_RECIPIENTS = 100;

  // Timeouts below a second only make sense in tests, which build Limits directly.
  private static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);
  // Socket read timeouts are int milliseconds (Socket#setSoTimeout); a day is well inside that.
  private static final Duration MAX_TIMEOUT = Duration.ofDays(1);
  // RFC 5321 §4.5.3.2.1: a client waits 5 minutes for the 220 greeting, so a longer delay loses
  // every client, not just impatient ones.
  private static final Duration MAX_GREETING_DELAY = Duration.ofMinutes(5);

  private static final String ADDRESS_FORMS =
      "expected an IP address such as 0.0.0.0, 127.0.0.1 or \"::\" (IPv6 in quotes)";

  // Argon2id memory: below 8 MiB the hash is cheap to attack on GPUs; above 1 GiB a handful of
  // concurrent logins can exhaust the heap (each verification in progress holds this much).
  private static final long MIN_ARGON2_MEMORY = 8L * 1024 * 1024;
  private static final long MAX_ARGON2_MEMORY = 1024L * 1024 * 1024;
  private static final int MAX_ARGON2_PARALLELISM = 16;
  // RFC 7677 §4: the SCRAM-SHA-256 iteration count SHOULD be at least 4096.
  static final int MIN_SCRAM_ITERATIONS = 4096;
  // A cached verification outlives a password change on another node by up to this long.
  private static final Duration MAX_CACHE_TTL = Duration.ofHours(1);
  // Tokens live minutes; a larger allowance would keep expired tokens usable.
  private static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(10);

  private static final Duration MAX_VERIFY_TIMEOUT = Duration.ofMinutes(4);
  // Postfix keeps a verified address 31 days; longer would outlive most mailbox changes unseen.
  private static final Duration MAX_VERIFY_TTL = Duration.ofDays(31);

  // Listener names appear in logs and as metric labels.
  private static final Pattern LISTENER_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private final String sourceName;

  private ConfigReader(String sourceName) {
    this.sourceName = sourceName;
  }

  static HikyakuConfig read(YamlNode root, String sourceName) throws ConfigException {
    return new ConfigReader(sourceName).config(root);
  }

  private HikyakuConfig config(YamlNode root) throws ConfigException {
    Section top = Section.open(root, "", Keys.TOP_LEVEL, sourceName);

    String hostname = top.get(Keys.HOSTNAME).isPresent() ? hostname(top) : Defaults.hostname();
    Path dataDirectory =
        top.get(Keys.DATA_DIRECTORY).isPresent()
            ? path(top.get(Keys.DATA_DIRECTORY).get(), top.path(Keys.DATA_DIRECTORY))
            : Defaults.DATA_DIRECTORY;
    List<String> hostedDomains =
        top.get(Keys.HOSTED_DOMAINS).isPresent()
            ? hostedDomains(top.get(Keys.HOSTED_DOMAINS).get(), top.path(Keys.HOSTED_DOMAINS))
            : Defaults.hostedDomains(hostname);
    List<ListenerConfig> listeners =
        top.get(Keys.LISTENERS).isPresent()
            ? listeners(top.get(Keys.LISTENERS).get(), top.path(Keys.LISTENERS))
            : Defaults.listeners();
    TlsConfig tls = tls(Section.open(node(top, Keys.TLS), Keys.TLS, Keys.TLS_SECTION, sourceName));
    Limits limits =
        limits(Section.open(node(top, Keys.LIMITS), Keys.LIMITS, Keys.LIMITS_SECTION, sourceName));
    AuthConfig auth =
        auth(Section.open(node(top, Keys.AUTH), Keys.AUTH, Keys.AUTH_SECTION, sourceName));
    AbuseConfig abuse =
        abuse(Section.open(node(top, Keys.ABUSE), Keys.ABUSE, Keys.ABUSE_SECTION, sourceName));
    RateConfig rates =
        rates(Section.open(node(top, Keys.RATES), Keys.RATES, Keys.RATES_SECTION, sourceName));
    Section httpSection = Section.open(node(top, Keys.HTTP), Keys.HTTP, Keys.HTTP_SECTION, sourceName);
    HttpConfig http = http(httpSection);
    Optional<String> clash = ListenerClash.withHttp(listeners, http);
    if (clash.isPresent()) {
      YamlNode where = httpSection.get(Keys.PORT).orElse(node(top, Keys.HTTP));
      throw error(httpSection.path(Keys.PORT), where, clash.get());
    }
    Section apiSection = Section.open(node(top, Keys.API), Keys.API, Keys.API_SECTION, sourceName);
    ApiConfig api = api(apiSection);
    Optional<String> apiClash = ListenerClash.withApi(listeners, http, api);
    if (apiClash.isPresent()) {
      YamlNode where = apiSection.get(Keys.PORT).orElse(node(top, Keys.API));
      throw error(apiSection.path(Keys.PORT), where, apiClash.get());
    }
    DeliveryConfig delivery =
        delivery(Section.open(node(top, Keys.DELIVERY), Keys.DELIVERY, Keys.DELIVERY_SECTION, sourceName), top);
    Section mailAuth = Section.open(node(top, Keys.MAIL_AUTH), Keys.MAIL_AUTH, Keys.MAIL_AUTH_SECTION, sourceName);
    MailAuthConfig m = Defaults.MAIL_AUTH;
    return new HikyakuConfig(
        hostname, dataDirectory, listeners, tls, limits, hostedDomains, auth, abuse, rates, http, delivery,
        new MailAuthConfig(
            mailAuth.get(Keys.VERIFY).isPresent() ? bool(mailAuth.get(Keys.VERIFY).get(), mailAuth.path(Keys.VERIFY)) : m.isVerifying(),
            choice(mailAuth, Keys.DMARC_REJECT, MailAuthConfig.ACTIONS, m.dmarcReject()),
            choice(mailAuth, Keys.DMARC_QUARANTINE, MailAuthConfig.ACTIONS, m.dmarcQuarantine()),
            timeout(mailAuth, Keys.MAIL_AUTH_TIMEOUT, m.timeout(), Duration.ofSeconds(1))),
        history(Section.open(node(top, Keys.HISTORY), Keys.HISTORY, Keys.HISTORY_SECTION, sourceName)),
        api,
        returns(Section.open(node(top, Keys.RETURNS), Keys.RETURNS, Keys.RETURNS_SECTION, sourceName), hostedDomains,
            delivery),
        recipients(Section.open(node(top, Keys.RECIPIENTS), Keys.RECIPIENTS, Keys.RECIPIENTS_SECTION, sourceName),
            hostedDomains));
  }

  // ---- recipients ----

  /**
   * {@code recipients}: verification timeouts and the harvest threshold, and per hosted domain a
   * catch-all or a list of local parts. Only hosted domains: any other domain's recipients are not
   * ours to list.
   */
  private RecipientsConfig recipients(Section recipients, List<String> hostedDomains) throws ConfigException {
    RecipientsConfig d = Defaults.RECIPIENTS;
    Map<String, RecipientsConfig.Domain> domains =
        byDomain(recipients, Keys.DOMAINS, Keys.RECIPIENT_DOMAIN_SECTION, "recipient settings", this::recipientDomain);
    YamlNode given = recipients.get(Keys.DOMAINS).orElse(null);
    for (String domain : domains.keySet()) {
      if (hostedDomains.stream().noneMatch(domain::equalsIgnoreCase)) {
        YamlNode where = given instanceof YamlNode.Mapping mapping ? mapping.entries().entrySet().stream()
            .filter(e -> e.getKey().equalsIgnoreCase(domain)).findFirst().map(Map.Entry::getValue).orElse(given) : given;
        throw error(recipients.path(Keys.DOMAINS) + "." + domain, where,
            "'" + domain + "' is not one of " + Keys.HOSTED_DOMAINS + "; only a hosted domain's recipients are listed here");
      }
    }
    return new RecipientsConfig(
        // RFC 5321 §4.5.3.2.3: the client waits 5 minutes for the RCPT reply; the check must end first.
        timeout(recipients, Keys.VERIFY_TIMEOUT, d.verifyTimeout(), MIN_TIMEOUT, MAX_VERIFY_TIMEOUT,
            " (a client waits 5 minutes for its RCPT reply, RFC 5321 §4.5.3.2.3)"),
        timeout(recipients, Keys.VERIFY_POSITIVE_TTL, d.verifyPositiveTtl(), MIN_TIMEOUT, MAX_VERIFY_TTL, ""),
        timeout(recipients, Keys.VERIFY_NEGATIVE_TTL, d.verifyNegativeTtl(), MIN_TIMEOUT, MAX_VERIFY_TTL, ""),
        positive(recipients, Keys.HARVEST_THRESHOLD, d.harvestThreshold()),
        domains);
  }

  /** One {@code recipients.domains.<domain>} entry: {@code catch-all: true}, or {@code local-parts}. */
  private RecipientsConfig.Domain recipientDomain(Section entry, YamlNode where) throws ConfigException {
    boolean isCatchAll = entry.get(Keys.CATCH_ALL).isPresent()
        && bool(entry.get(Keys.CATCH_ALL).get(), entry.path(Keys.CATCH_ALL));
    List<String> localParts = new ArrayList<>();
    if (entry.get(Keys.LOCAL_PARTS).isPresent()) {
      String path = entry.path(Keys.LOCAL_PARTS);
      for (YamlNode item : list(entry.get(Keys.LOCAL_PARTS).get(), path, "local parts")) {
        String local = text(item, path);
        if (local.indexOf('@') >= 0 || local.chars().anyMatch(Character::isISOControl)) {
          throw error(path, item, "'" + local + "' is not a local part: write it without @domain, such as info");
        }
        localParts.add(local.toLowerCase(Locale.ROOT));
      }
    }
    if (isCatchAll && !localParts.isEmpty()) {
      throw error(entry.path(Keys.LOCAL_PARTS), entry.get(Keys.LOCAL_PARTS).get(),
          "a catch-all domain takes every local part already; give catch-all: true or local-parts, not both");
    }
    if (!isCatchAll && localParts.isEmpty()) {
      throw error(entry.path(), where, "expected catch-all: true or a list of local-parts");
    }
    return new RecipientsConfig.Domain(isCatchAll, localParts);
  }

  // ---- returns ----

  /**
   * {@code returns}: {@code domain} is required when {@code enabled}, and is a domain of its own:
   * every address at it is a return path (or the feedback address, or postmaster), so it can be
   * neither a hosted domain (whose mailboxes it would swallow) nor one with a delivery route (whose
   * mail would leave instead of being read). {@code feedback-address} is an address at it.
   */
  private ReturnsConfig returns(Section returns, List<String> hostedDomains, DeliveryConfig delivery)
      throws ConfigException {
    ReturnsConfig d = Defaults.RETURNS;
    boolean isEnabled = returns.get(Keys.ENABLED).isPresent()
        ? bool(returns.get(Keys.ENABLED).get(), returns.path(Keys.ENABLED)) : d.isEnabled();
    Optional<String> domain = d.domain();
    if (returns.get(Keys.DOMAIN).isPresent()) {
      YamlNode node = returns.get(Keys.DOMAIN).get();
      String name = text(node, returns.path(Keys.DOMAIN));
      Optional<String> problem = HostSyntax.domainProblem(name);
      if (problem.isPresent()) {
        throw error(returns.path(Keys.DOMAIN), node, problem.get());
      }
      String lower = name.toLowerCase(Locale.ROOT);
      if (hostedDomains.contains(lower)) {
        throw error(returns.path(Keys.DOMAIN), node, "'" + name + "' is a hosted domain (" + Keys.HOSTED_DOMAINS
            + "); every address at the returns domain is a return path, so give it a domain of its own, such as bounce."
            + name);
      }
      if (delivery.routes().keySet().stream().anyMatch(lower::equalsIgnoreCase)) {
        throw error(returns.path(Keys.DOMAIN), node, "'" + name + "' has a route in " + Keys.DELIVERY + "." + Keys.ROUTES
            + "; the returns domain's mail is read here, not delivered elsewhere");
      }
      domain = Optional.of(lower);
    }
    if (isEnabled && domain.isEmpty()) {
      throw error(returns.path(Keys.DOMAIN), returns.get(Keys.ENABLED).orElseThrow(),
          "required when " + returns.path(Keys.ENABLED) + " is true: the domain of the VERP return paths,"
              + " such as bounce.example.com, whose MX is this server");
    }
    Optional<String> feedback = d.feedbackAddress();
    if (returns.get(Keys.FEEDBACK_ADDRESS).isPresent()) {
      YamlNode node = returns.get(Keys.FEEDBACK_ADDRESS).get();
      String address = text(node, returns.path(Keys.FEEDBACK_ADDRESS));
      int at = address.lastIndexOf('@');
      String local = at < 0 ? "" : address.substring(0, at);
      if (domain.isEmpty() || at < 0 || !address.substring(at + 1).equalsIgnoreCase(domain.get())) {
        throw error(returns.path(Keys.FEEDBACK_ADDRESS), node, "expected an address at " + returns.path(Keys.DOMAIN)
            + domain.map(n -> " (" + n + ")").orElse(", which is not set") + ", such as fbl@" + domain.orElse("bounce.example.com")
            + "; was '" + address + "'");
      }
      // RFC 5321 §4.1.2: a Dot-string local part; the VERP prefix belongs to the return paths.
      if (!FEEDBACK_LOCAL_PART.matcher(local).matches() || local.toLowerCase(Locale.ROOT).startsWith("bounces+")) {
        throw error(returns.path(Keys.FEEDBACK_ADDRESS), node, "expected a plain local part such as fbl"
            + " (letters, digits, '.', '_', '-'; not starting with bounces+, which the return paths use), was '" + local + "'");
      }
      feedback = Optional.of(local.toLowerCase(Locale.ROOT) + "@" + domain.get());
    }
    return new ReturnsConfig(isEnabled, domain, feedback);
  }

  private static final Pattern FEEDBACK_LOCAL_PART = Pattern.compile("[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)*");

  // ---- history ----

  // A day at least: the history answers "what became of the mail I sent today?", and pruning runs
  // in the background, not to the minute. Ten years at most keeps every cutoff a valid instant.
  private static final Duration MIN_HISTORY_RETENTION = Duration.ofDays(1);
  private static final Duration MAX_HISTORY_RETENTION = Duration.ofDays(3650);

  private HistoryConfig history(Section history) throws ConfigException {
    if (history.get(Keys.RETENTION).isEmpty()) {
      return Defaults.HISTORY;
    }
    YamlNode node = history.get(Keys.RETENTION).get();
    String path = history.path(Keys.RETENTION);
    return new HistoryConfig(within(duration(node, path), node, path, MIN_HISTORY_RETENTION, MAX_HISTORY_RETENTION, ""));
  }

  // ---- delivery ----

  private static final List<String> DELIVERY_TLS = List.of("opportunistic", "require", "verify");
  private static final List<String> SMARTHOST_TLS = List.of("starttls", "implicit");
  private static final List<String> ROUTE_TLS = List.of("opportunistic", "require", "verify", "implicit");

  private DeliveryConfig delivery(Section delivery, Section top) throws ConfigException {
    DeliveryConfig d = Defaults.DELIVERY;
    boolean isEnabled =
        delivery.get(Keys.ENABLED).isPresent()
            ? bool(delivery.get(Keys.ENABLED).get(), delivery.path(Keys.ENABLED))
            : d.isEnabled();
    List<java.net.InetSocketAddress> dnsServers = d.dnsServers();
    if (delivery.get(Keys.DNS_SERVERS).isPresent()) {
      String path = delivery.path(Keys.DNS_SERVERS);
      List<YamlNode> items = list(delivery.get(Keys.DNS_SERVERS).get(), path, "IP addresses");
      List<java.net.InetSocketAddress> servers = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        String itemPath = path + "[" + i + "]";
        servers.add(dnsServer(text(items.get(i), itemPath), itemPath, items.get(i)));
      }
      dnsServers = List.copyOf(servers);
    }
    int mxPort =
        delivery.get(Keys.MX_PORT).isPresent()
            ? integer(delivery.get(Keys.MX_PORT).get(), delivery.path(Keys.MX_PORT), MIN_PORT, MAX_PORT, "")
            : d.mxPort();
    String tlsPolicy = choice(delivery, "tls", DELIVERY_TLS, d.tls());
    Duration retryFirst = timeout(delivery, Keys.RETRY_FIRST, d.retryFirst(), Duration.ofSeconds(1));
    Duration retryCap = timeout(delivery, Keys.RETRY_CAP, d.retryCap(), Duration.ofSeconds(1));
    if (retryCap.compareTo(retryFirst) < 0) {
      throw orderError(delivery, Keys.RETRY_FIRST, retryFirst, Keys.RETRY_CAP, retryCap);
    }
    Duration maxLifetime = d.maxLifetime();
    if (delivery.get(Keys.MAX_LIFETIME).isPresent()) {
      YamlNode node = delivery.get(Keys.MAX_LIFETIME).get();
      maxLifetime = within(duration(node, delivery.path(Keys.MAX_LIFETIME)), node, delivery.path(Keys.MAX_LIFETIME),
          Duration.ofMinutes(1), Duration.ofDays(30), "");
    }
    Optional<DeliveryConfig.Smarthost> smarthost = Optional.empty();
    if (delivery.get(Keys.SMARTHOST).isPresent()) {
      Section relay =
          Section.open(delivery.get(Keys.SMARTHOST).get(), delivery.path(Keys.SMARTHOST), Keys.SMARTHOST_SECTION, sourceName);
      if (relay.get(Keys.HOST).isEmpty()) {
        throw error(relay.path(Keys.HOST), delivery.get(Keys.SMARTHOST).get(), "is required (the smarthost's name)");
      }
      String host = text(relay.get(Keys.HOST).get(), relay.path(Keys.HOST)).strip();
      if (!isHost(host)) {
        // The port has its own key: "smtp.example.net:587" here would be looked up as a name.
        throw error(relay.path(Keys.HOST), relay.get(Keys.HOST).get(),
            "'" + host + "' is neither a host name nor an IP address" + (host.contains(":") ? " (give the port as port:)" : ""));
      }
      String relayTls = choice(relay, "tls", SMARTHOST_TLS, "starttls");
      int port =
          relay.get(Keys.PORT).isPresent()
              ? integer(relay.get(Keys.PORT).get(), relay.path(Keys.PORT), MIN_PORT, MAX_PORT, "")
              : relayTls.equals("implicit") ? 465 : 587; // RFC 8314 §3.3, RFC 6409 §3.1
      Optional<String> user = user(relay);
      Optional<Path> passwordFile = passwordFile(relay, delivery.get(Keys.SMARTHOST).get());
      smarthost = Optional.of(new DeliveryConfig.Smarthost(host, port, relayTls, user, passwordFile));
    }
    return new DeliveryConfig(
        isEnabled,
        dnsServers,
        timeout(delivery, Keys.DNS_TIMEOUT, d.dnsTimeout(), Duration.ofMillis(100)),
        mxPort,
        tlsPolicy,
        positive(delivery, Keys.MAX_PER_DOMAIN, d.maxPerDomain()),
        retryFirst,
        retryCap,
        maxLifetime,
        smarthost,
        routes(delivery),
        delayWarning(delivery, maxLifetime),
        positive(delivery, Keys.MAX_PER_HOST, d.maxPerHost()),
        destinations(delivery),
        suppressStatuses(delivery));
  }

  /**
   * {@code delivery.suppress-statuses}: RFC 3463 statuses of class 5 (only a permanent refusal
   * may suppress a recipient); an empty list turns automatic suppression off.
   */
  private List<String> suppressStatuses(Section delivery) throws ConfigException {
    if (delivery.get(Keys.SUPPRESS_STATUSES).isEmpty()) {
      return Defaults.DELIVERY.suppressStatuses();
    }
    String path = delivery.path(Keys.SUPPRESS_STATUSES);
    List<YamlNode> items = list(delivery.get(Keys.SUPPRESS_STATUSES).get(), path, "enhanced status codes (5.x.y)");
    List<String> statuses = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String itemPath = path + "[" + i + "]";
      String text = text(items.get(i), itemPath).strip();
      var status = dev.hikyaku.protocol.EnhancedStatus.parse(text);
      if (status.isEmpty() || status.get().statusClass() != 5) {
        throw error(itemPath, items.get(i),
            "'" + text + "' is not a permanent enhanced status code (5.x.y, RFC 3463), e.g. 5.1.1");
      }
      statuses.add(status.get().toString());
    }
    return List.copyOf(statuses);
  }

  /** {@code delivery.delay-warning}: a duration shorter than the lifetime, or "off" (the default). */
  private Optional<Duration> delayWarning(Section delivery, Duration maxLifetime) throws ConfigException {
    if (delivery.get(Keys.DELAY_WARNING).isEmpty()) {
      return Defaults.DELIVERY.delayWarning();
    }
    YamlNode node = delivery.get(Keys.DELAY_WARNING).get();
    String path = delivery.path(Keys.DELAY_WARNING);
    // "off" is text in YAML 1.2 and a boolean in YAML 1.1; either way it means no warning.
    if (node instanceof YamlNode.Text text && text.value().equals("off")
        || node instanceof YamlNode.Bool flag && !flag.value()) {
      return Optional.empty();
    }
    Duration warning = within(duration(node, path), node, path, Duration.ofMinutes(1), maxLifetime.minusSeconds(1),
        " (or off); shorter than max-lifetime");
    return Optional.of(warning);
  }

  /** An SMTP AUTH user name; {@link #passwordFile} checks that the two come together. */
  private Optional<String> user(Section section) throws ConfigException {
    return section.get(Keys.USER).isPresent()
        ? Optional.of(text(section.get(Keys.USER).get(), section.path(Keys.USER)))
        : Optional.empty();
  }

  /** The file holding the password for {@code user}: readable now, and given exactly when a user is. */
  private Optional<Path> passwordFile(Section section, YamlNode where) throws ConfigException {
    Optional<Path> passwordFile = Optional.empty();
    if (section.get(Keys.PASSWORD_FILE).isPresent()) {
      Path file = path(section.get(Keys.PASSWORD_FILE).get(), section.path(Keys.PASSWORD_FILE));
      if (!java.nio.file.Files.isReadable(file)) {
        throw error(section.path(Keys.PASSWORD_FILE), section.get(Keys.PASSWORD_FILE).get(), "cannot read " + file);
      }
      passwordFile = Optional.of(file);
    }
    if (section.get(Keys.USER).isPresent() != passwordFile.isPresent()) {
      throw error(section.path(Keys.USER), where, "user and password-file go together");
    }
    return passwordFile;
  }

  /** Reads one entry of a per-domain mapping: its section, and the node for errors. */
  @FunctionalInterface
  private interface DomainEntry<T> {
    T read(Section entry, YamlNode where) throws ConfigException;
  }

  /**
   * {@code delivery.<key>}: a mapping from domain names (checked, lower-cased, each once: RFC 1035
   * §2.3.3, domain names compare case-insensitively) to sections with {@code keys}, in file order.
   */
  private <T> Map<String, T> byDomain(Section delivery, String key, List<String> keys, String what, DomainEntry<T> reader)
      throws ConfigException {
    if (delivery.get(key).isEmpty()) {
      return Map.of();
    }
    YamlNode node = delivery.get(key).get();
    String path = delivery.path(key);
    if (!(node instanceof YamlNode.Mapping mapping)) {
      throw error(path, node, "expected a mapping of domain names to " + what + ", was " + node.describe());
    }
    Map<String, T> entries = new java.util.LinkedHashMap<>();
    for (var entry : mapping.entries().entrySet()) {
      String domainPath = path + "." + entry.getKey();
      YamlNode where = entry.getValue();
      Optional<String> problem = HostSyntax.domainProblem(entry.getKey());
      if (problem.isPresent()) {
        throw error(domainPath, where, problem.get());
      }
      String domain = entry.getKey().toLowerCase(Locale.ROOT);
      if (entries.containsKey(domain)) {
        throw error(domainPath, where, what + " for " + domain + " are already given (domains ignore case)");
      }
      entries.put(domain, reader.read(Section.open(where, domainPath, keys, sourceName), where));
    }
    return entries;
  }

  /** {@code delivery.destinations}: domain → {tls, concurrency, messages-per-minute}. */
  private Map<String, DeliveryConfig.Destination> destinations(Section delivery) throws ConfigException {
    return byDomain(delivery, Keys.DESTINATIONS, Keys.DESTINATION_SECTION, "settings", (settings, where) -> {
      Optional<String> tls = settings.get("tls").isPresent()
          ? Optional.of(choice(settings, "tls", DELIVERY_TLS, "opportunistic")) : Optional.empty();
      Optional<Integer> concurrency = settings.get(Keys.CONCURRENCY).isPresent()
          ? Optional.of(positive(settings, Keys.CONCURRENCY, 1)) : Optional.empty();
      Optional<Integer> rate = settings.get(Keys.DESTINATION_MESSAGES_PER_MINUTE).isPresent()
          ? Optional.of(positive(settings, Keys.DESTINATION_MESSAGES_PER_MINUTE, 1)) : Optional.empty();
      if (tls.isEmpty() && concurrency.isEmpty() && rate.isEmpty()) {
        throw error(settings.path(), where, "expected one or more of tls, concurrency, messages-per-minute");
      }
      return new DeliveryConfig.Destination(tls, concurrency, rate);
    });
  }

  /** {@code delivery.routes}: domain → one of {smtp, tls, user, password-file}, {lmtp} or {maildir}. */
  private Map<String, DeliveryConfig.Route> routes(Section delivery) throws ConfigException {
    return byDomain(delivery, Keys.ROUTES, Keys.ROUTE_SECTION, "routes", this::route);
  }

  private DeliveryConfig.Route route(Section route, YamlNode where) throws ConfigException {
    List<String> types = Keys.ROUTE_SECTION.stream()
        .filter(k -> List.of(Keys.SMTP, Keys.LMTP, Keys.MAILDIR).contains(k) && route.get(k).isPresent())
        .toList();
    if (types.isEmpty()) {
      throw error(route.path(), where, "expected one of smtp: \"host:port\", lmtp: \"host:port\" or maildir: /path");
    }
    if (types.size() > 1) {
      throw error(route.path(types.get(1)), route.get(types.get(1)).get(),
          "a route has one type, and " + types.getFirst() + " is already given");
    }
    String type = types.getFirst();
    if (!type.equals(Keys.SMTP)) {
      for (String key : List.of("tls", Keys.USER, Keys.PASSWORD_FILE)) {
        if (route.get(key).isPresent()) {
          throw error(route.path(key), route.get(key).get(), "applies to smtp routes only (lmtp is plaintext on a trusted network)");
        }
      }
    }
    YamlNode value = route.get(type).get();
    return switch (type) {
      case Keys.SMTP -> {
        String tls = choice(route, "tls", ROUTE_TLS, "opportunistic");
        // RFC 5321 §4.5.4.2 port 25; RFC 8314 §3.3 port 465 for implicit TLS.
        var hostPort = hostPort(value, route.path(Keys.SMTP), tls.equals("implicit") ? 465 : 25);
        Optional<String> user = user(route);
        Optional<Path> passwordFile = passwordFile(route, where);
        if (user.isPresent() && !(tls.equals("verify") || tls.equals("implicit"))) {
          // RFC 8314 §5.1 / RFC 7817: a password goes only to a server whose certificate verifies.
          throw error(route.path(Keys.USER), route.get(Keys.USER).get(),
              "credentials need tls: verify or tls: implicit (a password goes only to a verified server), tls is " + tls);
        }
        yield new DeliveryConfig.Route.Smtp(hostPort.getKey(), hostPort.getValue(), tls, user, passwordFile);
      }
      case Keys.LMTP -> {
        // RFC 2033 §5: LMTP must not use port 25; there is no standard port, so it must be given.
        var hostPort = hostPort(value, route.path(Keys.LMTP), 0);
        yield new DeliveryConfig.Route.Lmtp(hostPort.getKey(), hostPort.getValue());
      }
      default -> {
        Path directory = path(value, route.path(Keys.MAILDIR));
        if (!directory.isAbsolute()) {
          throw error(route.path(Keys.MAILDIR), value, "'" + directory + "' must be an absolute path");
        }
        yield new DeliveryConfig.Route.Maildir(directory);
      }
    };
  }

  /** A host name or an IP address (RFC 1123 §2.1), as a next hop may be given. */
  private static boolean isHost(String text) {
    return HostSyntax.ipLiteral(text).isPresent() || HostSyntax.domainProblem(text).isEmpty();
  }

  private static final Pattern HOST_PORT = Pattern.compile("^(\\[[^\\]]+\\]|[^:\\[\\]]+)(?::(\\d{1,5}))?$");

  /** "host", "host:port" or "[v6]:port"; {@code defaultPort} 0 means the port is required. */
  private Map.Entry<String, Integer> hostPort(YamlNode node, String path, int defaultPort) throws ConfigException {
    String text = text(node, path).strip();
    java.util.regex.Matcher m = HOST_PORT.matcher(text);
    String forms = defaultPort == 0 ? "host:port" : "host or host:port";
    if (!m.matches()) {
      throw error(path, node, "expected " + forms + " ([v6]:port for an IPv6 address), was '" + text + "'");
    }
    String host = m.group(1);
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (host.startsWith("[") ? HostSyntax.ipLiteral(bare).isEmpty() : !isHost(bare)) {
      throw error(path, node, "'" + bare + "' is neither a host name nor an IP address");
    }
    if (m.group(2) == null) {
      if (defaultPort == 0) {
        throw error(path, node, "expected " + forms + ", the port is missing in '" + text + "'");
      }
      return Map.entry(bare, defaultPort);
    }
    int port = Integer.parseInt(m.group(2));
    if (port < MIN_PORT || port > MAX_PORT) {
      throw error(path, node, "port must be 1..65535, was " + port);
    }
    return Map.entry(bare, port);
  }

  /** "192.0.2.53", "192.0.2.53:5353", "::1" or "[::1]:5353" (port 53 when none is given). */
  private java.net.InetSocketAddress dnsServer(String text, String path, YamlNode node) throws ConfigException {
    String host = text;
    int port = 53;
    java.util.regex.Matcher withPort = java.util.regex.Pattern.compile("^\\[?([^\\]]+?)\\]?:(\\d{1,5})$").matcher(text);
    if (withPort.matches() && (text.startsWith("[") || text.chars().filter(c -> c == ':').count() == 1)) {
      host = withPort.group(1);
      port = Integer.parseInt(withPort.group(2));
      if (port < MIN_PORT || port > MAX_PORT) {
        throw error(path, node, "port must be 1..65535, was " + port);
      }
    }
    String address = host;
    InetAddress ip =
        HostSyntax.ipLiteral(address)
            .orElseThrow(() -> error(path, node, ADDRESS_FORMS + " (with an optional :port), was '" + text + "'"));
    return new java.net.InetSocketAddress(ip, port);
  }

  private String choice(Section section, String key, List<String> allowed, String fallback) throws ConfigException {
    if (section.get(key).isEmpty()) {
      return fallback;
    }
    String value = text(section.get(key).get(), section.path(key)).toLowerCase(Locale.ROOT);
    if (!allowed.contains(value)) {
      throw error(section.path(key), section.get(key).get(), "must be one of " + String.join(", ", allowed) + ", was '" + value + "'");
    }
    return value;
  }

  // ---- rates ----

  private RateConfig rates(Section rates) throws ConfigException {
    RateConfig d = Defaults.RATES;
    return new RateConfig(
        positive(rates, Keys.CONNECTIONS_PER_MINUTE, d.connectionsPerMinute()),
        positive(rates, Keys.MESSAGES_PER_MINUTE, d.messagesPerMinute()),
        positive(rates, Keys.RECIPIENTS_PER_MINUTE, d.recipientsPerMinute()),
        positive(rates, Keys.ACCOUNT_MESSAGES_PER_MINUTE, d.accountMessagesPerMinute()),
        positive(rates, Keys.ACCOUNT_RECIPIENTS_PER_MINUTE, d.accountRecipientsPerMinute()),
        positive(rates, Keys.ACCOUNT_MESSAGES_PER_HOUR, d.accountMessagesPerHour()),
        positive(rates, Keys.ACCOUNT_MESSAGES_PER_DAY, d.accountMessagesPerDay()),
        positive(rates, Keys.SUSPEND_VOLUME_FACTOR, d.suspendVolumeFactor()),
        positive(rates, Keys.SUSPEND_VOLUME_MINIMUM, d.suspendVolumeMinimum()),
        positive(rates, Keys.SUSPEND_NEW_DOMAINS, d.suspendNewDomains()));
  }

  // ---- abuse ----

  private AbuseConfig abuse(Section abuse) throws ConfigException {
    AbuseConfig d = Defaults.ABUSE;
    Duration tarpit = timeout(abuse, Keys.TARPIT, d.tarpit(), Duration.ZERO);
    Duration tarpitMax = timeout(abuse, Keys.TARPIT_MAX, d.tarpitMax(), Duration.ZERO);
    if (tarpitMax.compareTo(tarpit) < 0) {
      throw orderError(abuse, Keys.TARPIT, tarpit, Keys.TARPIT_MAX, tarpitMax);
    }
    Duration accountTarpitMax = timeout(abuse, Keys.ACCOUNT_TARPIT_MAX, d.accountTarpitMax(), Duration.ZERO);
    if (accountTarpitMax.compareTo(tarpit) < 0) {
      throw orderError(abuse, Keys.TARPIT, tarpit, Keys.ACCOUNT_TARPIT_MAX, accountTarpitMax);
    }
    int accountFailuresPerHour =
        abuse.get(Keys.ACCOUNT_FAILURES_PER_HOUR).isPresent()
            ? integer(
                abuse.get(Keys.ACCOUNT_FAILURES_PER_HOUR).get(),
                abuse.path(Keys.ACCOUNT_FAILURES_PER_HOUR),
                1,
                100,
                " (NIST SP 800-63B rev. 4 §3.2.2: at most 100 consecutive failures)")
            : d.accountFailuresPerHour();
    return new AbuseConfig(
        tarpit,
        tarpitMax,
        positive(abuse, Keys.ACCOUNT_SOURCE_FAILURES, d.accountSourceFailures()),
        accountFailuresPerHour,
        positive(abuse, Keys.SOURCE_ACCOUNTS, d.sourceAccounts()),
        positive(abuse, Keys.SOURCE_FAILURES_PER_HOUR, d.sourceFailuresPerHour()),
        timeout(abuse, Keys.BLOCK_DURATION, d.blockDuration(), Duration.ofMinutes(1)),
        positive(abuse, Keys.AUTH_PER_MINUTE, d.authPerMinute()),
        positive(abuse, Keys.STUFFING_FACTOR, d.stuffingFactor()),
        positive(abuse, Keys.STUFFING_MINIMUM, d.stuffingMinimum()),
        timeout(abuse, Keys.STUFFING_DELAY, d.stuffingDelay(), Duration.ZERO),
        accountTarpitMax,
        timeout(abuse, Keys.ACCOUNT_TARPIT_WINDOW, d.accountTarpitWindow(), Duration.ofMinutes(1)),
        positive(abuse, Keys.ACCOUNT_ATTACK_FAILURES, d.accountAttackFailures()));
  }

  private static YamlNode node(Section section, String key) {
    return section.get(key).orElse(new YamlNode.Null(0));
  }

  private String hostname(Section top) throws ConfigException {
    YamlNode node = top.get(Keys.HOSTNAME).orElseThrow();
    String name = text(node, Keys.HOSTNAME);
    // RFC 5321 §4.1.1.1: EHLO carries a domain; the 220 greeting (§4.2) and the Received header
    // (§4.4) reuse it, so it must be a domain name, not an address.
    Optional<String> problem = HostSyntax.domainProblem(name);
    if (problem.isPresent()) {
      throw error(Keys.HOSTNAME, node, problem.get());
    }
    return name;
  }

  private List<String> hostedDomains(YamlNode node, String path) throws ConfigException {
    List<YamlNode> items = list(node, path, "domain names");
    List<String> domains = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String itemPath = path + "[" + i + "]";
      String domain = text(items.get(i), itemPath);
      Optional<String> problem = HostSyntax.domainProblem(domain);
      if (problem.isPresent()) {
        throw error(itemPath, items.get(i), problem.get());
      }
      // Domain names compare case-insensitively (RFC 1035 §2.3.3); store one spelling.
      String lower = domain.toLowerCase(Locale.ROOT);
      int earlier = domains.indexOf(lower);
      if (earlier >= 0) {
        throw error(
            itemPath,
            items.get(i),
            "'" + domain + "' is already listed as " + path + "[" + earlier + "]");
      }
      domains.add(lower);
    }
    return List.copyOf(domains);
  }

  private List<ListenerConfig> listeners(YamlNode node, String path) throws ConfigException {
    List<YamlNode> items = list(node, path, "listeners");
    if (items.isEmpty()) {
      throw error(
          path, node, "must hold at least one listener; leave the key out for the default three");
    }
    List<ListenerConfig> listeners = new ArrayList<>();
    Map<String, Integer> indexByName = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      String itemPath = path + "[" + i + "]";
      if (items.get(i) instanceof YamlNode.Null) {
        throw error(itemPath, items.get(i), "empty listener; each needs at least a role");
      }
      Section item = Section.open(items.get(i), itemPath, Keys.LISTENER, sourceName);
      ListenerConfig listener = listener(item, items.get(i));
      Integer sameName = indexByName.putIfAbsent(listener.name(), i);
      if (sameName != null) {
        throw error(
            item.path(Keys.NAME),
            item.get(Keys.NAME).orElse(items.get(i)),
            "'%s' is already the name of %s[%d]; listener names must be unique (%s)"
                .formatted(listener.name(), path, sameName, "set name: on one of them"));
      }
      listeners.add(listener);
    }
    Optional<ListenerClash> clash = ListenerClash.find(listeners);
    if (clash.isPresent()) {
      throw error(clash.get().keyPath(), items.get(clash.get().second()), clash.get().problem());
    }
    return List.copyOf(listeners);
  }

  private ListenerConfig listener(Section item, YamlNode itemNode) throws ConfigException {
    YamlNode roleNode = item.get(Keys.ROLE).orElse(null);
    if (roleNode == null) {
      throw error(item.path(Keys.ROLE), itemNode, "required; one of " + roleNames());
    }
    ListenerRole role = role(text(roleNode, item.path(Keys.ROLE)), item.path(Keys.ROLE), roleNode);

    String name = Defaults.listenerName(role);
    if (item.get(Keys.NAME).isPresent()) {
      YamlNode nameNode = item.get(Keys.NAME).get();
      name = text(nameNode, item.path(Keys.NAME));
      if (!LISTENER_NAME.matcher(name).matches()) {
        throw error(
            item.path(Keys.NAME),
            nameNode,
            "expected 1 to 64 letters, digits, '.', '_' or '-', was '" + name + "'");
      }
    }

    InetAddress address = bindAddress(item, Defaults.LISTENER_ADDRESS);

    int port = Defaults.port(role);
    if (item.get(Keys.PORT).isPresent()) {
      port = integer(item.get(Keys.PORT).get(), item.path(Keys.PORT), MIN_PORT, MAX_PORT, "");
    }

    Duration greetingDelay = Defaults.greetingDelay(role);
    if (item.get(Keys.GREETING_DELAY).isPresent()) {
      YamlNode delayNode = item.get(Keys.GREETING_DELAY).get();
      greetingDelay = duration(delayNode, item.path(Keys.GREETING_DELAY));
      if (greetingDelay.compareTo(MAX_GREETING_DELAY) >= 0) {
        throw error(
            item.path(Keys.GREETING_DELAY),
            delayNode,
            "must be shorter than 5m (clients give up waiting for the greeting after 5 minutes,"
                + " RFC 5321 §4.5.3.2.1), was "
                + DurationSyntax.format(greetingDelay));
      }
    }
    return new ListenerConfig(name, role, address, port, greetingDelay);
  }

  /** The section's {@code address}: an IP literal to bind (host names are not resolved), or the default. */
  private InetAddress bindAddress(Section section, String defaultAddress) throws ConfigException {
    if (section.get(Keys.ADDRESS).isEmpty()) {
      return HostSyntax.ipLiteral(defaultAddress).orElseThrow();
    }
    YamlNode node = section.get(Keys.ADDRESS).get();
    String text = text(node, section.path(Keys.ADDRESS));
    return HostSyntax.ipLiteral(text)
        .orElseThrow(
            () -> error(section.path(Keys.ADDRESS), node, ADDRESS_FORMS + ", was '" + text + "'; host names are not resolved"));
  }

  private ApiConfig api(Section api) throws ConfigException {
    boolean isEnabled =
        api.get(Keys.ENABLED).isPresent() ? bool(api.get(Keys.ENABLED).get(), api.path(Keys.ENABLED)) : Defaults.API_ENABLED;
    InetAddress address = bindAddress(api, Defaults.API_ADDRESS);
    int port =
        api.get(Keys.PORT).isPresent()
            ? integer(api.get(Keys.PORT).get(), api.path(Keys.PORT), MIN_PORT, MAX_PORT, "")
            : Defaults.API_PORT;
    boolean isTls = api.get(Keys.TLS).isPresent() ? bool(api.get(Keys.TLS).get(), api.path(Keys.TLS)) : Defaults.API_TLS;
    if (!isTls && !address.isLoopbackAddress()) {
      throw error(
          api.path(Keys.TLS),
          api.get(Keys.TLS).get(),
          "false is allowed only when " + api.path(Keys.ADDRESS) + " is a loopback address (127.0.0.1 or ::1), not "
              + HostSyntax.text(address) + ": API keys would cross the network in clear text");
    }
    boolean isWebhookPrivateTargetAllowed = api.get(Keys.WEBHOOK_PRIVATE_TARGETS).isPresent()
        ? bool(api.get(Keys.WEBHOOK_PRIVATE_TARGETS).get(), api.path(Keys.WEBHOOK_PRIVATE_TARGETS))
        : Defaults.API_WEBHOOK_PRIVATE_TARGETS;
    int webhookConcurrency = api.get(Keys.WEBHOOK_CONCURRENCY).isPresent()
        ? integer(api.get(Keys.WEBHOOK_CONCURRENCY).get(), api.path(Keys.WEBHOOK_CONCURRENCY), ApiConfig.MIN_WEBHOOK_CONCURRENCY,
            ApiConfig.MAX_WEBHOOK_CONCURRENCY, " requests at once to one webhook endpoint")
        : Defaults.API_WEBHOOK_CONCURRENCY;
    return new ApiConfig(isEnabled, address, port, isTls, isWebhookPrivateTargetAllowed, webhookConcurrency);
  }

  private HttpConfig http(Section http) throws ConfigException {
    boolean isEnabled =
        http.get(Keys.ENABLED).isPresent()
            ? bool(http.get(Keys.ENABLED).get(), http.path(Keys.ENABLED))
            : Defaults.HTTP_ENABLED;
    InetAddress address = bindAddress(http, Defaults.HTTP_ADDRESS);
    int port =
        http.get(Keys.PORT).isPresent()
            ? integer(http.get(Keys.PORT).get(), http.path(Keys.PORT), MIN_PORT, MAX_PORT, "")
            : Defaults.HTTP_PORT;
    return new HttpConfig(isEnabled, address, port);
  }

  private ListenerRole role(String text, String path, YamlNode node) throws ConfigException {
    for (ListenerRole role : ListenerRole.values()) {
      if (role.configName().equalsIgnoreCase(text)) {
        return role;
      }
    }
    throw error(path, node, "unknown role '" + text + "'; known roles: " + roleNames());
  }

  static String roleNames() {
    return Arrays.stream(ListenerRole.values())
        .map(ListenerRole::configName)
        .collect(Collectors.joining(", "));
  }

  private TlsConfig tls(Section tls) throws ConfigException {
    Optional<Path> certificate = readableFile(tls, Keys.CERTIFICATE);
    Optional<Path> privateKey = readableFile(tls, Keys.PRIVATE_KEY);
    // A certificate is useless without its key and the other way round; refusing half a pair
    // beats silently serving a self-signed certificate the operator did not want.
    if (certificate.isPresent() && privateKey.isEmpty()) {
      throw error(
          tls.path(Keys.PRIVATE_KEY),
          tls.get(Keys.CERTIFICATE).orElseThrow(),
          "required when "
              + tls.path(Keys.CERTIFICATE)
              + " is set (give both, or neither for a self-signed certificate)");
    }
    if (privateKey.isPresent() && certificate.isEmpty()) {
      throw error(
          tls.path(Keys.CERTIFICATE),
          tls.get(Keys.PRIVATE_KEY).orElseThrow(),
          "required when "
              + tls.path(Keys.PRIVATE_KEY)
              + " is set (give both, or neither for a self-signed certificate)");
    }
    Duration reloadCheckInterval = Defaults.TLS_RELOAD_CHECK_INTERVAL;
    if (tls.get(Keys.RELOAD_CHECK_INTERVAL).isPresent()) {
      YamlNode node = tls.get(Keys.RELOAD_CHECK_INTERVAL).get();
      reloadCheckInterval = duration(node, tls.path(Keys.RELOAD_CHECK_INTERVAL));
      // 0s turns the watcher off; otherwise a sub-second poll would only burn CPU.
      if (!reloadCheckInterval.isZero()) {
        within(
            reloadCheckInterval,
            node,
            tls.path(Keys.RELOAD_CHECK_INTERVAL),
            MIN_TIMEOUT,
            MAX_TIMEOUT,
            " (or 0s to turn checking off)");
      }
    }
    return new TlsConfig(certificate, privateKey, reloadCheckInterval, tlsEngine(tls));
  }

  private static final List<String> TLS_ENGINES =
      Arrays.stream(TlsEngineKind.values()).map(TlsEngineKind::configName).toList();

  /**
   * {@code tls.engine}. BoringSSL is native code shipped for linux-x86_64 only: where it cannot load,
   * the server refuses to start here rather than fall back to the JDK behind the operator's back.
   */
  private TlsEngineKind tlsEngine(Section tls) throws ConfigException {
    String name = choice(tls, Keys.ENGINE, TLS_ENGINES, Defaults.TLS_ENGINE.configName());
    TlsEngineKind engine = TlsEngineKind.valueOf(name.toUpperCase(Locale.ROOT));
    if (engine == TlsEngineKind.BORINGSSL) {
      Optional<String> unavailable = engine.unavailability();
      if (unavailable.isPresent()) {
        throw error(tls.path(Keys.ENGINE), tls.get(Keys.ENGINE).orElseThrow(),
            "boringssl cannot run here: " + unavailable.get() + "; use jdk (the default)");
      }
    }
    return engine;
  }

  /** A path that must name an existing, readable regular file. The file is not opened here. */
  private Optional<Path> readableFile(Section section, String key) throws ConfigException {
    Optional<YamlNode> node = section.get(key);
    if (node.isEmpty()) {
      return Optional.empty();
    }
    Path file = path(node.get(), section.path(key));
    if (!Files.exists(file)) {
      throw error(section.path(key), node.get(), "file " + file + " does not exist");
    }
    if (!Files.isRegularFile(file)) {
      throw error(section.path(key), node.get(), file + " is not a regular file");
    }
    if (!Files.isReadable(file)) {
      throw error(
          section.path(key), node.get(), "file " + file + " is not readable by this process");
    }
    return Optional.of(file);
  }

  private Limits limits(Section limits) throws ConfigException {
    Limits d = Defaults.LIMITS;
    long maxMessageSize = d.maxMessageSize();
    if (limits.get(Keys.MAX_MESSAGE_SIZE).isPresent()) {
      YamlNode node = limits.get(Keys.MAX_MESSAGE_SIZE).get();
      maxMessageSize = size(node, limits.path(Keys.MAX_MESSAGE_SIZE));
      if (maxMessageSize < MIN_MESSAGE_SIZE) {
        throw error(
            limits.path(Keys.MAX_MESSAGE_SIZE),
            node,
            "must be at least 64KiB (RFC 5321 §4.5.3.1.7), was " + maxMessageSize + " bytes");
      }
    }
    int maxRecipients =
        limits.get(Keys.MAX_RECIPIENTS).isPresent()
            ? integer(
                limits.get(Keys.MAX_RECIPIENTS).get(),
                limits.path(Keys.MAX_RECIPIENTS),
                MIN_RECIPIENTS,
                Integer.MAX_VALUE,
                " (RFC 5321 §4.5.3.1.8)")
            : d.maxRecipients();
    int maxConnections = positive(limits, Keys.MAX_CONNECTIONS, d.maxConnections());
    int maxConnectionsPerClient =
        positive(limits, Keys.MAX_CONNECTIONS_PER_CLIENT, d.maxConnectionsPerClient());
    int maxErrors = positive(limits, Keys.MAX_ERRORS, d.maxErrors());
    Duration commandTimeout =
        timeout(limits, Keys.COMMAND_TIMEOUT, d.commandTimeout(), MIN_TIMEOUT);
    Duration dataTimeout = timeout(limits, Keys.DATA_TIMEOUT, d.dataTimeout(), MIN_TIMEOUT);
    // Unset, the deadline is never shorter than the per-read timeout a config chose.
    Duration dataDeadline = timeout(limits, Keys.DATA_DEADLINE, max(d.dataDeadline(), dataTimeout), MIN_TIMEOUT);
    if (dataDeadline.compareTo(dataTimeout) < 0) {
      YamlNode node = limits.get(Keys.DATA_DEADLINE).or(() -> limits.get(Keys.DATA_TIMEOUT)).orElseThrow();
      throw error(limits.path(Keys.DATA_DEADLINE), node,
          "must be at least data-timeout (" + DurationSyntax.format(dataTimeout) + "), was " + DurationSyntax.format(dataDeadline));
    }
    long minDataRate =
        limits.get(Keys.MIN_DATA_RATE).isPresent()
            ? integer(limits.get(Keys.MIN_DATA_RATE).get(), limits.path(Keys.MIN_DATA_RATE), 0, 1_000_000_000, " octets per second")
            : d.minDataRate();
    Duration tlsHandshakeTimeout =
        timeout(limits, Keys.TLS_HANDSHAKE_TIMEOUT, d.tlsHandshakeTimeout(), MIN_TIMEOUT);
    // 0s: close open sessions at once on shutdown.
    Duration shutdownGrace = timeout(limits, Keys.SHUTDOWN_GRACE, d.shutdownGrace(), Duration.ZERO);
    return new Limits(
        maxMessageSize,
        maxRecipients,
        maxConnections,
        maxConnectionsPerClient,
        maxErrors,
        commandTimeout,
        dataTimeout,
        dataDeadline,
        minDataRate,
        tlsHandshakeTimeout,
        shutdownGrace);
  }

  // ---- auth ----

  private AuthConfig auth(Section auth) throws ConfigException {
    boolean isCramMd5Enabled =
        auth.get(Keys.CRAM_MD5).isPresent()
            ? bool(auth.get(Keys.CRAM_MD5).get(), auth.path(Keys.CRAM_MD5))
            : Defaults.CRAM_MD5_ENABLED;
    Argon2Settings argon2 =
        argon2(
            Section.open(
                node(auth, Keys.ARGON2), auth.path(Keys.ARGON2), Keys.ARGON2_SECTION, sourceName));
    int scramIterations =
        auth.get(Keys.SCRAM_ITERATIONS).isPresent()
            ? integer(
                auth.get(Keys.SCRAM_ITERATIONS).get(),
                auth.path(Keys.SCRAM_ITERATIONS),
                MIN_SCRAM_ITERATIONS,
                Integer.MAX_VALUE,
                " (RFC 7677 §4)")
            : Defaults.SCRAM_ITERATIONS;
    String passwordPolicy = Defaults.PASSWORD_POLICY;
    if (auth.get(Keys.PASSWORD_POLICY).isPresent()) {
      YamlNode node = auth.get(Keys.PASSWORD_POLICY).get();
      String name = text(node, auth.path(Keys.PASSWORD_POLICY));
      passwordPolicy =
          PasswordPolicy.parse(name)
              .map(PasswordPolicy::configName)
              .orElseThrow(
                  () ->
                      error(
                          auth.path(Keys.PASSWORD_POLICY),
                          node,
                          "unknown password policy '"
                              + name
                              + "'; known policies: "
                              + Arrays.stream(PasswordPolicy.values())
                                  .map(PasswordPolicy::configName)
                                  .collect(Collectors.joining(", "))));
    }
    // 0s turns the cache off.
    Duration cacheTtl =
        auth.get(Keys.CACHE_TTL).isPresent()
            ? within(
                duration(auth.get(Keys.CACHE_TTL).get(), auth.path(Keys.CACHE_TTL)),
                auth.get(Keys.CACHE_TTL).get(),
                auth.path(Keys.CACHE_TTL),
                Duration.ZERO,
                MAX_CACHE_TTL,
                "")
            : Defaults.AUTH_CACHE_TTL;
    boolean isNullSenderAllowed =
        auth.get(Keys.NULL_SENDER).isPresent()
            ? bool(auth.get(Keys.NULL_SENDER).get(), auth.path(Keys.NULL_SENDER))
            : Defaults.NULL_SENDER_ALLOWED;
    Optional<OAuthConfig> oauth = Optional.empty();
    if (auth.get(Keys.OAUTH).isPresent()) {
      YamlNode node = auth.get(Keys.OAUTH).get();
      oauth =
          Optional.of(
              oauth(
                  Section.open(node, auth.path(Keys.OAUTH), Keys.OAUTH_SECTION, sourceName), node));
    }
    Section mechanismsSection =
        Section.open(
            node(auth, Keys.MECHANISMS),
            auth.path(Keys.MECHANISMS),
            Keys.MECHANISMS_SECTION,
            sourceName);
    Map<ListenerRole, List<String>> mechanisms = new EnumMap<>(ListenerRole.class);
    for (ListenerRole role : ListenerRole.values()) {
      String key = role.configName();
      mechanisms.put(
          role,
          mechanismsSection.get(key).isPresent()
              ? mechanisms(
                  mechanismsSection.get(key).get(),
                  mechanismsSection.path(key),
                  role,
                  isCramMd5Enabled,
                  oauth.isPresent(),
                  auth)
              : Defaults.mechanisms(role, oauth.isPresent(), isCramMd5Enabled));
    }
    return new AuthConfig(
        mechanisms,
        isCramMd5Enabled,
        argon2,
        scramIterations,
        passwordPolicy,
        cacheTtl,
        isNullSenderAllowed,
        oauth);
  }

  private List<String> mechanisms(
      YamlNode node,
      String path,
      ListenerRole role,
      boolean isCramMd5Enabled,
      boolean hasOAuth,
      Section auth)
      throws ConfigException {
    List<YamlNode> items = list(node, path, "SASL mechanism names");
    if (items.isEmpty() && role.requiresAuthentication()) {
      // RFC 6409 §4.1 (and RFC 8314 for implicit TLS): submission requires AUTH before MAIL, so a
      // submission listener without mechanisms would refuse every message.
      throw error(
          path,
          node,
          "must list at least one mechanism: a "
              + role.configName()
              + " listener requires AUTH before MAIL (RFC 6409 §4.1); to accept no mail there,"
              + " remove the listener");
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String itemPath = path + "[" + i + "]";
      YamlNode item = items.get(i);
      // RFC 4422 §3.1: mechanism names are upper-case; accept any case, keep the registered one.
      String written = text(item, itemPath);
      String name = written.strip().toUpperCase(Locale.ROOT);
      if (!AuthConfig.MECHANISM_NAMES.contains(name)) {
        throw error(
            itemPath,
            item,
            "unknown SASL mechanism '"
                + written
                + "'; known mechanisms: "
                + String.join(", ", AuthConfig.MECHANISM_NAMES));
      }
      int earlier = names.indexOf(name);
      if (earlier >= 0) {
        throw error(
            itemPath, item, "'" + name + "' is already listed as " + path + "[" + earlier + "]");
      }
      if (AuthConfig.TOKEN_MECHANISMS.contains(name) && !hasOAuth) {
        throw error(
            itemPath,
            item,
            name
                + " carries an OAuth 2.0 token, which needs "
                + auth.path(Keys.OAUTH)
                + " (the issuer and its keys); set it or remove "
                + name);
      }
      if (name.equals(AuthConfig.CRAM_MD5) && !isCramMd5Enabled) {
        throw error(
            itemPath,
            item,
            "CRAM-MD5 is turned off: it needs a plaintext-equivalent secret on the server (RFC"
                + " 2195); set "
                + auth.path(Keys.CRAM_MD5)
                + ": true to allow it, or remove it");
      }
      names.add(name);
    }
    return List.copyOf(names);
  }

  private Argon2Settings argon2(Section argon2) throws ConfigException {
    Argon2Settings d = Defaults.ARGON2;
    int memoryKiB = d.memoryKiB();
    if (argon2.get(Keys.MEMORY).isPresent()) {
      YamlNode node = argon2.get(Keys.MEMORY).get();
      long bytes = size(node, argon2.path(Keys.MEMORY));
      if (bytes < MIN_ARGON2_MEMORY || bytes > MAX_ARGON2_MEMORY) {
        throw error(
            argon2.path(Keys.MEMORY),
            node,
            "must be %s..%s, was %s"
                .formatted(
                    SizeSyntax.format(MIN_ARGON2_MEMORY),
                    SizeSyntax.format(MAX_ARGON2_MEMORY),
                    SizeSyntax.format(bytes)));
      }
      // Argon2 counts memory in 1 KiB blocks (RFC 9106 §3.1).
      if (bytes % 1024 != 0) {
        throw error(
            argon2.path(Keys.MEMORY),
            node,
            "must be a whole number of KiB (Argon2 counts 1 KiB blocks), was " + bytes + " bytes");
      }
      memoryKiB = (int) (bytes / 1024);
    }
    int iterations = positive(argon2, Keys.ITERATIONS, d.iterations());
    int parallelism =
        argon2.get(Keys.PARALLELISM).isPresent()
            ? integer(
                argon2.get(Keys.PARALLELISM).get(),
                argon2.path(Keys.PARALLELISM),
                1,
                MAX_ARGON2_PARALLELISM,
                "")
            : d.parallelism();
    return new Argon2Settings(memoryKiB, iterations, parallelism);
  }

  private OAuthConfig oauth(Section oauth, YamlNode oauthNode) throws ConfigException {
    YamlNode issuerNode = oauth.get(Keys.ISSUER).orElse(null);
    if (issuerNode == null) {
      throw error(
          oauth.path(Keys.ISSUER),
          oauthNode,
          "required when "
              + oauth.path()
              + " is set: the token issuer"
              + " ('iss' claim), e.g. https://idp.example.com");
    }
    String issuer = text(issuerNode, oauth.path(Keys.ISSUER));

    Optional<URI> jwksUri = Optional.empty();
    if (oauth.get(Keys.JWKS_URI).isPresent()) {
      YamlNode node = oauth.get(Keys.JWKS_URI).get();
      jwksUri = Optional.of(httpsUri(node, oauth.path(Keys.JWKS_URI)));
    }
    Optional<Path> jwksFile = readableFile(oauth, Keys.JWKS_FILE);
    if (jwksUri.isPresent() && jwksFile.isPresent()) {
      throw error(
          oauth.path(Keys.JWKS_FILE),
          oauth.get(Keys.JWKS_FILE).orElseThrow(),
          "give either "
              + oauth.path(Keys.JWKS_URI)
              + " or "
              + oauth.path(Keys.JWKS_FILE)
              + ", not both");
    }
    if (jwksUri.isEmpty() && jwksFile.isEmpty()) {
      throw error(
          oauth.path(Keys.JWKS_URI),
          oauthNode,
          "required: give "
              + oauth.path(Keys.JWKS_URI)
              + " (the issuer's JWK set, fetched over https) or "
              + oauth.path(Keys.JWKS_FILE)
              + " (a local JWK set file)");
    }

    YamlNode audienceNode = oauth.get(Keys.AUDIENCE).orElse(null);
    if (audienceNode == null) {
      throw error(
          oauth.path(Keys.AUDIENCE),
          oauthNode,
          "required: the 'aud' value (or list of values) tokens must carry for this server");
    }
    List<String> audiences = audiences(audienceNode, oauth.path(Keys.AUDIENCE));

    String accountClaim =
        oauth.get(Keys.ACCOUNT_CLAIM).isPresent()
            ? text(oauth.get(Keys.ACCOUNT_CLAIM).get(), oauth.path(Keys.ACCOUNT_CLAIM)).strip()
            : Defaults.OAUTH_ACCOUNT_CLAIM;
    Duration clockSkew =
        oauth.get(Keys.CLOCK_SKEW).isPresent()
            ? within(
                duration(oauth.get(Keys.CLOCK_SKEW).get(), oauth.path(Keys.CLOCK_SKEW)),
                oauth.get(Keys.CLOCK_SKEW).get(),
                oauth.path(Keys.CLOCK_SKEW),
                Duration.ZERO,
                MAX_CLOCK_SKEW,
                "")
            : Defaults.OAUTH_CLOCK_SKEW;
    return new OAuthConfig(issuer, jwksUri, jwksFile, audiences, accountClaim, clockSkew);
  }

  /** One audience as a string, or several as a list; at least one, no duplicates. */
  private List<String> audiences(YamlNode node, String path) throws ConfigException {
    if (node instanceof Text) {
      return List.of(text(node, path));
    }
    if (!(node instanceof Sequence)) {
      throw error(
          path, node, "expected an audience string or a list of them, was " + node.describe());
    }
    List<YamlNode> items = list(node, path, "audiences");
    if (items.isEmpty()) {
      throw error(path, node, "must hold at least one audience");
    }
    List<String> audiences = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String itemPath = path + "[" + i + "]";
      String audience = text(items.get(i), itemPath);
      int earlier = audiences.indexOf(audience);
      if (earlier >= 0) {
        throw error(
            itemPath,
            items.get(i),
            "'" + audience + "' is already listed as " + path + "[" + earlier + "]");
      }
      audiences.add(audience);
    }
    return List.copyOf(audiences);
  }

  /**
   * An absolute https URL. Plain http is allowed only to a loopback address, where nobody can
   * tamper with the keys in transit (a local test identity provider).
   */
  private URI httpsUri(YamlNode node, String path) throws ConfigException {
    String text = text(node, path).strip();
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw error(path, node, "'" + text + "' is not a valid URI: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!uri.isAbsolute() || uri.getHost() == null) {
      throw error(
          path,
          node,
          "expected an absolute URL such as https://idp.example.com/jwks.json, was '" + text + "'");
    }
    boolean isLoopback =
        uri.getHost().equalsIgnoreCase(Defaults.LOCALHOST)
            || HostSyntax.ipLiteral(uri.getHost().replaceAll("^\\[|\\]$", ""))
                .map(InetAddress::isLoopbackAddress)
                .orElse(false);
    if (!scheme.equals("https") && !(scheme.equals("http") && isLoopback)) {
      throw error(
          path,
          node,
          "must be an https URL (keys fetched without TLS could be replaced in transit; http is"
              + " allowed only to a loopback address), was '"
              + text
              + "'");
    }
    return uri;
  }

  private int positive(Section section, String key, int fallback) throws ConfigException {
    return section.get(key).isPresent()
        ? integer(section.get(key).get(), section.path(key), 1, Integer.MAX_VALUE, "")
        : fallback;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private Duration timeout(Section section, String key, Duration fallback, Duration min)
      throws ConfigException {
    return timeout(section, key, fallback, min, MAX_TIMEOUT, "");
  }

  private Duration timeout(Section section, String key, Duration fallback, Duration min, Duration max, String note)
      throws ConfigException {
    if (section.get(key).isEmpty()) {
      return fallback;
    }
    YamlNode node = section.get(key).get();
    return within(duration(node, section.path(key)), node, section.path(key), min, max, note);
  }

  private Duration within(
      Duration value, YamlNode node, String path, Duration min, Duration max, String note)
      throws ConfigException {
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw error(
          path,
          node,
          "must be %s..%s%s, was %s"
              .formatted(
                  DurationSyntax.format(min),
                  DurationSyntax.format(max),
                  note,
                  DurationSyntax.format(value)));
    }
    return value;
  }

  // ---- types ----

  private String text(YamlNode node, String path) throws ConfigException {
    if (node instanceof Text text) {
      if (text.value().isBlank()) {
        throw error(path, node, "must not be empty");
      }
      return text.value();
    }
    throw error(path, node, "expected a string, was " + node.describe());
  }

  private boolean bool(YamlNode node, String path) throws ConfigException {
    if (node instanceof YamlNode.Bool bool) {
      return bool.value();
    }
    throw error(path, node, "expected true or false, was " + node.describe());
  }

  private List<YamlNode> list(YamlNode node, String path, String ofWhat) throws ConfigException {
    if (node instanceof Sequence sequence) {
      return sequence.items();
    }
    throw error(path, node, "expected a list of " + ofWhat + ", was " + node.describe());
  }

  private int integer(YamlNode node, String path, int min, int max, String rule)
      throws ConfigException {
    if (!(node instanceof WholeNumber number)) {
      throw error(path, node, "expected a whole number, was " + node.describe());
    }
    BigInteger value = number.value();
    if (value.compareTo(BigInteger.valueOf(min)) < 0
        || value.compareTo(BigInteger.valueOf(max)) > 0) {
      String range = max == Integer.MAX_VALUE ? "at least " + min : min + ".." + max;
      throw error(path, node, "must be " + range + rule + ", was " + value);
    }
    return value.intValueExact();
  }

  private long size(YamlNode node, String path) throws ConfigException {
    String written =
        switch (node) {
          case WholeNumber number -> number.value().toString();
          case Text text -> text.value().strip();
          default ->
              throw error(path, node, "expected " + SizeSyntax.FORMS + ", was " + node.describe());
        };
    try {
      return SizeSyntax.parse(written);
    } catch (IllegalArgumentException e) {
      throw error(path, node, e.getMessage());
    }
  }

  private Duration duration(YamlNode node, String path) throws ConfigException {
    if (node instanceof WholeNumber number) {
      throw error(
          path,
          node,
          "expected %s, was the number %s (add a unit: %2$ss or %2$sms?)"
              .formatted(DurationSyntax.FORMS, number.value()));
    }
    if (!(node instanceof Text text)) {
      throw error(path, node, "expected " + DurationSyntax.FORMS + ", was " + node.describe());
    }
    try {
      return DurationSyntax.parse(text.value().strip());
    } catch (IllegalArgumentException e) {
      throw error(path, node, e.getMessage());
    }
  }

  private Path path(YamlNode node, String path) throws ConfigException {
    String text = text(node, path);
    // The shell expands ~, Java does not: "~/hikyaku" would become a directory named "~".
    if (text.startsWith("~")) {
      throw error(
          path, node, "'" + text + "' starts with ~, which is not expanded; write the full path");
    }
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      throw error(path, node, "'" + text + "' is not a valid path: " + e.getReason());
    }
  }

  /**
   * {@code lowKey} must not exceed {@code highKey}. The error names a key the file gave: the upper
   * one when it is there, else the lower one against the upper one's default.
   */
  private ConfigException orderError(Section section, String lowKey, Duration low, String highKey, Duration high) {
    if (section.get(highKey).isPresent()) {
      return error(section.path(highKey), section.get(highKey).get(),
          "must be at least " + lowKey + " (" + DurationSyntax.format(low) + "), was " + DurationSyntax.format(high));
    }
    return error(section.path(lowKey), section.get(lowKey).orElseThrow(),
        "must be at most " + highKey + " (" + DurationSyntax.format(high) + ", its default), was " + DurationSyntax.format(low));
  }

  private ConfigException error(String path, YamlNode node, String problem) {
    return new ConfigException(ConfigException.display(path), problem, sourceName, node.line());
  }
}
