package dev.hikyaku.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
    domains = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(domains));
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
    return new RecipientsConfig(verifyTimeout, verifyPositiveTtl, verifyNegativeTtl, harvestThreshold, newDomains);
  }

  /** Same settings with another verification timeout (tests wait milliseconds, not seconds). */
  public RecipientsConfig withVerifyTimeout(Duration timeout) {
    return new RecipientsConfig(timeout, verifyPositiveTtl, verifyNegativeTtl, harvestThreshold, domains);
  }

  /** Same settings with another harvest threshold. */
  public RecipientsConfig withHarvestThreshold(int threshold) {
    return new RecipientsConfig(verifyTimeout, verifyPositiveTtl, verifyNegativeTtl, threshold, domains);
  }
}
