package dev.hikyaku.auth.credential;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * What a SCRAM-SHA-256 server keeps for one account (RFC 5802 §3, RFC 7677): the salt, the
 * iteration count, StoredKey = H(HMAC(SaltedPassword, "Client Key")) and ServerKey =
 * HMAC(SaltedPassword, "Server Key"). Neither the password nor SaltedPassword is kept; StoredKey
 * verifies a client proof, ServerKey signs the server's answer.
 *
 * <p>Hi() is the JDK's PBKDF2WithHmacSHA256 (RFC 5802 §2.2: Hi is PBKDF2 with HMAC as the PRF and
 * dkLen the hash's output length), HMAC and SHA-256 the JDK's; SASLprep is {@code
 * com.ongres.stringprep:saslprep}.
 *
 * @param salt the salt, at least one byte
 * @param iterations the iteration count, at least 4096 (RFC 7677 §4)
 * @param storedKey StoredKey, 32 bytes
 * @param serverKey ServerKey, 32 bytes
 */
public record ScramCredential(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {

  /** RFC 7677 §4: "the iteration count ... SHOULD be at least 4096"; enforced here as a MUST. */
  public static final int MIN_ITERATIONS = 4096;

  /** Enough for years of hardware growth, low enough that a corrupt record cannot stall a login. */
  static final int MAX_ITERATIONS = 10_000_000;

  /**
   * RFC 7677 §4 asks for a salt that is unique per account; 16 random bytes, as RFC 9106 §4 does.
   */
  public static final int SALT_BYTES = 16;

  /** SHA-256 output length (FIPS 180-4). */
  static final int KEY_BYTES = 32;

  // RFC 5803 §3: "SCRAM-SHA-256$" iteration count ":" salt "$" StoredKey ":" ServerKey, base64.
  private static final Pattern ENCODED =
      Pattern.compile(
          "SCRAM-SHA-256\\$([1-9]\\d{0,9}):([A-Za-z0-9+/]+={0,2})"
              + "\\$([A-Za-z0-9+/]{43}=):([A-Za-z0-9+/]{43}=)");

  public ScramCredential {
    if (salt == null || salt.length == 0) {
      throw new IllegalArgumentException("a SCRAM salt has at least one byte");
    }
    if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw new IllegalArgumentException(
          "SCRAM iteration count must be "
              + MIN_ITERATIONS
              + ".."
              + MAX_ITERATIONS
              + " (RFC 7677 §4), got "
              + iterations);
    }
    if (storedKey == null || storedKey.length != KEY_BYTES) {
      throw new IllegalArgumentException("StoredKey must be " + KEY_BYTES + " bytes");
    }
    if (serverKey == null || serverKey.length != KEY_BYTES) {
      throw new IllegalArgumentException("ServerKey must be " + KEY_BYTES + " bytes");
    }
    salt = salt.clone();
    storedKey = storedKey.clone();
    serverKey = serverKey.clone();
  }

  /**
   * Derives the credential for {@code password} with a fresh 16-byte salt drawn from {@code random}
   * (pass a {@link java.security.SecureRandom} outside tests).
   *
   * @throws IllegalArgumentException if {@code iterations} is below 4096, or the password is empty
   *     or refused by SASLprep (RFC 5802 §2.2 Normalize: a "stored string", so unassigned code
   *     points are prohibited); the message never quotes the password
   */
  public static ScramCredential derive(char[] password, int iterations, RandomGenerator random) {
    if (iterations < MIN_ITERATIONS) {
      throw new IllegalArgumentException(
          "SCRAM iteration count must be at least "
              + MIN_ITERATIONS
              + " (RFC 7677 §4), got "
              + iterations);
    }
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    return derive(password, salt, iterations);
  }

  private static ScramCredential derive(char[] password, byte[] salt, int iterations) {
    if (password.length == 0) {
      throw new IllegalArgumentException("an empty password cannot be set");
    }
    // RFC 5802 §2.2 Normalize(): SASLprep as a stored string; a refused password has no credential.
    char[] normalized =
        SaslPrep.prepareStored(password)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "password is not valid under SASLprep (RFC 4013), so it has no SCRAM"
                            + " credential"));
    // RFC 5802 §3: SaltedPassword := Hi(Normalize(password), salt, i)
    byte[] saltedPassword = hi(normalized, salt, iterations);
    Arrays.fill(normalized, '\0');
    // ClientKey := HMAC(SaltedPassword, "Client Key"); StoredKey := H(ClientKey)
    byte[] clientKey =
        HmacSha256.mac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII));
    // ServerKey := HMAC(SaltedPassword, "Server Key")
    byte[] serverKey =
        HmacSha256.mac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
    try {
      return new ScramCredential(salt, iterations, Sha256.digest(clientKey), serverKey);
    } finally {
      Arrays.fill(saltedPassword, (byte) 0);
      Arrays.fill(clientKey, (byte) 0);
      Arrays.fill(serverKey, (byte) 0);
    }
  }

  /** RFC 5802 §2.2 Hi(): PBKDF2 (RFC 8018) with HMAC-SHA-256, one 32-byte block; UTF-8 password. */
  private static byte[] hi(char[] normalized, byte[] salt, int iterations) {
    PBEKeySpec spec = new PBEKeySpec(normalized, salt, iterations, KEY_BYTES * 8);
    try {
      // SunJCE's PBKDF2 encodes the password chars as UTF-8, as RFC 5802 requires.
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      // Every Java SE platform must provide PBKDF2WithHmacSHA256 (JCA Standard Algorithm Names).
      throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
    } finally {
      spec.clearPassword();
    }
  }

  /**
   * The RFC 5803 §3 form: {@code SCRAM-SHA-256$<iterations>:<base64 salt>$<base64
   * StoredKey>:<base64 ServerKey>}.
   */
  public String encode() {
    Base64.Encoder b64 = Base64.getEncoder();
    return "SCRAM-SHA-256$"
        + iterations
        + ":"
        + b64.encodeToString(salt)
        + "$"
        + b64.encodeToString(storedKey)
        + ":"
        + b64.encodeToString(serverKey);
  }

  /** The credential {@link #encode} wrote, or empty for anything else. */
  public static Optional<ScramCredential> decode(String text) {
    if (text == null || text.length() > 4096) {
      return Optional.empty();
    }
    Matcher m = ENCODED.matcher(text);
    if (!m.matches() || m.group(2).length() % 4 != 0) {
      return Optional.empty();
    }
    long iterations = Long.parseLong(m.group(1));
    if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      return Optional.empty();
    }
    Base64.Decoder b64 = Base64.getDecoder();
    byte[] salt = b64.decode(m.group(2));
    if (salt.length == 0) {
      return Optional.empty();
    }
    return Optional.of(
        new ScramCredential(
            salt, (int) iterations, b64.decode(m.group(3)), b64.decode(m.group(4))));
  }

  @Override
  public byte[] salt() {
    return salt.clone();
  }

  @Override
  public byte[] storedKey() {
    return storedKey.clone();
  }

  @Override
  public byte[] serverKey() {
    return serverKey.clone();
  }

  /** Constant-time in the keys, though nothing should compare credentials on a login path. */
  @Override
  public boolean equals(Object other) {
    return other instanceof ScramCredential that
        && iterations == that.iterations
        && Arrays.equals(salt, that.salt)
        && MessageDigest.isEqual(storedKey, that.storedKey)
        && MessageDigest.isEqual(serverKey, that.serverKey);
  }

  /** From the salt and count only: a hash code must not be a function of the keys. */
  @Override
  public int hashCode() {
    return Arrays.hashCode(salt) * 31 + iterations;
  }

  @Override
  public String toString() {
    return "ScramCredential[SCRAM-SHA-256, iterations="
        + iterations
        + ", salt "
        + salt.length
        + " bytes, keys redacted]";
  }
}
