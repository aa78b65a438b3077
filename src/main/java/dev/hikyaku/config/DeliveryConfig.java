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
 * @param delayWarning when a still-undelivered recipient's sender is told (RFC 3464 "delayed", if
 *     the recipient's NOTIFY asks for it); empty = never, as Postfix's default
 * @param maxPerHost connections at once to one MX host address, whatever the domains it serves
 * @param destinations per-domain TLS policy, concurrency and rate (lower-case domain → settings)
 * @param suppressStatuses RFC 3463 statuses (5.x.y) that, in a remote server's permanent refusal of a
 *     recipient, put the recipient on the suppression list for the message's sending domain
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
    Map<String, Route> routes,
    Optional<Duration> delayWarning,
    int maxPerHost,
    Map<String, Destination> destinations,
    List<String> suppressStatuses) {

  public DeliveryConfig {
    suppressStatuses = List.copyOf(suppressStatuses);
    dnsServers = List.copyOf(dnsServers);
    Objects.requireNonNull(smarthost, "smarthost");
    Objects.requireNonNull(delayWarning, "delayWarning");
    // Keep the file's order, so the writer gives the maps back as they were written.
    routes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(routes));
    destinations = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(destinations));
  }

  /** Same settings, delivering or not. */
  public DeliveryConfig withEnabled(boolean enabled) {
    return new DeliveryConfig(enabled, dnsServers, dnsTimeout, mxPort, tls, maxPerDomain, retryFirst, retryCap, maxLifetime, smarthost,
        routes, delayWarning, maxPerHost, destinations, suppressStatuses);
  }

  /** Same settings with other resolvers and query timeout. */
  public DeliveryConfig withDns(List<InetSocketAddress> servers, Duration timeout) {
    return new DeliveryConfig(isEnabled, servers, timeout, mxPort, tls, maxPerDomain, retryFirst, retryCap, maxLifetime, smarthost,
        routes, delayWarning, maxPerHost, destinations, suppressStatuses);
  }

  /** Same settings with MX hosts reached on another port (tests). */
  public DeliveryConfig withMxPort(int port) {
    return new DeliveryConfig(isEnabled, dnsServers, dnsTimeout, port, tls, maxPerDomain, retryFirst, retryCap, maxLifetime, smarthost,
        routes, delayWarning, maxPerHost, destinations, suppressStatuses);
  }

  /** Same settings with another retry schedule. */
  public DeliveryConfig withRetry(Duration first, Duration cap) {
    return new DeliveryConfig(isEnabled, dnsServers, dnsTimeout, mxPort, tls, maxPerDomain, first, cap, maxLifetime, smarthost,
        routes, delayWarning, maxPerHost, destinations, suppressStatuses);
  }

  /** Same settings with another smarthost, or none. */
  public DeliveryConfig withSmarthost(Optional<Smarthost> newSmarthost) {
    return new DeliveryConfig(isEnabled, dnsServers, dnsTimeout, mxPort, tls, maxPerDomain, retryFirst, retryCap, maxLifetime, newSmarthost,
        routes, delayWarning, maxPerHost, destinations, suppressStatuses);
  }

  /** Same settings with other per-domain routes. */
  public DeliveryConfig withRoutes(Map<String, Route> newRoutes) {
    return new DeliveryConfig(isEnabled, dnsServers, dnsTimeout, mxPort, tls, maxPerDomain, retryFirst, retryCap, maxLifetime, smarthost,
        newRoutes, delayWarning, maxPerHost, destinations, suppressStatuses);
  }

  /** Same settings with other per-destination settings. */
  public DeliveryConfig withDestinations(Map<String, Destination> newDestinations) {
    return new DeliveryConfig(isEnabled, dnsServers, dnsTimeout, mxPort, tls, maxPerDomain, retryFirst, retryCap, maxLifetime, smarthost,
        routes, delayWarning, maxPerHost, newDestinations, suppressStatuses);
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
  public record Destination(Optional<String> tls, Optional<Integer> concurrency, Optional<Integer> messagesPerMinute) {
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
    record Smtp(String host, int port, String tls, Optional<String> user, Optional<Path> passwordFile) implements Route {
      public Smtp {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(passwordFile, "passwordFile");
      }

      /** Without credentials. */
      public Smtp(String host, int port, String tls) {
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
   */
  public record Smarthost(String host, int port, String tls, Optional<String> user, Optional<Path> passwordFile) {}
}
