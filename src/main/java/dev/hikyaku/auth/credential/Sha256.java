package dev.hikyaku.auth.credential;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 (FIPS 180-4), SCRAM-SHA-256's H() (RFC 7677 §3). */
public final class Sha256 {

  private Sha256() {}

  public static byte[] digest(byte[] input) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(input);
    } catch (NoSuchAlgorithmException e) {
      // Every Java SE platform must provide SHA-256 (JCA Standard Algorithm Names).
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }
}
