package dev.hikyaku.store;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A generated key for an application, acting for one account. The store keeps only its keyed hash
 * (HMAC-SHA-256 with {@link ServerSecret#value()}, lower-case hex), as for app passwords.
 *
 * @param id stable and never reused after deletion
 * @param name unique among all keys (revoked ones keep their name)
 * @param account the address of the account the key acts for
 * @param keyedHash never printed
 * @param scopes what the key may do; {@link Scope#SEND} to send over SMTP AUTH or the API
 * @param senders narrows what the account may send as ({@code local@domain} or {@code @domain});
 *     empty for no narrowing
 * @param allowedNetworks where the key may be used from, as CIDR blocks ({@code 192.0.2.0/24}) in
 *     the text the caller gave (the store does not interpret them); empty for anywhere
 * @param limits how much the key may send, below its account's own rates and quotas
 */
public record ApiKey(
    long id,
    String name,
    String account,
    String keyedHash,
    Set<Scope> scopes,
    List<String> senders,
    List<String> allowedNetworks,
    Limits limits,
    Instant createdAt,
    Optional<Instant> lastUsedAt,
    Optional<Instant> revokedAt) {

  /** What a key may be used for. */
  public enum Scope {
    SEND,
    READ,
    ADMIN;

    /** The name in the CLI and the store: {@code send}, {@code read}, {@code admin}. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The scope whose {@link #configName()} is {@code text}, ignoring case. */
    public static Optional<Scope> parse(String text) {
      for (Scope scope : values()) {
        if (text != null && scope.configName().equalsIgnoreCase(text.strip())) {
          return Optional.of(scope);
        }
      }
      return Optional.empty();
    }
  }

  /**
   * A key's own sending limits, each empty for none. They only narrow: the account's rates and
   * quotas apply to the key's messages as well, so a key can never send more than its account.
   * {@code auth.Principal} carries them from a login with the key to the policy, by either door.
   *
   * @param messagesPerMinute transactions (MAIL) per minute, at least 1
   * @param messagesPerDay messages per day, at least 1
   */
  public record Limits(OptionalInt messagesPerMinute, OptionalInt messagesPerDay) {

    /** No limit of the key's own. */
    public static final Limits NONE = new Limits(OptionalInt.empty(), OptionalInt.empty());

    public Limits {
      Objects.requireNonNull(messagesPerMinute, "messagesPerMinute");
      Objects.requireNonNull(messagesPerDay, "messagesPerDay");
      // 0 would be a revoked key by another name, and the column's CHECK refuses it too.
      if (messagesPerMinute.orElse(1) < 1 || messagesPerDay.orElse(1) < 1) {
        throw new IllegalArgumentException("an API key's limits are at least 1 message");
      }
    }
  }

  public ApiKey {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(keyedHash, "keyedHash");
    scopes = Set.copyOf(scopes);
    senders = List.copyOf(senders);
    allowedNetworks = List.copyOf(allowedNetworks);
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(lastUsedAt, "lastUsedAt");
    Objects.requireNonNull(revokedAt, "revokedAt");
  }

  /** Whether it still authenticates: not revoked. */
  public boolean isActive() {
    return revokedAt.isEmpty();
  }

  public boolean hasScope(Scope scope) {
    return scopes.contains(scope);
  }

  /** Everything but the keyed hash: secrets and what is derived from them never reach logs. */
  @Override
  public String toString() {
    return "ApiKey[id=" + id + ", name=" + name + ", account=" + account + ", scopes=" + scopes
        + ", senders=" + senders + ", allowedNetworks=" + allowedNetworks + ", limits=" + limits
        + ", createdAt=" + createdAt
        + ", lastUsedAt=" + lastUsedAt.map(Instant::toString).orElse("never")
        + ", revokedAt=" + revokedAt.map(Instant::toString).orElse("active") + "]";
  }
}
