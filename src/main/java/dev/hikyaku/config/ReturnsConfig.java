package dev.hikyaku.config;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.databind.node.ObjectNode;

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
    return builder().enabled(true).domain(Optional.of(domain)).build();
  }

  /** The same with {@code address} as the feedback address. */
  public ReturnsConfig withFeedbackAddress(String address) {
    return toBuilder().feedbackAddress(Optional.of(address)).build();
  }

  /** The returns domain when the section is enabled; empty when it is off. */
  public Optional<String> activeDomain() {
    return isEnabled ? domain : Optional.empty();
  }

  static final String SECTION = "returns";
  private static final String DOMAIN = "domain";
  private static final String FEEDBACK_ADDRESS = "feedback-address";
  static final List<String> KEYS = List.of(Keys.ENABLED, DOMAIN, FEEDBACK_ADDRESS);

  /**
   * Returned-mail processing is off: turning it on needs a domain of its own whose MX is this
   * server (and an SPF record naming it), which only the operator can publish.
   */
  static final ReturnsConfig DEFAULTS = OFF;

  private static final Pattern FEEDBACK_LOCAL_PART = Pattern.compile("[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)*");

  /**
   * {@code returns}: {@code domain} is required when {@code enabled}, and is a domain of its own:
   * every address at it is a return path (or the feedback address, or postmaster), so it can be
   * neither a hosted domain (whose mailboxes it would swallow) nor one with a delivery route (whose
   * mail would leave instead of being read). {@code feedback-address} is an address at it.
   */
  static ReturnsConfig read(Section returns, List<String> hostedDomains, Collection<String> routedDomains)
      throws ConfigException {
    boolean isEnabled = returns.bool(Keys.ENABLED, DEFAULTS.isEnabled());
    Optional<String> domain = DEFAULTS.domain();
    if (returns.has(DOMAIN)) {
      String name = returns.text(DOMAIN).orElseThrow();
      Optional<String> problem = HostSyntax.domainProblem(name);
      if (problem.isPresent()) {
        throw returns.error(DOMAIN, problem.get());
      }
      String lower = name.toLowerCase(Locale.ROOT);
      if (hostedDomains.contains(lower)) {
        throw returns.error(DOMAIN, "'" + name + "' is a hosted domain (" + Keys.HOSTED_DOMAINS
            + "); every address at the returns domain is a return path, so give it a domain of its own, such as bounce."
            + name);
      }
      if (routedDomains.stream().anyMatch(lower::equalsIgnoreCase)) {
        throw returns.error(DOMAIN, "'" + name + "' has a route in " + Keys.DELIVERY + "." + DeliveryConfig.ROUTES
            + "; the returns domain's mail is read here, not delivered elsewhere");
      }
      domain = Optional.of(lower);
    }
    if (isEnabled && domain.isEmpty()) {
      throw returns.error(returns.path(DOMAIN), returns.node(Keys.ENABLED),
          "required when " + returns.path(Keys.ENABLED) + " is true: the domain of the VERP return paths,"
              + " such as bounce.example.com, whose MX is this server");
    }
    Optional<String> feedback = DEFAULTS.feedbackAddress();
    if (returns.has(FEEDBACK_ADDRESS)) {
      String address = returns.text(FEEDBACK_ADDRESS).orElseThrow();
      int at = address.lastIndexOf('@');
      String local = at < 0 ? "" : address.substring(0, at);
      if (domain.isEmpty() || at < 0 || !address.substring(at + 1).equalsIgnoreCase(domain.get())) {
        throw returns.error(FEEDBACK_ADDRESS, "expected an address at " + returns.path(DOMAIN)
            + domain.map(n -> " (" + n + ")").orElse(", which is not set") + ", such as fbl@" + domain.orElse("bounce.example.com")
            + "; was '" + address + "'");
      }
      // RFC 5321 §4.1.2: a Dot-string local part; the VERP prefix belongs to the return paths.
      if (!FEEDBACK_LOCAL_PART.matcher(local).matches() || local.toLowerCase(Locale.ROOT).startsWith("bounces+")) {
        throw returns.error(FEEDBACK_ADDRESS, "expected a plain local part such as fbl"
            + " (letters, digits, '.', '_', '-'; not starting with bounces+, which the return paths use), was '" + local + "'");
      }
      feedback = Optional.of(local.toLowerCase(Locale.ROOT) + "@" + domain.get());
    }
    return builder().enabled(isEnabled).domain(domain).feedbackAddress(feedback).build();
  }

  void write(ObjectNode returns) {
    returns.put(Keys.ENABLED, isEnabled);
    domain.ifPresent(d -> returns.put(DOMAIN, d));
    feedbackAddress.ifPresent(address -> returns.put(FEEDBACK_ADDRESS, address));
  }

  /** The defaults (what an empty section reads as), to change some by name. */
  public static Builder builder() {
    return DEFAULTS.toBuilder();
  }

  /** A builder holding these settings, to change some by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The returns settings by name; {@link #build()} checks that an enabled section has a domain and
   * that the feedback address is at it.
   */
  public static final class Builder {
    private boolean isEnabled;
    private Optional<String> domain;
    private Optional<String> feedbackAddress;

    private Builder(ReturnsConfig from) {
      isEnabled = from.isEnabled;
      domain = from.domain;
      feedbackAddress = from.feedbackAddress;
    }

    public Builder enabled(boolean value) {
      isEnabled = value;
      return this;
    }

    public Builder domain(Optional<String> value) {
      domain = value;
      return this;
    }

    public Builder feedbackAddress(Optional<String> value) {
      feedbackAddress = value;
      return this;
    }

    public ReturnsConfig build() {
      return new ReturnsConfig(isEnabled, domain, feedbackAddress);
    }
  }
}
