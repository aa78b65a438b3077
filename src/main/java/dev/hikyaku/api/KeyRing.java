package dev.hikyaku.api;

import dev.hikyaku.store.ApiKey;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The API keys ({@code hikyaku api-key}), as their accounts and the server's operators see them
 * over the API: an account its own, an operator everyone's. A key's secret exists once, in the
 * answer to its creation; the store keeps a keyed hash. The app backs it with {@code
 * store.ApiKeys}; creations and revocations are recorded for the audit log, naming who made them.
 */
public interface KeyRing {

  /** No keys, none can be made. */
  KeyRing NONE = new KeyRing() {
    @Override
    public List<Entry> list(Optional<String> account) {
      return List.of();
    }

    @Override
    public Creation create(String account, String name, Set<ApiKey.Scope> scopes, String by) {
      return new Creation.Refused("no keys can be made here");
    }

    @Override
    public Optional<Entry> revoke(String name, Optional<String> account, String by) {
      return Optional.empty();
    }
  };

  /**
   * The keys of {@code account}, or of every account when empty; revoked ones included.
   *
   * @throws Unavailable if the store cannot answer now
   */
  List<Entry> list(Optional<String> account) throws Unavailable;

  /** A new key for {@code account} named {@code name}. */
  Creation create(String account, String name, Set<ApiKey.Scope> scopes, String by) throws Unavailable;

  /**
   * Revokes key {@code name}, when it belongs to {@code account} (any account when empty); the key
   * as it is now, or empty when there is no such key (of that account).
   */
  Optional<Entry> revoke(String name, Optional<String> account, String by) throws Unavailable;

  /** One key, without its secret or hash. */
  record Entry(String name, String account, Set<ApiKey.Scope> scopes, List<String> senders, Instant createdAt,
      Optional<Instant> lastUsedAt, Optional<Instant> revokedAt) {}

  /** What became of a creation. */
  sealed interface Creation {
    /** Made: {@code secret} is the key, shown this once. */
    record Created(Entry key, String secret) implements Creation {}

    /** Not made: a name taken, an unknown account, a name the rules refuse. */
    record Refused(String detail) implements Creation {}
  }
}
