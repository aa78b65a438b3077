package dev.hikyaku.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

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
 */
public record DeliveryConfig(
    boolean isEnabled,
    List<InetSocketAddress> dnsServers,
    Duration dnsTimeout,
    int mxPort,
    String tls,
    int maxPerDomain,
    Duration retryFirst,
    Duration retryCap,
    Duration maxLifetime,
    Optional<Smarthost> smarthost,
    Map<String, Route> routes) {

  public DeliveryConfig {
    dnsServers = List.copyOf(dnsServers);
    Objects.requireNonNull(smarthost, "smarthost");
    // Keep the file's order, so the writer gives the routes back as they were written.
    routes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(routes));
  }

  /** Without per-domain routes (hosted domains still get their default Maildir). */
  public DeliveryConfig(
      boolean isEnabled,
      List<InetSocketAddress> dnsServers,
      Duration dnsTimeout,
      int mxPort,
      String tls,
      int maxPerDomain,
      Duration retryFirst,
      Duration retryCap,
      Duration maxLifetime,
      Optional<Smarthost> smarthost) {
    this(isEnabled, dnsServers, dnsTimeout, mxPort, tls, maxPerDomain, retryFirst, retryCap, maxLifetime, smarthost, Map.of());
  }

  /** Same settings with other per-domain routes. */
  public DeliveryConfig withRoutes(Map<String, Route> newRoutes) {
    return new DeliveryConfig(isEnabled, dnsServers, dnsTimeout, mxPort, tls, maxPerDomain, retryFirst, retryCap, maxLifetime, smarthost, newRoutes);
  }

  /**
   * Where mail for one domain goes instead of its MX hosts (as Postfix's transport map): the
   * {@code delivery.routes.<domain>} entry.
   */
  public sealed interface Route {

    /** SMTP to a fixed host; {@code tls} is opportunistic, require or verify as {@code delivery.tls}. */
    record Smtp(String host, int port, String tls) implements Route {}

    /** LMTP (RFC 2033) to a mailbox server on a trusted network or loopback; plaintext. */
    record Lmtp(String host, int port) implements Route {}

    /** Final delivery into {@code directory/<local-part>/} as a Maildir. */
    record Maildir(Path directory) implements Route {}
  }

  /**
   * An upstream server that takes all outbound mail (for networks where port 25 outbound is
   * blocked). The password is read from {@code passwordFile} at start, never from this file.
   */
  public record Smarthost(String host, int port, String tls, Optional<String> user, Optional<Path> passwordFile) {}
}
