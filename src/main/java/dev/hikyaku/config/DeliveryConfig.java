package dev.hikyaku.config;

import dev.hikyaku.delivery.TlsPolicy;
import dev.hikyaku.net.KeyExchange;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.schedule.DestinationLimits;
import dev.hikyaku.schedule.RetryPolicy;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Outbound delivery (the {@code delivery} section): whether the server delivers, how it finds and
 * talks to the next hop, and how long it keeps trying. Described in docs/configuration.md.
 *
 * @param dnsServers resolvers to ask (port 53 unless given); empty = the system's (/etc/resolv.conf)
 * @param mxPort the port MX hosts are reached on: 25 (RFC 5321 §4.5.4.2); others only for tests
 * @param tls towards MX hosts: opportunistic (default), require or verify
 * @param retryFirst the first retry after a temporary failure; later ones double up to {@code retryCap}
 * @param maxLifetime how long a message may wait before its recipients bounce (RFC 5321 §4.5.4.1)
 * @param routes per-domain routes as written in the file (lower-case domain → route); hosted domains
 *     without one get a Maildir under the data directory, see {@link HikyakuConfig#deliveryRoutes()}
 * @param delayWarning when a still-undelivered recipient's sender is told (RFC 3464 "delayed", if
 *     the recipient's NOTIFY asks for it); empty = never, as Postfix's default
 * @param maxPerHost connections at once to one MX host address, whatever the domains it serves
 * @param destinations per-domain TLS policy, concurrency and rate (lower-case domain → settings)
 * @param suppressStatuses RFC 3463 statuses (5.x.y) that, in a remote server's permanent refusal of a
 *     recipient, put the recipient on the suppression list for the message's sending domain
 * @param isMtaSts whether recipient domains' MTA-STS policies (RFC 8461) are looked up and enforced
 * @param mtaStsPort the port policy hosts are reached on: 443 (RFC 8461 §3.3); others only for tests
 * @param isDane whether MX hosts with DNSSEC-validated TLSA records are authenticated by them (RFC 7672)
 * @param trustAnchors a file of DNSSEC trust anchors (DS or DNSKEY records, zone-file form); empty =
 *     the IANA root's, built in
 * @param isTlsReports whether daily SMTP TLS reports (RFC 8460) go to the recipient domains that ask
 * @param keyExchange towards MX hosts, routes and the smarthost: classic (the JDK's TLS) or hybrid
 *     (X25519MLKEM768 first, Bouncy Castle's TLS)
 */
public record DeliveryConfig(
    boolean isEnabled,
    List<InetSocketAddress> dnsServers,
    Duration dnsTimeout,
    int mxPort,
    TlsPolicy tls,
    int maxPerDomain,
    Duration retryFirst,
    Duration retryCap,
    Duration maxLifetime,
    Optional<Smarthost> smarthost,
    Map<String, Route> routes,
    Optional<Duration> delayWarning,
    int maxPerHost,
    Map<String, Destination> destinations,
    List<EnhancedStatus> suppressStatuses,
    boolean isMtaSts,
    int mtaStsPort,
    boolean isDane,
    Optional<Path> trustAnchors,
    boolean isTlsReports,
    KeyExchange keyExchange) {

  public DeliveryConfig {
    suppressStatuses = List.copyOf(suppressStatuses);
    dnsServers = List.copyOf(dnsServers);
    Objects.requireNonNull(smarthost, "smarthost");
    Objects.requireNonNull(delayWarning, "delayWarning");
    Objects.requireNonNull(trustAnchors, "trustAnchors");
    Objects.requireNonNull(keyExchange, "keyExchange");
    // Keep the file's order, so the writer gives the maps back as they were written.
    routes = Collections.unmodifiableMap(new LinkedHashMap<>(routes));
    destinations = Collections.unmodifiableMap(new LinkedHashMap<>(destinations));
  }

  static final String SECTION = "delivery";
  private static final String DNS_SERVERS = "dns-servers";
  private static final String DNS_TIMEOUT = "dns-timeout";
  private static final String MX_PORT = "mx-port";
  private static final String MAX_PER_DOMAIN = "max-per-domain";
  private static final String MAX_PER_HOST = "max-per-host";
  private static final String RETRY_FIRST = "retry-first";
  private static final String RETRY_CAP = "retry-cap";
  private static final String MAX_LIFETIME = "max-lifetime";
  private static final String DELAY_WARNING = "delay-warning";
  private static final String SUPPRESS_STATUSES = "suppress-statuses";
  private static final String MTA_STS = "mta-sts";
  private static final String MTA_STS_PORT = "mta-sts-port";
  private static final String DANE = "dane";
  private static final String TRUST_ANCHORS = "dnssec-trust-anchors";
  private static final String TLS_REPORTS = "tls-reports";
  private static final String KEY_EXCHANGE = "key-exchange";
  static final String SMARTHOST = "smarthost";
  static final String ROUTES = "routes";
  static final String DESTINATIONS = "destinations";
  static final List<String> KEYS = List.of(Keys.ENABLED, DNS_SERVERS, DNS_TIMEOUT, MX_PORT, Keys.TLS, MAX_PER_DOMAIN,
      MAX_PER_HOST, RETRY_FIRST, RETRY_CAP, MAX_LIFETIME, DELAY_WARNING, SUPPRESS_STATUSES, MTA_STS, MTA_STS_PORT, DANE, TRUST_ANCHORS, TLS_REPORTS, KEY_EXCHANGE, SMARTHOST,
      ROUTES,
      DESTINATIONS);

  /** {@code delivery.tls} and a destination's {@code tls}: towards MX hosts, never implicit TLS. */
  static final List<TlsPolicy> MX_TLS = List.of(TlsPolicy.OPPORTUNISTIC, TlsPolicy.REQUIRE, TlsPolicy.VERIFY);

  /**
   * The statuses of a remote refusal that suppress a recipient: RFC 3463 X.1.1 bad destination
   * mailbox, X.1.2 bad destination system, X.1.10 null MX (RFC 7505). Other 5.1.x details (X.1.3
   * syntax, X.1.6 moved, X.1.7/8 sender problems) say nothing final about the recipient.
   */
  private static final List<EnhancedStatus> SUPPRESS_STATUS_DEFAULTS =
      List.of(EnhancedStatus.of(5, 1, 1), EnhancedStatus.of(5, 1, 2), EnhancedStatus.of(5, 1, 10));

  /**
   * Delivery defaults follow Postfix: first retry after 5 minutes, doubling up to 4000 s, bounce
   * after 5 days (RFC 5321 §4.5.4.1 suggests 4-5 days); opportunistic TLS towards MX hosts (RFC 3207
   * §4: a server may not insist without a policy); 5 connections per destination domain and 10 per MX
   * host address; no delay warning. On by default: hosted domains without a route get a Maildir
   * under the data directory ({@link HikyakuConfig#deliveryRoutes()}), so their mail never goes out by
   * MX and comes back (a loop).
   */
  static final DeliveryConfig DEFAULTS =
      new DeliveryConfig(
          true,
          List.of(),
          Duration.ofSeconds(5),
          25, // RFC 5321 §4.5.4.2
          TlsPolicy.OPPORTUNISTIC,
          5,
          Duration.ofMinutes(5),
          Duration.ofSeconds(4000),
          Duration.ofDays(5),
          Optional.empty(),
          Map.of(),
          Optional.empty(), // no delay warning (Postfix: delay_warning_time = 0)
          10,
          Map.of(),
          SUPPRESS_STATUS_DEFAULTS,
          true, // RFC 8461: a sender honours the policies domains publish
          443, // RFC 8461 §3.3
          true, // RFC 7672: so does a DANE one, where DNSSEC validates (DnsjavaResolver.isValidating)
          Optional.empty(), // the root's anchors (DnsjavaResolver.ROOT_TRUST_ANCHORS)
          true, // RFC 8460: a domain that publishes _smtp._tls asks its senders for reports
          KeyExchange.CLASSIC); // hybrid is opt-in

  /** The {@code delivery} section; its next hops (smarthost, routes, destinations) in {@link NextHops}. */
  static DeliveryConfig read(Section delivery) throws ConfigException {
    DeliveryConfig d = DEFAULTS;
    Builder read = d.toBuilder().enabled(delivery.bool(Keys.ENABLED, d.isEnabled()));
    if (delivery.has(DNS_SERVERS)) {
      String path = delivery.path(DNS_SERVERS);
      List<YamlNode> items = delivery.list(delivery.node(DNS_SERVERS), path, "IP addresses");
      List<InetSocketAddress> servers = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        String itemPath = path + "[" + i + "]";
        servers.add(NextHops.dnsServer(delivery, delivery.text(items.get(i), itemPath), itemPath, items.get(i)));
      }
      read.dnsServers(servers);
    }
    read.mxPort(delivery.port(MX_PORT, d.mxPort())).tls(delivery.choice(Keys.TLS, d.tls(), MX_TLS));
    Duration retryFirst = delivery.timeout(RETRY_FIRST, d.retryFirst(), Duration.ofSeconds(1));
    Duration retryCap = delivery.timeout(RETRY_CAP, d.retryCap(), Duration.ofSeconds(1));
    if (retryCap.compareTo(retryFirst) < 0) {
      throw delivery.orderError(RETRY_FIRST, retryFirst, RETRY_CAP, retryCap);
    }
    Duration maxLifetime = delivery.duration(MAX_LIFETIME, d.maxLifetime(), Duration.ofMinutes(1), Duration.ofDays(30), "");
    return read
        .retryFirst(retryFirst)
        .retryCap(retryCap)
        .maxLifetime(maxLifetime)
        .smarthost(NextHops.smarthost(delivery, SMARTHOST))
        .dnsTimeout(delivery.timeout(DNS_TIMEOUT, d.dnsTimeout(), Duration.ofMillis(100)))
        .maxPerDomain(delivery.positive(MAX_PER_DOMAIN, d.maxPerDomain()))
        .routes(delivery.byDomain(ROUTES, NextHops.ROUTE_KEYS, "routes", NextHops::route))
        .delayWarning(delayWarning(delivery, maxLifetime))
        .maxPerHost(delivery.positive(MAX_PER_HOST, d.maxPerHost()))
        .destinations(delivery.byDomain(DESTINATIONS, NextHops.DESTINATION_KEYS, "settings", NextHops::destination))
        .suppressStatuses(suppressStatuses(delivery))
        .mtaSts(delivery.bool(MTA_STS, d.isMtaSts()))
        .mtaStsPort(delivery.port(MTA_STS_PORT, d.mtaStsPort()))
        .dane(delivery.bool(DANE, d.isDane()))
        .trustAnchors(delivery.file(TRUST_ANCHORS))
        .tlsReports(delivery.bool(TLS_REPORTS, d.isTlsReports()))
        .keyExchange(delivery.choice(KEY_EXCHANGE, d.keyExchange(), List.of(KeyExchange.values()), KeyExchange::configName))
        .build();
  }

  /**
   * {@code delivery.suppress-statuses}: RFC 3463 statuses of class 5 (only a permanent refusal
   * may suppress a recipient); an empty list turns automatic suppression off.
   */
  private static List<EnhancedStatus> suppressStatuses(Section delivery) throws ConfigException {
    if (!delivery.has(SUPPRESS_STATUSES)) {
      return DEFAULTS.suppressStatuses();
    }
    String path = delivery.path(SUPPRESS_STATUSES);
    List<YamlNode> items = delivery.list(delivery.node(SUPPRESS_STATUSES), path, "enhanced status codes (5.x.y)");
    List<EnhancedStatus> statuses = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String itemPath = path + "[" + i + "]";
      String text = delivery.text(items.get(i), itemPath).strip();
      var status = EnhancedStatus.parse(text);
      if (status.isEmpty() || status.get().statusClass() != 5) {
        throw delivery.error(itemPath, items.get(i),
            "'" + text + "' is not a permanent enhanced status code (5.x.y, RFC 3463), e.g. 5.1.1");
      }
      statuses.add(status.get());
    }
    return List.copyOf(statuses);
  }

  /** {@code delivery.delay-warning}: a duration shorter than the lifetime, or "off" (the default). */
  private static Optional<Duration> delayWarning(Section delivery, Duration maxLifetime) throws ConfigException {
    if (!delivery.has(DELAY_WARNING)) {
      return DEFAULTS.delayWarning();
    }
    YamlNode node = delivery.node(DELAY_WARNING);
    // "off" is text in YAML 1.2 and a boolean in YAML 1.1; either way it means no warning.
    if (node instanceof YamlNode.Text text && text.value().equals("off")
        || node instanceof YamlNode.Bool flag && !flag.value()) {
      return Optional.empty();
    }
    return Optional.of(delivery.duration(DELAY_WARNING, maxLifetime, Duration.ofMinutes(1), maxLifetime.minusSeconds(1),
        " (or off); shorter than max-lifetime"));
  }

  void write(ObjectNode delivery) {
    delivery.put(Keys.ENABLED, isEnabled);
    ArrayNode servers = delivery.putArray(DNS_SERVERS);
    dnsServers.forEach(a -> servers.add(NextHops.hostPort(a.getAddress().getHostAddress(), a.getPort())));
    delivery.put(DNS_TIMEOUT, DurationSyntax.format(dnsTimeout));
    delivery.put(MX_PORT, mxPort);
    delivery.put(Keys.TLS, NextHops.configName(tls));
    delivery.put(MAX_PER_DOMAIN, maxPerDomain);
    delivery.put(RETRY_FIRST, DurationSyntax.format(retryFirst));
    delivery.put(RETRY_CAP, DurationSyntax.format(retryCap));
    delivery.put(MAX_PER_HOST, maxPerHost);
    delivery.put(MAX_LIFETIME, DurationSyntax.format(maxLifetime));
    delivery.put(DELAY_WARNING, delayWarning.map(DurationSyntax::format).orElse("off"));
    ArrayNode statuses = delivery.putArray(SUPPRESS_STATUSES);
    suppressStatuses.forEach(status -> statuses.add(status.toString()));
    delivery.put(MTA_STS, isMtaSts);
    delivery.put(MTA_STS_PORT, mtaStsPort);
    delivery.put(DANE, isDane);
    trustAnchors.ifPresent(file -> delivery.put(TRUST_ANCHORS, file.toString()));
    delivery.put(TLS_REPORTS, isTlsReports);
    delivery.put(KEY_EXCHANGE, keyExchange.configName());
    smarthost.ifPresent(relay -> NextHops.write(relay, delivery.putObject(SMARTHOST)));
    ObjectNode byDomain = delivery.putObject(ROUTES);
    routes.forEach((domain, route) -> NextHops.write(route, byDomain.putObject(domain)));
    ObjectNode settings = delivery.putObject(DESTINATIONS);
    destinations.forEach((domain, destination) -> NextHops.write(destination, settings.putObject(domain)));
  }

  /**
   * Each retry's wait is spread by ±10 %, so that messages deferred together by one failing
   * destination do not all come back in the same second.
   */
  private static final double RETRY_JITTER = 0.1;

  /** The retry schedule these settings give: first retry, cap, lifetime and delay warning. */
  public RetryPolicy retryPolicy() {
    return new RetryPolicy(retryFirst, retryCap, maxLifetime, RETRY_JITTER, delayWarning);
  }

  /**
   * The scheduler's limits of the domains in {@code destinations}: a destination's own concurrency,
   * else {@code max-per-domain}, and its rate if it has one.
   */
  public Map<String, DestinationLimits> destinationLimits() {
    Map<String, DestinationLimits> limits = new HashMap<>();
    destinations.forEach((domain, destination) -> limits.put(domain, new DestinationLimits(
        destination.concurrency().orElse(maxPerDomain),
        destination.messagesPerMinute().map(OptionalInt::of).orElse(OptionalInt.empty()))));
    return limits;
  }

  /** The TLS policy towards the MX hosts of the domains in {@code destinations} that set one. */
  public Map<String, TlsPolicy> destinationTls() {
    Map<String, TlsPolicy> domainTls = new HashMap<>();
    destinations.forEach((domain, destination) -> destination.tls().ifPresent(policy -> domainTls.put(domain, policy)));
    return domainTls;
  }

  /** Same settings, delivering or not. */
  public DeliveryConfig withEnabled(boolean enabled) {
    return toBuilder().enabled(enabled).build();
  }

  /** Same settings with other resolvers and query timeout. */
  public DeliveryConfig withDns(List<InetSocketAddress> servers, Duration timeout) {
    return toBuilder().dnsServers(servers).dnsTimeout(timeout).build();
  }

  /** Same settings with MX hosts reached on another port (tests). */
  public DeliveryConfig withMxPort(int port) {
    return toBuilder().mxPort(port).build();
  }

  /** Same settings with another retry schedule. */
  public DeliveryConfig withRetry(Duration first, Duration cap) {
    return toBuilder().retryFirst(first).retryCap(cap).build();
  }

  /** Same settings with another smarthost, or none. */
  public DeliveryConfig withSmarthost(Optional<Smarthost> newSmarthost) {
    return toBuilder().smarthost(newSmarthost).build();
  }

  /** Same settings with other per-domain routes. */
  public DeliveryConfig withRoutes(Map<String, Route> newRoutes) {
    return toBuilder().routes(newRoutes).build();
  }

  /** Same settings with other per-destination settings. */
  public DeliveryConfig withDestinations(Map<String, Destination> newDestinations) {
    return toBuilder().destinations(newDestinations).build();
  }

  /** The defaults (what an empty section reads as), to change some by name. */
  public static Builder builder() {
    return DEFAULTS.toBuilder();
  }

  /** A builder holding these settings, to change some by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Settings by name, so that a new key is a new method here rather than one more positional argument everywhere. */
  public static final class Builder {
    private boolean isEnabled;
    private List<InetSocketAddress> dnsServers;
    private Duration dnsTimeout;
    private int mxPort;
    private TlsPolicy tls;
    private int maxPerDomain;
    private Duration retryFirst;
    private Duration retryCap;
    private Duration maxLifetime;
    private Optional<Smarthost> smarthost;
    private Map<String, Route> routes;
    private Optional<Duration> delayWarning;
    private int maxPerHost;
    private Map<String, Destination> destinations;
    private List<EnhancedStatus> suppressStatuses;
    private boolean isMtaSts;
    private int mtaStsPort;
    private boolean isDane;
    private Optional<Path> trustAnchors;
    private boolean isTlsReports;
    private KeyExchange keyExchange;

    private Builder(DeliveryConfig from) {
      isEnabled = from.isEnabled;
      dnsServers = from.dnsServers;
      dnsTimeout = from.dnsTimeout;
      mxPort = from.mxPort;
      tls = from.tls;
      maxPerDomain = from.maxPerDomain;
      retryFirst = from.retryFirst;
      retryCap = from.retryCap;
      maxLifetime = from.maxLifetime;
      smarthost = from.smarthost;
      routes = from.routes;
      delayWarning = from.delayWarning;
      maxPerHost = from.maxPerHost;
      destinations = from.destinations;
      suppressStatuses = from.suppressStatuses;
      isMtaSts = from.isMtaSts;
      mtaStsPort = from.mtaStsPort;
      isDane = from.isDane;
      trustAnchors = from.trustAnchors;
      isTlsReports = from.isTlsReports;
      keyExchange = from.keyExchange;
    }

    public Builder keyExchange(KeyExchange value) {
      keyExchange = value;
      return this;
    }

    public Builder tlsReports(boolean value) {
      isTlsReports = value;
      return this;
    }

    public Builder dane(boolean value) {
      isDane = value;
      return this;
    }

    public Builder trustAnchors(Optional<Path> value) {
      trustAnchors = value;
      return this;
    }

    public Builder mtaSts(boolean value) {
      isMtaSts = value;
      return this;
    }

    public Builder mtaStsPort(int value) {
      mtaStsPort = value;
      return this;
    }

    public Builder enabled(boolean value) {
      isEnabled = value;
      return this;
    }

    public Builder dnsServers(List<InetSocketAddress> value) {
      dnsServers = value;
      return this;
    }

    public Builder dnsTimeout(Duration value) {
      dnsTimeout = value;
      return this;
    }

    public Builder mxPort(int value) {
      mxPort = value;
      return this;
    }

    public Builder tls(TlsPolicy value) {
      tls = value;
      return this;
    }

    public Builder maxPerDomain(int value) {
      maxPerDomain = value;
      return this;
    }

    public Builder retryFirst(Duration value) {
      retryFirst = value;
      return this;
    }

    public Builder retryCap(Duration value) {
      retryCap = value;
      return this;
    }

    public Builder maxLifetime(Duration value) {
      maxLifetime = value;
      return this;
    }

    public Builder smarthost(Optional<Smarthost> value) {
      smarthost = value;
      return this;
    }

    public Builder routes(Map<String, Route> value) {
      routes = value;
      return this;
    }

    public Builder delayWarning(Optional<Duration> value) {
      delayWarning = value;
      return this;
    }

    public Builder maxPerHost(int value) {
      maxPerHost = value;
      return this;
    }

    public Builder destinations(Map<String, Destination> value) {
      destinations = value;
      return this;
    }

    public Builder suppressStatuses(List<EnhancedStatus> value) {
      suppressStatuses = value;
      return this;
    }

    public DeliveryConfig build() {
      return new DeliveryConfig(isEnabled, dnsServers, dnsTimeout, mxPort, tls, maxPerDomain, retryFirst, retryCap,
          maxLifetime, smarthost, routes, delayWarning, maxPerHost, destinations, suppressStatuses, isMtaSts, mtaStsPort,
          isDane, trustAnchors, isTlsReports, keyExchange);
    }
  }

  /**
   * One {@code delivery.destinations.<domain>} entry: how mail to that domain's MX hosts goes. Each
   * field overrides the section-wide setting; empty keeps it.
   *
   * @param tls opportunistic, require or verify (as {@code delivery.tls})
   * @param concurrency deliveries at once to the domain (as {@code delivery.max-per-domain})
   * @param messagesPerMinute at most this many deliveries a minute to the domain; the rest wait in
   *     the queue without an attempt being counted (receivers such as the Japanese mobile carriers
   *     refuse senders that go faster)
   */
  public record Destination(Optional<TlsPolicy> tls, Optional<Integer> concurrency, Optional<Integer> messagesPerMinute) {
    public Destination {
      Objects.requireNonNull(tls, "tls");
      Objects.requireNonNull(concurrency, "concurrency");
      Objects.requireNonNull(messagesPerMinute, "messagesPerMinute");
    }
  }

  /**
   * Where mail for one domain goes instead of its MX hosts (as Postfix's transport map): the
   * {@code delivery.routes.<domain>} entry.
   */
  public sealed interface Route {

    /**
     * SMTP to a fixed host; {@code tls} is opportunistic, require, verify (as {@code delivery.tls})
     * or implicit (RFC 8314). With a user, AUTH PLAIN/LOGIN with the password read from {@code
     * passwordFile} at start; only over verified TLS.
     */
    record Smtp(String host, int port, TlsPolicy tls, Optional<String> user, Optional<Path> passwordFile) implements Route {
      public Smtp {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(passwordFile, "passwordFile");
      }

      /** Without credentials. */
      public Smtp(String host, int port, TlsPolicy tls) {
        this(host, port, tls, Optional.empty(), Optional.empty());
      }
    }

    /** LMTP (RFC 2033) to a mailbox server on a trusted network or loopback; plaintext. */
    record Lmtp(String host, int port) implements Route {}

    /** Final delivery into {@code directory/<local-part>/} as a Maildir. */
    record Maildir(Path directory) implements Route {}
  }

  /**
   * An upstream server that takes all outbound mail (for networks where port 25 outbound is
   * blocked). The password is read from {@code passwordFile} at start, never from this file.
   * {@code tls} is {@link TlsPolicy#VERIFY} (written {@code starttls}) or {@link TlsPolicy#IMPLICIT}.
   */
  public record Smarthost(String host, int port, TlsPolicy tls, Optional<String> user, Optional<Path> passwordFile) {
    public Smarthost {
      if (tls != TlsPolicy.VERIFY && tls != TlsPolicy.IMPLICIT) {
        // Credentials go only to a server whose certificate verifies (RFC 8314 §5.1 / RFC 7817).
        throw new IllegalArgumentException("a smarthost's TLS is verified: VERIFY (STARTTLS) or IMPLICIT, was " + tls);
      }
    }
  }
}
