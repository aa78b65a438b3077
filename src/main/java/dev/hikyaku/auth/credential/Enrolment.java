package dev.hikyaku.auth.credential;

import dev.hikyaku.store.Credentials;
import java.util.Arrays;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Turns a new password into what the store keeps (NIST SP 800-63B "enrolment"): an Argon2id hash
 * for PLAIN and LOGIN, the SCRAM-SHA-256 StoredKey/ServerKey (RFC 5802 §3), and — only when the
 * operator enabled CRAM-MD5 — the HMAC-MD5 inner/outer state, which is plaintext-equivalent for
 * CRAM-MD5 itself (RFC 2195 §4). The password is never stored.
 */
public final class Enrolment {

  private final PasswordHasher hasher;
  private final int scramIterations;
  private final boolean isCramMd5Enabled;
  private final RandomGenerator random;

  public Enrolment(PasswordHasher hasher, int scramIterations, boolean isCramMd5Enabled, RandomGenerator random) {
    this.hasher = hasher;
    this.scramIterations = scramIterations;
    this.isCramMd5Enabled = isCramMd5Enabled;
    this.random = random;
  }

  /**
   * The stored forms of {@code password}. One that SASLprep refuses (RFC 4013: an emoji or other
   * code point unassigned in Unicode 3.2, mixed text directions) gets no SCRAM credential, as RFC
   * 5802 §2.2 requires: the account then logs in with PLAIN or LOGIN, whose hash takes it as is
   * ({@link PasswordHasher}).
   */
  public Credentials credentials(char[] password) {
    Optional<char[]> prepared = SaslPrep.prepareStored(password);
    prepared.ifPresent(p -> Arrays.fill(p, '\0'));
    return new Credentials(
        Optional.of(hasher.hash(password)),
        prepared.isPresent() ? Optional.of(ScramCredential.derive(password, scramIterations, random).encode()) : Optional.empty(),
        isCramMd5Enabled ? Optional.of(CramMd5Secret.derive(password).encode()) : Optional.empty());
  }
}
