package dev.hikyaku.config;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

/**
 * The HTTP JSON API listener.
 *
 * @param isEnabled whether the API listens at all
 * @param address local address to bind; every address by default, like the mail ports
 * @param port TCP port; 1..65535 when read from a file, 0 (ephemeral) allowed for records built in
 *     tests
 * @param isTls whether it serves HTTPS with the server's certificate ({@code tls.*}); plain HTTP
 *     only on a loopback address, where API keys cannot be read off the network
 * @param isWebhookPrivateTargetAllowed whether an API key may create a webhook endpoint with {@code
 *     allow_private} (loopback, private and link-local addresses, plain {@code http://}); without
 *     it only the CLI may, so an API client cannot turn the server's webhooks on its own networks
 * @param webhookConcurrency how many requests to one webhook endpoint may be under way at once,
 *     {@value #MIN_WEBHOOK_CONCURRENCY}..{@value #MAX_WEBHOOK_CONCURRENCY}
 */
public record ApiConfig(boolean isEnabled, InetAddress address, int port, boolean isTls, boolean isWebhookPrivateTargetAllowed,
    int webhookConcurrency) {

  public static final int MIN_WEBHOOK_CONCURRENCY = 1;
  /** More than this many requests at once to one receiver is a load test, not a feed. */
  public static final int MAX_WEBHOOK_CONCURRENCY = 16;

  static final String SECTION = "api";
  private static final String WEBHOOK_PRIVATE_TARGETS = "webhook-private-targets";
  private static final String WEBHOOK_CONCURRENCY = "webhook-concurrency";
  static final List<String> KEYS =
      List.of(Keys.ENABLED, Keys.ADDRESS, Keys.PORT, Keys.TLS, WEBHOOK_PRIVATE_TARGETS, WEBHOOK_CONCURRENCY);

  /**
   * On, like the mail ports: applications send over it as mail clients do over 587, with the same
   * keys and rules. It listens on every address, over TLS with the server's certificate, on 8443 (the
   * usual alternative HTTPS port; 443 needs privileges and is often a web server's); nothing is
   * served without a valid API key but the OpenAPI document. Webhooks go to public addresses only
   * unless an operator allows otherwise per endpoint with the CLI: an API key must not be a way into
   * the server's own networks (SSRF). Four requests at once to one webhook endpoint: a burst (a
   * batch send's message.accepted) drains four times as fast as one at a time, and a receiver behind
   * one small worker pool is not swamped. Events may then arrive out of order; a receiver orders
   * them by id or timestamp.
   */
  static final ApiConfig DEFAULTS =
      new ApiConfig(true, HostSyntax.ipLiteral("0.0.0.0").orElseThrow(), 8443, true, false, 4);

  /** The {@code api} section: plain HTTP only on a loopback address. */
  static ApiConfig read(Section api) throws ConfigException {
    boolean isEnabled = api.bool(Keys.ENABLED, DEFAULTS.isEnabled());
    InetAddress address = api.address(Keys.ADDRESS, DEFAULTS.address());
    int port = api.port(Keys.PORT, DEFAULTS.port());
    boolean isTls = api.bool(Keys.TLS, DEFAULTS.isTls());
    if (!isTls && !address.isLoopbackAddress()) {
      throw api.error(Keys.TLS, "false is allowed only when " + api.path(Keys.ADDRESS)
          + " is a loopback address (127.0.0.1 or ::1), not " + HostSyntax.text(address)
          + ": API keys would cross the network in clear text");
    }
    return builder()
        .enabled(isEnabled)
        .address(address)
        .port(port)
        .tls(isTls)
        .webhookPrivateTargetAllowed(api.bool(WEBHOOK_PRIVATE_TARGETS, DEFAULTS.isWebhookPrivateTargetAllowed()))
        .webhookConcurrency(api.integer(WEBHOOK_CONCURRENCY, DEFAULTS.webhookConcurrency(), MIN_WEBHOOK_CONCURRENCY,
            MAX_WEBHOOK_CONCURRENCY, " requests at once to one webhook endpoint"))
        .build();
  }

  void write(ObjectNode api) {
    api.put(Keys.ENABLED, isEnabled);
    api.put(Keys.ADDRESS, HostSyntax.text(address));
    api.put(Keys.PORT, port);
    api.put(Keys.TLS, isTls);
    api.put(WEBHOOK_PRIVATE_TARGETS, isWebhookPrivateTargetAllowed);
    api.put(WEBHOOK_CONCURRENCY, webhookConcurrency);
  }

  public ApiConfig {
    Objects.requireNonNull(address, "address");
    if (webhookConcurrency < MIN_WEBHOOK_CONCURRENCY || webhookConcurrency > MAX_WEBHOOK_CONCURRENCY) {
      throw new IllegalArgumentException("api.webhook-concurrency must be " + MIN_WEBHOOK_CONCURRENCY + ".."
          + MAX_WEBHOOK_CONCURRENCY + ", was " + webhookConcurrency);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, was " + port);
    }
    if (!isTls && !address.isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "api.tls: false is allowed only on a loopback address, not " + HostSyntax.text(address));
    }
  }

  /** Same API on another port. */
  public ApiConfig withPort(int newPort) {
    return toBuilder().port(newPort).build();
  }

  /** Same API, with API keys allowed, or not, to create webhooks for private targets. */
  public ApiConfig withWebhookPrivateTargets(boolean isAllowed) {
    return toBuilder().webhookPrivateTargetAllowed(isAllowed).build();
  }

  /** Same API, with {@code concurrency} requests at most under way to one webhook endpoint. */
  public ApiConfig withWebhookConcurrency(int concurrency) {
    return toBuilder().webhookConcurrency(concurrency).build();
  }

  /** {@code 0.0.0.0:8443}, {@code [::1]:8443}: the socket address as people write it. */
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

  /** The API's settings by name: a new key is a new method here, not one more positional argument everywhere. */
  public static final class Builder {
    private boolean isEnabled;
    private InetAddress address;
    private int port;
    private boolean isTls;
    private boolean isWebhookPrivateTargetAllowed;
    private int webhookConcurrency;

    private Builder(ApiConfig from) {
      isEnabled = from.isEnabled;
      address = from.address;
      port = from.port;
      isTls = from.isTls;
      isWebhookPrivateTargetAllowed = from.isWebhookPrivateTargetAllowed;
      webhookConcurrency = from.webhookConcurrency;
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

    public Builder tls(boolean value) {
      isTls = value;
      return this;
    }

    public Builder webhookPrivateTargetAllowed(boolean value) {
      isWebhookPrivateTargetAllowed = value;
      return this;
    }

    public Builder webhookConcurrency(int value) {
      webhookConcurrency = value;
      return this;
    }

    public ApiConfig build() {
      return new ApiConfig(isEnabled, address, port, isTls, isWebhookPrivateTargetAllowed, webhookConcurrency);
    }
  }
}
