package dev.hikyaku.store;

import java.util.Objects;
import java.util.Optional;

/**
 * An account's stored credentials, one per SASL mechanism family that needs its own form. To the
 * store each is an opaque string produced by {@code dev.hikyaku.auth}; absent means the account cannot
 * use that family.
 *
 * @param argon2id a PHC string for PLAIN and LOGIN (verified with Argon2id)
 * @param scramSha256 the stored-key record for SCRAM-SHA-256 (RFC 7677, RFC 5802 §3)
 * @param cramMd5 the secret CRAM-MD5 needs (RFC 2195: the server must hold a password equivalent)
 */
public record Credentials(
    Optional<String> argon2id, Optional<String> scramSha256, Optional<String> cramMd5) {

  public Credentials {
    requireNotEmpty(argon2id, "argon2id");
    requireNotEmpty(scramSha256, "scramSha256");
    requireNotEmpty(cramMd5, "cramMd5");
  }

  /** No credentials: the account cannot log in with a password (app passwords may still work). */
  public static Credentials none() {
    return new Credentials(Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** Whether no credential of any kind is present. */
  public boolean isEmpty() {
    return argon2id.isEmpty() && scramSha256.isEmpty() && cramMd5.isEmpty();
  }

  /** Says which credentials are present, never their values: secrets never reach logs. */
  @Override
  public String toString() {
    return "Credentials[argon2id=" + presence(argon2id)
        + ", scramSha256=" + presence(scramSha256)
        + ", cramMd5=" + presence(cramMd5) + "]";
  }

  private static String presence(Optional<String> credential) {
    return credential.isPresent() ? "present" : "absent";
  }

  private static void requireNotEmpty(Optional<String> credential, String name) {
    Objects.requireNonNull(credential, name);
    if (credential.isPresent() && credential.get().isEmpty()) {
      // The value is empty, so naming it reveals nothing.
      throw new IllegalArgumentException(name + " is an empty string; use Optional.empty() for none");
    }
  }
}
