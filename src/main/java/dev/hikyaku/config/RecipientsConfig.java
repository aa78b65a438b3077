package dev.hikyaku.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Which recipients the hosted domains take mail for (the {@code recipients} section), beyond their
 * accounts, the addresses those may send as and {@code postmaster}. Described in
 * docs/configuration.md.
 *
 * @param verifyTimeout how long the next hop of a domain routed by LMTP or SMTP has to say whether
 *     a recipient exists, at RCPT, before the client is told 450 4.4.3
 * @param verifyPositiveTtl how long a recipient the next hop took is remembered
 * @param verifyNegativeTtl how long a recipient the next hop refused is remembered
 * @param harvestThreshold distinct unknown recipients one client address may ask for within an hour
 *     before its /24 or /64 is blocked for {@code abuse.block-duration} (directory harvest)
 * @param domains per hosted domain (lower case): a catch-all, or local parts that have no account
 */
public record RecipientsConfig(
    Duration verifyTimeout,
    Duration verifyPositiveTtl,
    Duration verifyNegativeTtl,
    int harvestThreshold,
    Map<String, Domain> domains) {

  public RecipientsConfig {
    Objects.requireNonNull(verifyTimeout, "verifyTimeout");
    Objects.requireNonNull(verifyPositiveTtl, "verifyPositiveTtl");
    Objects.requireNonNull(verifyNegativeTtl, "verifyNegativeTtl");
    // Keep the file's order, so the writer gives the map back as it was written.
    domains = Collections.unmodifiableMap(new LinkedHashMap<>(domains));
  }

  /**
   * One {@code recipients.domains.<domain>} entry.
   *
   * @param isCatchAll every local part of the domain is a recipient (opt-in: it takes mail for any
   *     made-up address, and on a Maildir route gives each one a Maildir)
   * @param localParts local parts (lower case) that are recipients without an account, such as
   *     {@code info} or {@code abuse} (RFC 2142)
   */
  public record Domain(boolean isCatchAll, List<String> localParts) {
    public Domain {
      localParts = List.copyOf(localParts);
    }
  }

  /** Same settings with other per-domain entries (tests make a domain a catch-all this way). */
  public RecipientsConfig withDomains(Map<String, Domain> newDomains) {
    return toBuilder().domains(newDomains).build();
  }

  /** Same settings with another verification timeout (tests wait milliseconds, not seconds). */
  public RecipientsConfig withVerifyTimeout(Duration timeout) {
    return toBuilder().verifyTimeout(timeout).build();
  }

  /** Same settings with another harvest threshold. */
  public RecipientsConfig withHarvestThreshold(int threshold) {
    return toBuilder().harvestThreshold(threshold).build();
  }

  static final String SECTION = "recipients";
  private static final String VERIFY_TIMEOUT = "verify-timeout";
  private static final String VERIFY_POSITIVE_TTL = "verify-positive-ttl";
  private static final String VERIFY_NEGATIVE_TTL = "verify-negative-ttl";
  private static final String HARVEST_THRESHOLD = "harvest-threshold";
  static final String DOMAINS = "domains";
  static final List<String> KEYS =
      List.of(VERIFY_TIMEOUT, VERIFY_POSITIVE_TTL, VERIFY_NEGATIVE_TTL, HARVEST_THRESHOLD, DOMAINS);
  private static final String CATCH_ALL = "catch-all";
  private static final String LOCAL_PARTS = "local-parts";
  /** One {@code recipients.domains.<domain>} entry. */
  static final List<String> DOMAIN_KEYS = List.of(CATCH_ALL, LOCAL_PARTS);

  /**
   * Hosted domains take mail for their accounts, the addresses those may send as and postmaster,
   * with no catch-all (an opt-in). A next hop has 10 s to say whether a recipient exists: the
   * client waits at RCPT, and RFC 5321 §4.5.3.2.3 gives it 5 minutes, but a mailbox server that
   * needs longer is not well. An existing mailbox is remembered an hour, a missing one ten minutes,
   * so that one created at the next hop is reachable soon. Twenty distinct unknown recipients from
   * one address in an hour is no mailing list's stale entries but a dictionary.
   */
  static final RecipientsConfig DEFAULTS =
      new RecipientsConfig(Duration.ofSeconds(10), Duration.ofHours(1), Duration.ofMinutes(10), 20, Map.of());

  private static final Duration MAX_VERIFY_TIMEOUT = Duration.ofMinutes(4);
  // Postfix keeps a verified address 31 days; longer would outlive most mailbox changes unseen.
  private static final Duration MAX_VERIFY_TTL = Duration.ofDays(31);

  /**
   * {@code recipients}: verification timeouts and the harvest threshold, and per hosted domain a
   * catch-all or a list of local parts. Only hosted domains: any other domain's recipients are not
   * ours to list.
   */
  static RecipientsConfig read(Section recipients, List<String> hostedDomains) throws ConfigException {
    RecipientsConfig d = DEFAULTS;
    Map<String, Domain> domains =
        recipients.byDomain(DOMAINS, DOMAIN_KEYS, "recipient settings", RecipientsConfig::readDomain);
    YamlNode given = recipients.get(DOMAINS).orElse(null);
    for (String domain : domains.keySet()) {
      if (hostedDomains.stream().noneMatch(domain::equalsIgnoreCase)) {
        YamlNode where = given instanceof YamlNode.Mapping mapping ? mapping.entries().entrySet().stream()
            .filter(e -> e.getKey().equalsIgnoreCase(domain)).findFirst().map(Map.Entry::getValue).orElse(given) : given;
        throw recipients.error(recipients.path(DOMAINS) + "." + domain, where,
            "'" + domain + "' is not one of " + Keys.HOSTED_DOMAINS + "; only a hosted domain's recipients are listed here");
      }
    }
    return d.toBuilder()
        // RFC 5321 §4.5.3.2.3: the client waits 5 minutes for the RCPT reply; the check must end first.
        .verifyTimeout(recipients.duration(VERIFY_TIMEOUT, d.verifyTimeout(), Section.MIN_TIMEOUT, MAX_VERIFY_TIMEOUT,
            " (a client waits 5 minutes for its RCPT reply, RFC 5321 §4.5.3.2.3)"))
        .verifyPositiveTtl(
            recipients.duration(VERIFY_POSITIVE_TTL, d.verifyPositiveTtl(), Section.MIN_TIMEOUT, MAX_VERIFY_TTL, ""))
        .verifyNegativeTtl(
            recipients.duration(VERIFY_NEGATIVE_TTL, d.verifyNegativeTtl(), Section.MIN_TIMEOUT, MAX_VERIFY_TTL, ""))
        .harvestThreshold(recipients.positive(HARVEST_THRESHOLD, d.harvestThreshold()))
        .domains(domains)
        .build();
  }

  /** One {@code recipients.domains.<domain>} entry: {@code catch-all: true}, or {@code local-parts}. */
  private static Domain readDomain(Section entry, YamlNode where) throws ConfigException {
    boolean isCatchAll = entry.bool(CATCH_ALL, false);
    List<String> localParts = new ArrayList<>();
    if (entry.has(LOCAL_PARTS)) {
      String path = entry.path(LOCAL_PARTS);
      for (YamlNode item : entry.list(entry.node(LOCAL_PARTS), path, "local parts")) {
        String local = entry.text(item, path);
        if (local.indexOf('@') >= 0 || local.chars().anyMatch(Character::isISOControl)) {
          throw entry.error(path, item, "'" + local + "' is not a local part: write it without @domain, such as info");
        }
        localParts.add(local.toLowerCase(Locale.ROOT));
      }
    }
    if (isCatchAll && !localParts.isEmpty()) {
      throw entry.error(LOCAL_PARTS,
          "a catch-all domain takes every local part already; give catch-all: true or local-parts, not both");
    }
    if (!isCatchAll && localParts.isEmpty()) {
      throw entry.error(entry.path(), where, "expected catch-all: true or a list of local-parts");
    }
    return new Domain(isCatchAll, localParts);
  }

  void write(ObjectNode recipients) {
    recipients.put(VERIFY_TIMEOUT, DurationSyntax.format(verifyTimeout));
    recipients.put(VERIFY_POSITIVE_TTL, DurationSyntax.format(verifyPositiveTtl));
    recipients.put(VERIFY_NEGATIVE_TTL, DurationSyntax.format(verifyNegativeTtl));
    recipients.put(HARVEST_THRESHOLD, harvestThreshold);
    ObjectNode byDomain = recipients.putObject(DOMAINS);
    domains.forEach((domain, entry) -> {
      ObjectNode item = byDomain.putObject(domain);
      if (entry.isCatchAll()) {
        item.put(CATCH_ALL, true);
      } else {
        ArrayNode localParts = item.putArray(LOCAL_PARTS);
        entry.localParts().forEach(localParts::add);
      }
    });
  }

  /** The defaults (what an empty section reads as), to change some by name. */
  public static Builder builder() {
    return DEFAULTS.toBuilder();
  }

  /** A builder holding these settings, to change some by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The recipient settings by name. */
  public static final class Builder {
    private Duration verifyTimeout;
    private Duration verifyPositiveTtl;
    private Duration verifyNegativeTtl;
    private int harvestThreshold;
    private Map<String, Domain> domains;

    private Builder(RecipientsConfig from) {
      verifyTimeout = from.verifyTimeout;
      verifyPositiveTtl = from.verifyPositiveTtl;
      verifyNegativeTtl = from.verifyNegativeTtl;
      harvestThreshold = from.harvestThreshold;
      domains = from.domains;
    }

    public Builder verifyTimeout(Duration value) {
      verifyTimeout = value;
      return this;
    }

    public Builder verifyPositiveTtl(Duration value) {
      verifyPositiveTtl = value;
      return this;
    }

    public Builder verifyNegativeTtl(Duration value) {
      verifyNegativeTtl = value;
      return this;
    }

    public Builder harvestThreshold(int value) {
      harvestThreshold = value;
      return this;
    }

    public Builder domains(Map<String, Domain> value) {
      domains = value;
      return this;
    }

    public RecipientsConfig build() {
      return new RecipientsConfig(verifyTimeout, verifyPositiveTtl, verifyNegativeTtl, harvestThreshold, domains);
    }
  }
}
