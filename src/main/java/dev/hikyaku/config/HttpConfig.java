package dev.hikyaku.config;

import java.net.InetAddress;
import java.util.Objects;

/**
 * The monitoring endpoint: Prometheus metrics ({@code GET /metrics}) and a health check ({@code GET
 * /health}) over plain HTTP.
 *
 * @param isEnabled whether the endpoint runs at all
 * @param address local address to bind; loopback by default, because the endpoint has no
 *     authentication and metrics are for the operator, not the world
 * @param port TCP port; 1..65535 when read from a file, 0 (ephemeral) allowed for records built in
 *     tests
 */
public record HttpConfig(boolean isEnabled, InetAddress address, int port) {

  public HttpConfig {
    Objects.requireNonNull(address, "address");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, was " + port);
    }
  }

  /** Same endpoint on another port. */
  public HttpConfig withPort(int newPort) {
    return new HttpConfig(isEnabled, address, newPort);
  }

  /** {@code 127.0.0.1:9025}, {@code [::1]:9025}: the socket address as people write it. */
  public String socketText() {
    String host = HostSyntax.text(address);
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
