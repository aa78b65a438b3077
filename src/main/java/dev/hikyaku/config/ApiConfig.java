package dev.hikyaku.config;

import java.net.InetAddress;
import java.util.Objects;

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

  /** With webhooks to public addresses only, at the default concurrency. */
  public ApiConfig(boolean isEnabled, InetAddress address, int port, boolean isTls) {
    this(isEnabled, address, port, isTls, Defaults.API_WEBHOOK_PRIVATE_TARGETS, Defaults.API_WEBHOOK_CONCURRENCY);
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
    return new ApiConfig(isEnabled, address, newPort, isTls, isWebhookPrivateTargetAllowed, webhookConcurrency);
  }

  /** Same API, with API keys allowed, or not, to create webhooks for private targets. */
  public ApiConfig withWebhookPrivateTargets(boolean isAllowed) {
    return new ApiConfig(isEnabled, address, port, isTls, isAllowed, webhookConcurrency);
  }

  /** Same API, with {@code concurrency} requests at most under way to one webhook endpoint. */
  public ApiConfig withWebhookConcurrency(int concurrency) {
    return new ApiConfig(isEnabled, address, port, isTls, isWebhookPrivateTargetAllowed, concurrency);
  }

  /** {@code 0.0.0.0:8443}, {@code [::1]:8443}: the socket address as people write it. */
  public String socketText() {
    String host = HostSyntax.text(address);
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
