package dev.hikyaku.delivery;

import java.util.Optional;

/**
 * The ARC set (RFC 8617) this server adds to a message it received on port 25 and passes on by
 * SMTP (a forward: to a route's next hop, a smarthost or another domain's MX), ending in CRLF;
 * empty when it adds none (the message was not checked here, or there is no key to seal with).
 */
@FunctionalInterface
public interface ArcSeal {

  Optional<byte[]> setFor(byte[] content);

  /** Seals nothing. */
  ArcSeal NONE = content -> Optional.empty();
}
