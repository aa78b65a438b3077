package dev.hikyaku.config;

import dev.hikyaku.net.ListenerRole;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * One listening socket.
 *
 * @param name unique among listeners; used in logs and metrics; defaults to the role's config name
 * @param role what the port is for; decides what the session demands, not the port number
 * @param address local address to bind; the wildcard {@code 0.0.0.0} by default
 * @param port TCP port; 1..65535 when read from a file, 0 (ephemeral) allowed for records built in
 *     tests
 * @param greetingDelay pause before the 220 greeting; clients that talk before it skip the server's
 *     opening message that starts every session (RFC 5321 §3.1), as bulk senders do
 */
public record ListenerConfig(
    String name, ListenerRole role, InetAddress address, int port, Duration greetingDelay) {

  public ListenerConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(greetingDelay, "greetingDelay");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, was " + port);
    }
  }

  /** Same listener on another port. */
  public ListenerConfig withPort(int newPort) {
    return new ListenerConfig(name, role, address, newPort, greetingDelay);
  }

  /** {@code 0.0.0.0:25}, {@code [::1]:587}: the socket address as people write it. */
  public String socketText() {
    String host = HostSyntax.text(address);
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
