package dev.hikyaku.config;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

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

  static final String SECTION = "http";
  static final List<String> KEYS = List.of(Keys.ENABLED, Keys.ADDRESS, Keys.PORT);

  /**
   * On, on loopback only: the endpoint has no authentication, and metrics and health are for the
   * operator (and a Prometheus on the same host or reached through a tunnel), not for the world.
   * Port 9025 is beside the mail ports, clear of the ports Prometheus exporters usually take (9100
   * and up).
   */
  static final HttpConfig DEFAULTS = new HttpConfig(true, HostSyntax.ipLiteral("127.0.0.1").orElseThrow(), 9025);

  static HttpConfig read(Section http) throws ConfigException {
    return builder()
        .enabled(http.bool(Keys.ENABLED, DEFAULTS.isEnabled()))
        .address(http.address(Keys.ADDRESS, DEFAULTS.address()))
        .port(http.port(Keys.PORT, DEFAULTS.port()))
        .build();
  }

  void write(ObjectNode http) {
    http.put(Keys.ENABLED, isEnabled);
    http.put(Keys.ADDRESS, HostSyntax.text(address));
    http.put(Keys.PORT, port);
  }

  /** Same endpoint on another port. */
  public HttpConfig withPort(int newPort) {
    return toBuilder().port(newPort).build();
  }

  /** {@code 127.0.0.1:9025}, {@code [::1]:9025}: the socket address as people write it. */
  public String socketText() {
    String host = HostSyntax.text(address);
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** The defaults (what an empty section reads as), to change some by name. */
  public static Builder builder() {
    return DEFAULTS.toBuilder();
  }

  /** A builder holding these settings, to change some by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The endpoint's settings by name: a new key is a new method here, not one more positional argument everywhere. */
  public static final class Builder {
    private boolean isEnabled;
    private InetAddress address;
    private int port;

    private Builder(HttpConfig from) {
      isEnabled = from.isEnabled;
      address = from.address;
      port = from.port;
    }

    public Builder enabled(boolean value) {
      isEnabled = value;
      return this;
    }

    public Builder address(InetAddress value) {
      address = value;
      return this;
    }

    public Builder port(int value) {
      port = value;
      return this;
    }

    public HttpConfig build() {
      return new HttpConfig(isEnabled, address, port);
    }
  }
}
