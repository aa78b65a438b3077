package dev.hikyaku.intake;

import dev.hikyaku.mailauth.DkimKey;
import dev.hikyaku.mailauth.DkimSigner;
import dev.hikyaku.store.StoreException;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * DKIM signing of what accounts submit (RFC 6376, RFC 8463): the message is signed with the
 * active keys of its From domain, so that the signature aligns with the author for DMARC (RFC
 * 7489 §3.1.1). A domain without keys goes out unsigned.
 */
public record DkimSigning(DkimSigner signer, KeySource keys) {

  /** The keys that sign for a domain now (from the store, cached by the wiring). */
  @FunctionalInterface
  public interface KeySource {
    List<DkimKey> activeKeys(String domain) throws StoreException;
  }

  /** Signs nothing. */
  public static final DkimSigning NONE = new DkimSigning(new DkimSigner(Clock.systemUTC()), domain -> List.of());

  public DkimSigning {
    Objects.requireNonNull(signer, "signer");
    Objects.requireNonNull(keys, "keys");
  }

  /** The domain DKIM signs for: that of the first author in From (RFC 5322 §3.6.2). */
  static Optional<String> authorDomain(HeaderFacts facts) {
    return facts.fromAddresses()
        .filter(addresses -> !addresses.isEmpty())
        .map(addresses -> addresses.getFirst())
        .filter(address -> address.lastIndexOf('@') > 0)
        .map(address -> address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT));
  }
}
