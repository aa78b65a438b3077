package dev.hikyaku.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A login for SMTP AUTH (RFC 4954) on the submission ports.
 *
 * @param id stable for the account's life and never reused after deletion
 * @param address the login and the account's own address, lower-case
 * @param domain the hosted domain the account lives in (the part after the last {@code @})
 * @param credentials opaque credential strings; never printed
 * @param isDisabled whether logins are refused
 * @param fromHeader what submission does with a From: the account may not send as
 * @param lastLoginAt last successful login as recorded (asynchronously, best effort)
 * @param credentialGeneration bumped whenever anything that decides a login changes (credentials,
 *     disabling, an app password revoked), so caches of successful verifications can tell they are
 *     stale
 */
public record Account(
    long id,
    String address,
    String domain,
    Credentials credentials,
    boolean isDisabled,
    FromHeaderPolicy fromHeader,
    Instant createdAt,
    Optional<Instant> lastLoginAt,
    long credentialGeneration) {

  public Account {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(domain, "domain");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(fromHeader, "fromHeader");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(lastLoginAt, "lastLoginAt");
  }

  /** Everything but credential values: {@link Credentials#toString()} says only which are present. */
  @Override
  public String toString() {
    return "Account[id=" + id + ", address=" + address + ", domain=" + domain
        + ", credentials=" + credentials + ", isDisabled=" + isDisabled
        + ", fromHeader=" + fromHeader.configName() + ", createdAt=" + createdAt
        + ", lastLoginAt=" + lastLoginAt.map(Instant::toString).orElse("never")
        + ", credentialGeneration=" + credentialGeneration + "]";
  }
}
