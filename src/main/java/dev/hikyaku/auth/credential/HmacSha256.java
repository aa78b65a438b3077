package dev.hikyaku.auth.credential;

import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA-256 (RFC 2104, FIPS 180-4) over the JDK's {@link Mac}. Public for the other keyed uses
 * of the server secret (the VERP return paths of {@code returns}).
 */
public final class HmacSha256 {

  /**
   * RFC 2104 §3: keys shorter than the output (32 bytes for SHA-256) are "strongly discouraged".
   */
  static final int MIN_KEY_BYTES = 32;

  private HmacSha256() {}

  /** HMAC(key, part₀ ‖ part₁ ‖ …). */
  public static byte[] mac(byte[] key, byte[]... parts) {
    Mac mac = newMac(key);
    for (byte[] part : parts) {
      mac.update(part);
    }
    return mac.doFinal();
  }

  /**
   * HMAC(key, part₀ ‖ part₁ ‖ …) with a {@code prepared} Mac ({@link #newMac}) cloned rather than
   * looked up and keyed again: what callers that hash under one key per request use (issue 15).
   * The prepared Mac is only cloned, never used, so it may be shared between threads.
   */
  public static byte[] mac(Mac prepared, byte[] key, byte[]... parts) {
    Mac mac;
    try {
      mac = (Mac) prepared.clone();
    } catch (CloneNotSupportedException e) {
      mac = newMac(key); // a provider whose HMAC cannot be cloned: only slower
    }
    for (byte[] part : parts) {
      mac.update(part);
    }
    return mac.doFinal();
  }

  public static Mac newMac(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      // Every Java SE platform must provide HmacSHA256 (JCA Standard Algorithm Names).
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** Rejects a server secret too short to key HMAC-SHA-256 (RFC 2104 §3), naming the role. */
  public static byte[] requireKey(byte[] key, String role) {
    if (key == null || key.length < MIN_KEY_BYTES) {
      throw new IllegalArgumentException(
          role
              + " must be at least "
              + MIN_KEY_BYTES
              + " bytes (RFC 2104 §3), got "
              + (key == null ? "none" : key.length));
    }
    return key;
  }
}
