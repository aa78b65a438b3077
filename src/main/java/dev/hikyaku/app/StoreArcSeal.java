package dev.hikyaku.app;

import dev.hikyaku.delivery.ArcSeal;
import dev.hikyaku.mailauth.ArcSealer;
import dev.hikyaku.mailauth.DkimAlgorithm;
import dev.hikyaku.mailauth.DkimKey;
import dev.hikyaku.mailauth.Dmarc;
import dev.hikyaku.store.StoreException;
import java.security.GeneralSecurityException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ARC seal (RFC 8617) on the store's DKIM keys: the first active RSA key of the host name's
 * organizational domain, else of a hosted domain in the config's order; the sealer's own rules say
 * when a message gets a set (checked here, chain not failed).
 */
final class StoreArcSeal implements ArcSeal {

  private static final Logger log = LoggerFactory.getLogger(StoreArcSeal.class);

  private final StoreDkimKeys keys;
  private final ArcSealer sealer;
  private final String authservId;
  private final List<String> domains;

  StoreArcSeal(StoreDkimKeys keys, ArcSealer sealer, String hostname, List<String> hostedDomains) {
    this.keys = keys;
    this.sealer = sealer;
    this.authservId = hostname;
    Set<String> order = new LinkedHashSet<>();
    order.add(Dmarc.organizationalDomain(hostname));
    order.addAll(hostedDomains);
    this.domains = List.copyOf(order);
  }

  @Override
  public Optional<byte[]> setFor(byte[] content) {
    try {
      Optional<DkimKey> key = key();
      return key.isEmpty() ? Optional.empty() : sealer.seal(content, authservId, key.get());
    } catch (StoreException | GeneralSecurityException e) {
      // Unsealed is how the message would go without ARC: it is not held back for it.
      log.warn("ARC: the message goes on without our seal: {}", e.getMessage());
      return Optional.empty();
    }
  }

  private Optional<DkimKey> key() throws StoreException {
    for (String domain : domains) {
      for (DkimKey key : keys.activeKeys(domain)) {
        if (key.algorithm() == DkimAlgorithm.RSA_SHA256) {
          return Optional.of(key);
        }
      }
    }
    return Optional.empty();
  }
}
