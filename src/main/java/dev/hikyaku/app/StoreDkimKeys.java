package dev.hikyaku.app;

import dev.hikyaku.intake.DkimSigning;
import dev.hikyaku.mailauth.DkimAlgorithm;
import dev.hikyaku.mailauth.DkimKey;
import dev.hikyaku.mailauth.DkimKeys;
import dev.hikyaku.store.SigningKey;
import dev.hikyaku.store.SigningKeys;
import dev.hikyaku.store.StoreException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active DKIM keys of a domain, from the store, kept for a minute so that signing costs no
 * database read per message; a key activated or retired with the CLI signs (or stops) within that
 * minute, as the other admin changes take effect.
 */
final class StoreDkimKeys implements DkimSigning.KeySource {

  static final Duration TTL = Duration.ofMinutes(1);
  private static final Logger log = LoggerFactory.getLogger(StoreDkimKeys.class);

  private record Cached(List<DkimKey> keys, Instant until) {}

  private final SigningKeys store;
  private final Clock clock;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  StoreDkimKeys(SigningKeys store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  @Override
  public List<DkimKey> activeKeys(String domain) throws StoreException {
    Instant now = clock.instant();
    Cached cached = cache.get(domain);
    if (cached != null && now.isBefore(cached.until())) {
      return cached.keys();
    }
    List<DkimKey> keys = new ArrayList<>();
    for (SigningKey stored : store.active(domain)) {
      try {
        keys.add(toKey(stored));
      } catch (GeneralSecurityException | RuntimeException e) {
        log.error("DKIM key {} cannot be read; not signing with it: {}", stored, e.toString());
      }
    }
    List<DkimKey> found = List.copyOf(keys);
    cache.put(domain, new Cached(found, now.plus(TTL)));
    return found;
  }

  static DkimKey toKey(SigningKey stored) throws GeneralSecurityException {
    DkimAlgorithm algorithm = DkimAlgorithm.named(stored.algorithm())
        .orElseThrow(() -> new GeneralSecurityException("unknown DKIM algorithm " + stored.algorithm()));
    return DkimKeys.read(stored.domain(), stored.selector(), algorithm, stored.privateKey(), stored.publicKey());
  }
}
