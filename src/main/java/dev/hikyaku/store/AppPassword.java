package dev.hikyaku.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A generated password for one application of one account. The store keeps only its keyed hash
 * (HMAC-SHA-256 with {@link ServerSecret#value()}, lower-case hex): a generated password carries
 * enough entropy that a fast keyed hash is as safe as Argon2id, and lets clients that connect per
 * message log in cheaply.
 *
 * @param id stable and never reused after deletion
 * @param name the label the owner gave it, unique per account (revoked ones keep their name)
 * @param keyedHash never printed
 */
public record AppPassword(
    long id,
    String name,
    String keyedHash,
    Instant createdAt,
    Optional<Instant> lastUsedAt,
    Optional<Instant> revokedAt) {

  public AppPassword {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(keyedHash, "keyedHash");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(lastUsedAt, "lastUsedAt");
    Objects.requireNonNull(revokedAt, "revokedAt");
  }

  /** Whether it still logs in: not revoked. */
  public boolean isActive() {
    return revokedAt.isEmpty();
  }

  /** Everything but the keyed hash: secrets and what is derived from them never reach logs. */
  @Override
  public String toString() {
    return "AppPassword[id=" + id + ", name=" + name + ", createdAt=" + createdAt
        + ", lastUsedAt=" + lastUsedAt.map(Instant::toString).orElse("never")
        + ", revokedAt=" + revokedAt.map(Instant::toString).orElse("active") + "]";
  }
}
