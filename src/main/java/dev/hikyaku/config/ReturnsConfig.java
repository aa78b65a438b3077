package dev.hikyaku.config;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code returns} section: returned mail and complaints (issue 13). When enabled, mail that an
 * authenticated client sends goes out with a VERP return path on {@code domain} ({@code
 * bounces+<token>@domain}), and mail arriving for {@code domain} is read as delivery status
 * notifications (RFC 3464) and feedback reports (RFC 5965) about it instead of filed in a mailbox.
 * Described in docs/configuration.md.
 *
 * @param isEnabled whether outgoing mail gets the VERP return path and the domain's mail is read
 * @param domain the returns domain, lower case (e.g. {@code bounce.example.com}); required when
 *     enabled. Its mail is taken on the relay port like a hosted domain's, but it is none: every
 *     address at it is a return path, the feedback address or postmaster
 * @param feedbackAddress where feedback loops (ARF reports) are sent, an address at {@code domain}
 *     (e.g. {@code fbl@bounce.example.com}); none by default (reports that come to a return path
 *     are read all the same)
 */
public record ReturnsConfig(boolean isEnabled, Optional<String> domain, Optional<String> feedbackAddress) {

  public ReturnsConfig {
    Objects.requireNonNull(domain, "domain");
    Objects.requireNonNull(feedbackAddress, "feedbackAddress");
    domain = domain.map(d -> d.toLowerCase(Locale.ROOT));
    if (isEnabled && domain.isEmpty()) {
      throw new IllegalArgumentException("returns: a domain is required when enabled");
    }
    if (feedbackAddress.isPresent()) {
      String address = feedbackAddress.get();
      int at = address.lastIndexOf('@');
      if (at < 1 || domain.isEmpty() || !address.substring(at + 1).equalsIgnoreCase(domain.get())) {
        throw new IllegalArgumentException("returns: the feedback address " + address + " is not at the returns domain");
      }
    }
  }

  /** Turned off, no domain: outgoing mail keeps its sender's return path. */
  public static final ReturnsConfig OFF = new ReturnsConfig(false, Optional.empty(), Optional.empty());

  /** On for {@code domain}, without a feedback address. */
  public static ReturnsConfig on(String domain) {
    return new ReturnsConfig(true, Optional.of(domain), Optional.empty());
  }

  /** The same with {@code address} as the feedback address. */
  public ReturnsConfig withFeedbackAddress(String address) {
    return new ReturnsConfig(isEnabled, domain, Optional.of(address));
  }

  /** The returns domain when the section is enabled; empty when it is off. */
  public Optional<String> activeDomain() {
    return isEnabled ? domain : Optional.empty();
  }
}
