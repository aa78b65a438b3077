package dev.hikyaku.auth.credential;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Credentials the server makes up: app passwords and API keys. They carry at least 128 bits
 * of entropy by construction, so a fast keyed hash is enough to store them: guessing is hopeless
 * however cheap each guess, and the HMAC key (the server secret) keeps a stolen table from being
 * checked offline at all. That lets clients that log in once per message skip Argon2id.
 *
 * <p>App password format: 28 characters from Crockford's base32 alphabet, lower case ({@code 0-9
 * a-h j k m n p-t v-z}: no i, l, o, u), in seven groups of four joined by '-', e.g. {@code
 * 7k2m-x9qd-...}; 28 × 5 = 140 bits. Shown to the user once; only {@link #keyedHash} is stored.
 *
 * <p>API key format: {@value #API_KEY_PREFIX} then 32 digits of the same alphabet, one group ({@code
 * hk_7k2mx9qd...}); 32 × 5 = 160 bits. The prefix makes a leaked key recognisable (secret scanners,
 * logs) and tells it apart from a password without a lookup. Stored the same way.
 */
public final class GeneratedSecrets {

  /** Crockford's base32 digits, lower case. */
  static final String ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

  static final int APP_PASSWORD_CHARACTERS = 28;
  static final int GROUP_LENGTH = 4;

  /** The start of every API key. */
  public static final String API_KEY_PREFIX = "hk_";

  static final int API_KEY_CHARACTERS = 32;

  /** log2(32) bits per character. */
  static final int BITS_PER_CHARACTER = 5;

  private static final Pattern APP_PASSWORD_SHAPE =
      Pattern.compile("[" + ALPHABET + "]{" + APP_PASSWORD_CHARACTERS + "}");

  private static final Pattern API_KEY_SHAPE =
      Pattern.compile(API_KEY_PREFIX + "[" + ALPHABET + "]{" + API_KEY_CHARACTERS + "}");

  private GeneratedSecrets() {}

  /**
   * A new API key: {@value #API_KEY_PREFIX} and {@value #API_KEY_CHARACTERS} independent, uniform
   * base32 digits (160 bits) from {@code random}, a {@link java.security.SecureRandom} outside tests.
   */
  public static String newApiKey(RandomGenerator random) {
    StringBuilder key = new StringBuilder(API_KEY_PREFIX.length() + API_KEY_CHARACTERS).append(API_KEY_PREFIX);
    for (int i = 0; i < API_KEY_CHARACTERS; i++) {
      key.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return key.toString();
  }

  /**
   * Whether {@code candidate} has an API key's shape once normalised, so PLAIN and LOGIN look it up
   * as a key rather than verify it as the account's password.
   */
  public static boolean looksLikeApiKey(String candidate) {
    return candidate != null && API_KEY_SHAPE.matcher(normalize(candidate)).matches();
  }

  /**
   * A new app password: {@value #APP_PASSWORD_CHARACTERS} independent, uniform base32 digits (140
   * bits) from {@code random}, which must be a {@link java.security.SecureRandom} outside tests.
   */
  public static String newAppPassword(RandomGenerator random) {
    StringBuilder password =
        new StringBuilder(APP_PASSWORD_CHARACTERS + APP_PASSWORD_CHARACTERS / GROUP_LENGTH);
    for (int i = 0; i < APP_PASSWORD_CHARACTERS; i++) {
      if (i > 0 && i % GROUP_LENGTH == 0) {
        password.append('-');
      }
      // nextInt(bound) is uniform on [0, 32): each character is 5 full bits.
      password.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return password.toString();
  }

  /**
   * Lower-case hex HMAC-SHA-256, keyed with {@code serverSecret}, of {@code secret} normalised:
   * spaces and dashes removed and letters lower-cased, so "ABCD EFGH" and "abcd-efgh" are the same
   * secret (people retype what they were shown).
   *
   * @param serverSecret at least 32 bytes (RFC 2104 §3)
   */
  public static String keyedHash(byte[] serverSecret, String secret) {
    HmacSha256.requireKey(serverSecret, "server secret for generated credentials");
    byte[] normalized = normalize(secret).getBytes(StandardCharsets.UTF_8);
    return HexFormat.of().formatHex(HmacSha256.mac(serverSecret, normalized));
  }

  /**
   * Whether {@code candidate} matches {@code storedHash} (a {@link #keyedHash} value), comparing in
   * constant time.
   */
  public static boolean matchesKeyedHash(byte[] serverSecret, String candidate, String storedHash) {
    byte[] actual = keyedHash(serverSecret, candidate).getBytes(StandardCharsets.US_ASCII);
    byte[] expected = storedHash.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(actual, expected);
  }

  /**
   * Whether {@code candidate} has an app password's shape once normalised (28 base32 digits), so
   * PLAIN can try the fast keyed hash before Argon2id. A shape, not a verdict: a human password can
   * look like this too, and then the fast path simply fails first.
   */
  public static boolean looksLikeAppPassword(String candidate) {
    return candidate != null && APP_PASSWORD_SHAPE.matcher(normalize(candidate)).matches();
  }

  static String normalize(String secret) {
    StringBuilder normalized = new StringBuilder(secret.length());
    for (int i = 0; i < secret.length(); i++) {
      char c = secret.charAt(i);
      if (c != '-' && c != ' ') {
        normalized.append(c);
      }
    }
    return normalized.toString().toLowerCase(Locale.ROOT);
  }
}
