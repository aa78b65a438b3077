package dev.hikyaku.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    Optional<Smarthost> smarthost) {

  public DeliveryConfig {
    dnsServers = List.copyOf(dnsServers);
  }

  /**
   * An upstream server that takes all outbound mail (for networks where port 25 outbound is
   * blocked). The password is read from {@code passwordFile} at start, never from this file.
   */
  public record Smarthost(String host, int port, String tls, Optional<String> user, Optional<Path> passwordFile) {}
}
