package dev.hikyaku.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.random.RandomGenerator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks 1.0 symmetric signatures (spec/standard-webhooks.md, "Signature scheme"): the
 * content signed is {@code msg_id + "." + timestamp + "." + body}, the key is the secret's octets
 * (the base64 after {@code whsec_}), the MAC HMAC-SHA256, and the signature {@code v1,} and the
 * MAC in standard base64. During a rotation the header lists one signature per secret, separated by
 * spaces, and a receiver accepts the request when any of them verifies.
 */
public final class Signature {

  /** What every secret starts with, for easy identification (spec: "Secret serialization"). */
  public static final String SECRET_PREFIX = "whsec_";
  /** The spec's bounds on a symmetric secret: 24 to 64 random octets. */
  static final int SECRET_OCTETS = 24;
  private static final int MAX_SECRET_OCTETS = 64;
  private static final String VERSION = "v1";

  private Signature() {}

  /** A new secret: {@code whsec_} and the base64 of 24 random octets (192 bits) from {@code random}. */
  public static String newSecret(RandomGenerator random) {
    byte[] octets = new byte[SECRET_OCTETS];
    random.nextBytes(octets);
    return SECRET_PREFIX + Base64.getEncoder().encodeToString(octets);
  }

  /** The key octets of {@code secret} ({@code whsec_} and base64; the prefix may be left off, as the libraries allow). */
  static byte[] keyOf(String secret) {
    String encoded = secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
    byte[] key = Base64.getDecoder().decode(encoded);
    if (key.length == 0 || key.length > MAX_SECRET_OCTETS) {
      throw new IllegalArgumentException("a webhook secret has 1 to " + MAX_SECRET_OCTETS + " octets, this one " + key.length);
    }
    return key;
  }

  /** {@code v1,<base64 HMAC-SHA256(key, id.timestamp.body)>}. */
  public static String sign(String secret, String messageId, long timestamp, byte[] body) {
    if (messageId.indexOf('.') >= 0) {
      // Spec: the id must not hold a "." (it would make the signed content ambiguous).
      throw new IllegalArgumentException("a webhook id has no '.': " + messageId);
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(keyOf(secret), "HmacSHA256"));
      mac.update((messageId + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return VERSION + "," + Base64.getEncoder().encodeToString(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /** The {@code webhook-signature} header: one signature per secret, space-separated, in their order. */
  public static String header(List<String> secrets, String messageId, long timestamp, byte[] body) {
    if (secrets.isEmpty()) {
      throw new IllegalArgumentException("a webhook is signed with at least one secret");
    }
    return String.join(" ", secrets.stream().map(secret -> sign(secret, messageId, timestamp, body)).toList());
  }

  /**
   * Whether {@code header} holds a {@code v1} signature of the content by {@code secret}, compared in
   * constant time (spec: "Verifying signatures"); signatures of other versions are skipped. What a
   * receiver does, for tests and the documentation's example; the timestamp's tolerance is the
   * receiver's to check.
   */
  public static boolean verifies(String header, String secret, String messageId, long timestamp, byte[] body) {
    byte[] expected = sign(secret, messageId, timestamp, body).getBytes(StandardCharsets.US_ASCII);
    boolean isVerified = false;
    for (String given : header.split(" ")) {
      // Every signature is compared, so the time taken does not say which one matched.
      isVerified |= given.startsWith(VERSION + ",") && MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.US_ASCII));
    }
    return isVerified;
  }
}
