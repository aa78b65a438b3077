package dev.hikyaku.store;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * An account that may sign in to the operators' console, with the secret of its second factor (a
 * TOTP, RFC 6238). {@link #toString()} leaves the secret out.
 *
 * @param totpSecret the shared secret (RFC 4226 §4: 160 bits here)
 * @param lastStep the last time step a code was accepted for; 0 before the first sign-in
 */
public record ConsoleAdmin(long accountId, String address, byte[] totpSecret, long lastStep, Instant createdAt) {

  public ConsoleAdmin {
    Objects.requireNonNull(address, "address");
    totpSecret = totpSecret.clone();
    Objects.requireNonNull(createdAt, "createdAt");
  }

  @Override
  public byte[] totpSecret() {
    return totpSecret.clone();
  }

  @Override
  public String toString() {
    return "ConsoleAdmin[address=" + address + ", lastStep=" + lastStep + ", createdAt=" + createdAt + "]";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ConsoleAdmin that && accountId == that.accountId && lastStep == that.lastStep
        && address.equals(that.address) && Arrays.equals(totpSecret, that.totpSecret) && createdAt.equals(that.createdAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(accountId, address, lastStep, createdAt);
  }
}
