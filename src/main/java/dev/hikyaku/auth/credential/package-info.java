/**
 * Stored credentials and the rules for new ones: {@link dev.hikyaku.auth.credential.PasswordHasher}
 * (Argon2id, PHC strings), {@link dev.hikyaku.auth.credential.ScramCredential} and {@link
 * dev.hikyaku.auth.credential.CramMd5Secret} (derived once, at enrolment, by {@link
 * dev.hikyaku.auth.credential.Enrolment}), generated secrets (app passwords, API keys) checked with
 * a {@link dev.hikyaku.auth.credential.KeyedHash}, and the {@link
 * dev.hikyaku.auth.credential.PasswordPolicy} (NIST SP 800-63B: {@link
 * dev.hikyaku.auth.credential.CommonPasswords}, {@link dev.hikyaku.auth.credential.PredictableRuns}).
 *
 * <p>Invariants: human passwords are verified with Argon2id; generated secrets carry at least 128
 * bits of entropy and are stored only as a keyed hash; a password is SASLprep-ed (RFC 4013) before
 * anything is hashed or derived from it, so every mechanism sees the same secret.
 *
 * <p>Must never: log or store a secret in the clear; depend on a SASL mechanism or the token issuer;
 * read or write the store ({@code Enrolment} only builds the store's {@code Credentials} value).
 */
package dev.hikyaku.auth.credential;
