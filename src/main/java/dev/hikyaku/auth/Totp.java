package dev.hikyaku.auth;

import com.google.common.io.BaseEncoding;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Locale;
import java.util.OptionalLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-based one-time passwords (RFC 6238) as authenticator apps compute them: HOTP (RFC 4226) over
 * the number of 30-second steps since the Unix epoch, HMAC-SHA-1, six digits — the parameters every
 * app supports (the Key Uri Format's defaults). The second factor of a console sign-in.
 *
 * @param digits the length of a code (RFC 4226 §5.3: 6 to 8)
 * @param algorithm the HMAC ({@code HmacSHA1}, {@code HmacSHA256}, {@code HmacSHA512}; RFC 6238 §1.2)
 */
public record Totp(int digits, String algorithm) {

  /** RFC 6238 §4.1: X, the step, 30 seconds by default. */
  public static final long STEP_SECONDS = 30;

  /**
   * RFC 6238 §5.2 recommends allowing one step of delay: a code of the step before or after the
   * current one is taken too (a clock off by up to 30 s, a code typed as its step ends).
   */
  static final int WINDOW_STEPS = 1;

  /** RFC 4226 §4 R6 recommends 160 bits: the length of an HMAC-SHA-1 key. */
  public static final int SECRET_OCTETS = 20;

  private static final int[] POWERS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

  public Totp {
    if (digits < 6 || digits > 8) {
      throw new IllegalArgumentException("RFC 4226 §5.3: a code has 6 to 8 digits, not " + digits);
    }
    if (!algorithm.equals("HmacSHA1") && !algorithm.equals("HmacSHA256") && !algorithm.equals("HmacSHA512")) {
      throw new IllegalArgumentException("not an RFC 6238 HMAC: " + algorithm);
    }
  }

  /** Six digits of HMAC-SHA-1: what every authenticator app computes from an otpauth URI's defaults. */
  public static Totp standard() {
    return new Totp(6, "HmacSHA1");
  }

  /** A new shared secret (RFC 4226 §7.5: from a strong random source). */
  public static byte[] newSecret(SecureRandom random) {
    byte[] secret = new byte[SECRET_OCTETS];
    random.nextBytes(secret);
    return secret;
  }

  /** The step of {@code at}: whole 30-second periods since the Unix epoch (RFC 6238 §4.2, T0 = 0). */
  public static long stepOf(Instant at) {
    return Math.floorDiv(at.getEpochSecond(), STEP_SECONDS);
  }

  /** The code for {@code step} (RFC 4226 §5.3: dynamic truncation of the HMAC of the counter). */
  public String code(byte[] secret, long step) {
    byte[] hash = hmac(secret, ByteBuffer.allocate(Long.BYTES).putLong(step).array());
    int offset = hash[hash.length - 1] & 0x0f;
    int binary = ((hash[offset] & 0x7f) << 24) | ((hash[offset + 1] & 0xff) << 16)
        | ((hash[offset + 2] & 0xff) << 8) | (hash[offset + 3] & 0xff);
    return String.format(Locale.ROOT, "%0" + digits + "d", binary % POWERS[digits]);
  }

  /**
   * The step whose code {@code given} is, within {@link #WINDOW_STEPS} of {@code now}'s; empty when it
   * is none (or not a code at all). Every candidate is compared in constant time. The caller must
   * still refuse a step already used ({@code ConsoleAdmins.acceptStep}).
   */
  public OptionalLong matchingStep(byte[] secret, String given, Instant now) {
    if (given == null) {
      return OptionalLong.empty();
    }
    String code = given.strip().replace(" ", "");
    if (code.length() != digits || !code.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return OptionalLong.empty();
    }
    long current = stepOf(now);
    OptionalLong found = OptionalLong.empty();
    for (long step = current - WINDOW_STEPS; step <= current + WINDOW_STEPS; step++) {
      boolean isEqual = MessageDigest.isEqual(code(secret, step).getBytes(StandardCharsets.US_ASCII),
          code.getBytes(StandardCharsets.US_ASCII));
      if (isEqual && found.isEmpty()) {
        found = OptionalLong.of(step);
      }
    }
    return found;
  }

  /** The secret as authenticator apps take it when typed: RFC 4648 base32, no padding. */
  public static String base32(byte[] secret) {
    return BaseEncoding.base32().omitPadding().encode(secret);
  }

  /**
   * The Key Uri Format that authenticator apps read (from a QR code or pasted):
   * {@code otpauth://totp/Issuer:account?secret=...&issuer=Issuer&algorithm=SHA1&digits=6&period=30}.
   */
  public String uri(String issuer, String account, byte[] secret) {
    String label = encoded(issuer) + ":" + encoded(account);
    return "otpauth://totp/" + label + "?secret=" + base32(secret) + "&issuer=" + encoded(issuer)
        + "&algorithm=" + algorithm.substring(4) + "&digits=" + digits + "&period=" + STEP_SECONDS;
  }

  private static String encoded(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private byte[] hmac(byte[] key, byte[] message) {
    try {
      Mac mac = Mac.getInstance(algorithm);
      mac.init(new SecretKeySpec(key, algorithm));
      return mac.doFinal(message);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(algorithm + " is part of every JDK", e);
    }
  }
}
