package dev.hikyaku.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The hosted domains as the server's operators see them over the API ({@code hikyaku domain},
 * {@code dkim}, {@code dns check}): each with its DKIM keys and the records to publish for them, a
 * check of what the domain's DNS says against what sending through this server needs, and DKIM key
 * rotation (a new key, pending until its record is published; then activated, retiring the one it
 * replaces). The app backs it with the store and the server's DNS resolver; every change is recorded
 * for the audit log, naming who made it.
 */
public interface DomainDesk {

  /** No domains. */
  DomainDesk NONE = new DomainDesk() {
    @Override
    public List<Domain> domains() {
      return List.of();
    }

    @Override
    public Optional<List<Finding>> check(String domain) {
      return Optional.empty();
    }

    @Override
    public Optional<Key> newKey(String domain, String algorithm, String by) {
      return Optional.empty();
    }

    @Override
    public Optional<Key> activate(String domain, String selector, String by) {
      return Optional.empty();
    }
  };

  /**
   * Every hosted domain with its DKIM keys.
   *
   * @throws Unavailable if the store cannot answer now
   */
  List<Domain> domains() throws Unavailable;

  /** What the DNS of {@code domain} says, record by record; empty when it is not a hosted domain. */
  Optional<List<Finding>> check(String domain) throws Unavailable;

  /**
   * A new DKIM key for {@code domain}, pending (not yet signing); empty when it is not a hosted domain.
   *
   * @param algorithm {@code rsa} or {@code ed25519}
   */
  Optional<Key> newKey(String domain, String algorithm, String by) throws Unavailable;

  /** Signs with key {@code selector} from now on, retiring the one it replaces; empty when there is none. */
  Optional<Key> activate(String domain, String selector, String by) throws Unavailable;

  record Domain(String name, List<Key> keys) {
    public Domain {
      keys = List.copyOf(keys);
    }
  }

  /**
   * One DKIM key, and the TXT record that publishes it.
   *
   * @param state {@code pending}, {@code active} or {@code retired}
   */
  record Key(String selector, String algorithm, String state, Instant createdAt, String recordName, String record) {}

  /**
   * One record checked.
   *
   * @param kind {@code MX}, {@code SPF}, {@code DKIM}, {@code DMARC}, {@code MTA-STS}, {@code TLS-RPT}, {@code TLSA}
   * @param status {@code ok}, {@code missing}, {@code wrong} or {@code unknown} (the lookup failed)
   * @param fix the record to publish, when one is missing or wrong
   */
  record Finding(String kind, String status, String detail, Optional<String> fix) {}
}
