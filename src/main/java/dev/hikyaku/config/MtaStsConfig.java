package dev.hikyaku.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code mta-sts} section: the MTA-STS policy (RFC 8461 §3.2) this server publishes for its
 * hosted domains, served at {@code https://mta-sts.<domain>/.well-known/mta-sts.txt} by the HTTPS
 * listener of the API. Described in docs/configuration.md.
 *
 * @param mode {@code enforce}, {@code testing} or {@code none}; empty: no policy is served
 * @param mx the MX host patterns senders may deliver to (a name, or "*." and a domain); empty:
 *     this server's host name
 * @param maxAge how long senders may keep the policy (RFC 8461 §3.2: at most 31557600 s)
 */
public record MtaStsConfig(Optional<String> mode, List<String> mx, Duration maxAge) {

  public MtaStsConfig {
    Objects.requireNonNull(mode, "mode");
    mx = List.copyOf(mx);
    Objects.requireNonNull(maxAge, "maxAge");
  }

  static final String SECTION = "mta-sts";
  private static final String MODE = "mode";
  private static final String MX = "mx";
  private static final String MAX_AGE = "max-age";
  static final List<String> KEYS = List.of(MODE, MX, MAX_AGE);
  private static final List<String> MODES = List.of("enforce", "testing", "none");

  /** No policy served; once a mode is set, this server as the one MX host, for a week (RFC 8461 §3.2 suggests weeks). */
  static final MtaStsConfig DEFAULTS = new MtaStsConfig(Optional.empty(), List.of(), Duration.ofDays(7));

  static MtaStsConfig read(Section section) throws ConfigException {
    Optional<String> mode = section.text(MODE);
    if (mode.isPresent() && !MODES.contains(mode.get())) {
      throw section.error(section.path(MODE), section.node(MODE), "must be enforce, testing or none, was '" + mode.get() + "'");
    }
    List<String> mx = new ArrayList<>();
    if (section.has(MX)) {
      String path = section.path(MX);
      List<YamlNode> items = section.list(section.node(MX), path, "MX host names or *.domain patterns");
      for (int i = 0; i < items.size(); i++) {
        String itemPath = path + "[" + i + "]";
        String pattern = section.text(items.get(i), itemPath);
        Optional<String> problem = HostSyntax.domainProblem(pattern.startsWith("*.") ? pattern.substring(2) : pattern);
        if (problem.isPresent()) {
          throw section.error(itemPath, items.get(i), problem.get());
        }
        mx.add(pattern.toLowerCase(Locale.ROOT));
      }
    }
    Duration maxAge = section.duration(MAX_AGE, DEFAULTS.maxAge(), Duration.ofDays(1), Duration.ofSeconds(31_557_600), "");
    return new MtaStsConfig(mode, mx, maxAge);
  }

  void write(ObjectNode section) {
    mode.ifPresent(m -> section.put(MODE, m));
    if (!mx.isEmpty()) {
      ArrayNode hosts = section.putArray(MX);
      mx.forEach(hosts::add);
    }
    section.put(MAX_AGE, DurationSyntax.format(maxAge));
  }

  /**
   * The policy file as served (RFC 8461 §3.2: CRLF line ends) by the server named {@code hostname},
   * when a mode is set. Its text names
   * the policy: a change of mode, MX or max-age is a new policy, whose record id must change too.
   */
  public Optional<String> policyText(String hostname) {
    return mode.map(m -> {
      StringBuilder text = new StringBuilder("version: STSv1\r\nmode: " + m + "\r\n");
      (mx.isEmpty() ? List.of(hostname.toLowerCase(Locale.ROOT)) : mx).forEach(host -> text.append("mx: ").append(host).append("\r\n"));
      return text.append("max_age: ").append(maxAge.toSeconds()).append("\r\n").toString();
    });
  }
}
