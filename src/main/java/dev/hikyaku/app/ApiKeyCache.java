package dev.hikyaku.app;

import dev.hikyaku.store.ApiKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A short-lived memory of API keys found active, with an enabled account, by their keyed hash
 * (issue 15: the store lookups per request were most of the key check's cost). What a request is
 * allowed (scopes, sender limits, the key's networks) is still judged on every request, from the
 * key remembered here.
 *
 * <p>Stale at most for the TTL: an entry is dropped once the store's count of administrative writes
 * has moved since it was read ({@code Store.administrativeWrites}), so a key revoked or an account
 * disabled through this process stops working at once; through another process (the admin CLI
 * against the same database), within the TTL. Refusals are never remembered: an unknown, revoked or
 * disabled key costs the lookup every time.
 *
 * <p>Bounded: past {@code maxEntries} the least recently used entry goes. The lock is a {@link
 * ReentrantLock} because callers run on virtual threads.
 */
final class ApiKeyCache {

  private record Remembered(ApiKey key, long writes, Instant expiresAt) {}

  private final Duration ttl;
  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final LinkedHashMap<String, Remembered> entries;

  /** @param ttl how long a key found active is trusted; {@link Duration#ZERO} remembers nothing */
  ApiKeyCache(Duration ttl, int maxEntries, Clock clock) {
    if (ttl.isNegative()) {
      throw new IllegalArgumentException("API key cache TTL must not be negative, got " + ttl);
    }
    if (maxEntries < 1) {
      throw new IllegalArgumentException("API key cache must hold at least one entry, got " + maxEntries);
    }
    this.ttl = ttl;
    this.clock = clock;
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Remembered> eldest) {
        return size() > maxEntries;
      }
    };
  }

  /** The key found active under {@code keyedHash}, if within the TTL and no write since ({@code writes}). */
  Optional<ApiKey> find(String keyedHash, long writes) {
    Instant now = clock.instant();
    lock.lock();
    try {
      Remembered entry = entries.get(keyedHash);
      if (entry == null) {
        return Optional.empty();
      }
      if (entry.writes() != writes || !now.isBefore(entry.expiresAt())) {
        entries.remove(keyedHash);
        return Optional.empty();
      }
      return Optional.of(entry.key());
    } finally {
      lock.unlock();
    }
  }

  /**
   * Remembers {@code key}, just read from the store and found active with an enabled account,
   * after {@code writes} was read; call for such a key only.
   */
  void remember(String keyedHash, ApiKey key, long writes) {
    if (ttl.isZero()) {
      return;
    }
    Instant expiresAt = clock.instant().plus(ttl);
    lock.lock();
    try {
      entries.put(keyedHash, new Remembered(key, writes, expiresAt));
    } finally {
      lock.unlock();
    }
  }
}
