package dev.hikyaku.auth;

import dev.hikyaku.auth.credential.HmacSha256;
import dev.hikyaku.protocol.Utf8;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import javax.crypto.Mac;

/**
 * A short-lived memory of successful verifications (as Dovecot's auth cache), so that a client that
 * logs in once per message pays Argon2id once per TTL instead of every time.
 *
 * <p>Each entry is keyed by HMAC-SHA-256, under a key drawn at construction and never stored, of
 * (account, credential generation, secret). Nothing here can be turned back into a password: a heap
 * dump shows tags under a key that dies with the process. The caller bumps the credential
 * generation whenever an account's credentials change (password set, app password revoked), which
 * makes every older entry for it unreachable at once; {@link #forget} drops them outright.
 *
 * <p>Failures are never remembered: only {@link #remember} adds, and callers call it after a
 * successful verification only. A miss costs the caller a real verification, never a refusal.
 *
 * <p>Bounded: past {@code maxEntries} the least recently used entry goes. Thread-safe; the lock is
 * a {@link ReentrantLock} because callers run on virtual threads.
 */
public final class VerificationCache {

  private final Duration ttl;
  private final int maxEntries;
  private final Clock clock;
  private final byte[] key = new byte[32];
  private final Mac prepared; // keyed once, cloned per tag
  private final ReentrantLock lock = new ReentrantLock();

  /** Tag (hex) → success, in access order for LRU eviction. */
  private final LinkedHashMap<String, Success> entries;

  private record Success(String account, Instant expiresAt) {}

  /**
   * @param ttl how long a success is trusted; positive
   * @param maxEntries the most entries held; positive
   * @param clock the time source for expiry
   */
  public VerificationCache(Duration ttl, int maxEntries, Clock clock) {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("verification cache TTL must be positive, got " + ttl);
    }
    if (maxEntries < 1) {
      throw new IllegalArgumentException(
          "verification cache must hold at least one entry, got " + maxEntries);
    }
    this.ttl = ttl;
    this.maxEntries = maxEntries;
    this.clock = clock;
    new SecureRandom().nextBytes(key);
    this.prepared = HmacSha256.newMac(key);
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Success> eldest) {
            return size() > VerificationCache.this.maxEntries;
          }
        };
  }

  /** Whether {@code secret} verified for {@code account} at this generation within the TTL. */
  public boolean isVerified(String account, long credentialGeneration, char[] secret) {
    String tag = tag(account, credentialGeneration, secret);
    Instant now = clock.instant();
    lock.lock();
    try {
      Success entry = entries.get(tag);
      if (entry == null) {
        return false;
      }
      if (!now.isBefore(entry.expiresAt())) {
        entries.remove(tag);
        return false;
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Records that {@code secret} just verified for {@code account}; call on success only. */
  public void remember(String account, long credentialGeneration, char[] secret) {
    String tag = tag(account, credentialGeneration, secret);
    Instant expiresAt = clock.instant().plus(ttl);
    lock.lock();
    try {
      entries.put(tag, new Success(account, expiresAt));
    } finally {
      lock.unlock();
    }
  }

  /** Drops every entry for {@code account} (credentials changed, account locked or deleted). */
  public void forget(String account) {
    lock.lock();
    try {
      entries.values().removeIf(entry -> entry.account().equals(account));
    } finally {
      lock.unlock();
    }
  }

  /** Entries held, expired ones included until they are next looked at or evicted. */
  int size() {
    lock.lock();
    try {
      return entries.size();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "VerificationCache[ttl=" + ttl + ", maxEntries=" + maxEntries + "]";
  }

  /** HMAC(key, len(account) ‖ account ‖ generation ‖ secret): lengths keep fields apart. */
  String tag(String account, long credentialGeneration, char[] secret) {
    byte[] accountBytes = account.getBytes(StandardCharsets.UTF_8);
    byte[] header =
        ByteBuffer.allocate(Integer.BYTES + accountBytes.length + Long.BYTES)
            .putInt(accountBytes.length)
            .put(accountBytes)
            .putLong(credentialGeneration)
            .array();
    byte[] secretBytes = Utf8.encodeSecret(secret);
    try {
      return HexFormat.of().formatHex(HmacSha256.mac(prepared, key, header, secretBytes));
    } finally {
      Arrays.fill(secretBytes, (byte) 0);
    }
  }
}
