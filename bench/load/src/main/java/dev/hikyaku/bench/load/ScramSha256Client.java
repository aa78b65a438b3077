package dev.hikyaku.bench.load;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client side of one SCRAM-SHA-256 exchange (RFC 5802 §3, §5, §7; RFC 7677), without channel
 * binding (gs2 header "n,,"), on the JDK's PBKDF2WithHmacSHA256, HmacSHA256 and SHA-256.
 *
 * <pre>
 *   clientFirst()                 → client-first-message
 *   clientFinal(server-first)     → client-final-message   (or an exception naming what was wrong)
 *   verifyServerFinal(final)      → true when v= carries the expected ServerSignature
 * </pre>
 *
 * <p>SASLprep (RFC 4013) is not in the JDK. Printable ASCII is left unchanged by it, so this client
 * accepts only printable ASCII user names and passwords and refuses anything else rather than send
 * a proof that might be computed over the wrong string.
 *
 * <p>RFC 5802 §5.1 lets a client cache ClientKey and ServerKey per (password, salt, iteration
 * count) to skip Hi(); {@link KeyCache} does that, so a benchmark does not spend its CPU on PBKDF2
 * that the server under test never sees.
 */
final class ScramSha256Client {

  /** SaltedPassword-derived keys, shared by every session that logs in with the same password. */
  static final class KeyCache {
    private final Map<String, Keys> keys = new ConcurrentHashMap<>();

    Keys keys(String password, byte[] salt, int iterations) {
      String key = Base64.getEncoder().encodeToString(salt) + ':' + iterations;
      return keys.computeIfAbsent(key, k -> Keys.derive(password, salt, iterations));
    }
  }

  /** ClientKey and ServerKey (RFC 5802 §3). */
  record Keys(byte[] clientKey, byte[] serverKey) {
    static Keys derive(String password, byte[] salt, int iterations) {
      // SaltedPassword := Hi(Normalize(password), salt, i); Hi is PBKDF2 with HMAC (RFC 5802 §2.2).
      byte[] saltedPassword = hi(password, salt, iterations);
      return new Keys(
          hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII)),
          hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII)));
    }
  }

  // RFC 5802 §7: gs2-header "n,," (no channel binding, no authzid); its base64 is "biws".
  private static final String GS2_HEADER = "n,,";

  private final String username;
  private final String password;
  private final String clientNonce;
  private final KeyCache cache;
  private String clientFirstBare;
  private byte[] expectedServerSignature;

  /**
   * @param clientNonce printable ASCII without ',' (RFC 5802 §7 c-nonce), fresh per exchange
   * @param cache where derived keys are kept, or null to derive them every time
   */
  ScramSha256Client(String username, String password, String clientNonce, KeyCache cache) {
    requirePrintableAscii(username, "user name");
    requirePrintableAscii(password, "password");
    if (clientNonce.isEmpty() || clientNonce.indexOf(',') >= 0 || !isPrintableAscii(clientNonce)) {
      throw new IllegalArgumentException("client nonce must be printable ASCII without ',' (RFC 5802 §7)");
    }
    this.username = username;
    this.password = password;
    this.clientNonce = clientNonce;
    this.cache = cache;
  }

  /** client-first-message: {@code n,,n=<saslname>,r=<c-nonce>} (RFC 5802 §7). */
  String clientFirst() {
    clientFirstBare = "n=" + saslName(username) + ",r=" + clientNonce;
    return GS2_HEADER + clientFirstBare;
  }

  /**
   * client-final-message for {@code serverFirst} ({@code r=<nonce>,s=<salt>,i=<count>}):
   * {@code c=biws,r=<nonce>,p=<ClientProof>}.
   *
   * @throws IllegalArgumentException when server-first-message is malformed, or its nonce does not
   *     start with ours (RFC 5802 §5.1: the client MUST check)
   */
  String clientFinal(String serverFirst) {
    if (clientFirstBare == null) {
      throw new IllegalStateException("clientFirst() comes first");
    }
    String[] attributes = serverFirst.split(",", -1);
    if (attributes.length < 3 || !attributes[0].startsWith("r=") || !attributes[1].startsWith("s=") || !attributes[2].startsWith("i=")) {
      // A server that sends "m=" (mandatory extension) first also lands here, as RFC 5802 §5.1 asks.
      throw new IllegalArgumentException("server-first-message is malformed: " + serverFirst);
    }
    String nonce = attributes[0].substring(2);
    if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
      throw new IllegalArgumentException("server nonce does not extend the client nonce");
    }
    byte[] salt = Base64.getDecoder().decode(attributes[1].substring(2));
    int iterations = Integer.parseInt(attributes[2].substring(2));
    if (iterations < 1) {
      throw new IllegalArgumentException("iteration count must be positive, was " + iterations);
    }
    Keys keys = cache == null ? Keys.derive(password, salt, iterations) : cache.keys(password, salt, iterations);

    String withoutProof = "c=" + Base64.getEncoder().encodeToString(GS2_HEADER.getBytes(StandardCharsets.US_ASCII)) + ",r=" + nonce;
    // AuthMessage := client-first-message-bare + "," + server-first-message + "," +
    //                client-final-message-without-proof
    byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
    // StoredKey := H(ClientKey); ClientSignature := HMAC(StoredKey, AuthMessage);
    // ClientProof := ClientKey XOR ClientSignature
    byte[] storedKey = sha256(keys.clientKey());
    byte[] proof = hmac(storedKey, authMessage);
    byte[] clientKey = keys.clientKey();
    for (int i = 0; i < proof.length; i++) {
      proof[i] ^= clientKey[i];
    }
    // ServerSignature := HMAC(ServerKey, AuthMessage), checked in verifyServerFinal.
    expectedServerSignature = hmac(keys.serverKey(), authMessage);
    return withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
  }

  /**
   * Whether server-final-message proves the server knows ServerKey (RFC 5802 §5.1: the client MUST
   * verify it). {@code e=...} is a failure, returned as false.
   */
  boolean verifyServerFinal(String serverFinal) {
    if (expectedServerSignature == null) {
      throw new IllegalStateException("clientFinal() comes first");
    }
    if (!serverFinal.startsWith("v=")) {
      return false;
    }
    int end = serverFinal.indexOf(',');
    String value = end < 0 ? serverFinal.substring(2) : serverFinal.substring(2, end);
    Optional<byte[]> signature = decode(value);
    return signature.isPresent() && MessageDigest.isEqual(signature.get(), expectedServerSignature);
  }

  /** RFC 5802 §5.1: "," and "=" in a user name are sent as "=2C" and "=3D". */
  static String saslName(String name) {
    return name.replace("=", "=3D").replace(",", "=2C");
  }

  private static Optional<byte[]> decode(String base64) {
    try {
      return Optional.of(Base64.getDecoder().decode(base64));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static byte[] hi(String password, byte[] salt, int iterations) {
    char[] chars = password.toCharArray();
    PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, 256);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is required of every Java SE platform", e);
    } finally {
      spec.clearPassword();
      Arrays.fill(chars, '\0');
    }
  }

  static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required of every Java SE platform", e);
    }
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is required of every Java SE platform", e);
    }
  }

  private static boolean isPrintableAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  private static void requirePrintableAscii(String text, String what) {
    // Space (0x20) is printable and SASLprep leaves it alone too.
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw new IllegalArgumentException(what + " must be printable ASCII: SASLprep (RFC 4013) is not implemented here");
      }
    }
    if (text.isEmpty()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
  }

  @Override
  public String toString() {
    return "ScramSha256Client[user=" + username + "]"; // never the password
  }
}
