package dev.hikyaku.auth.credential;

import dev.hikyaku.protocol.Utf8;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.digests.MD5Digest;

/**
 * What a CRAM-MD5 (RFC 2195) server keeps instead of the password: the two MD5 chaining values of
 * HMAC-MD5 after its first block, MD5(K XOR ipad) and MD5(K XOR opad) before finalisation. RFC 2104
 * §4 describes this precomputation; Dovecot stores the same 32 bytes as its "CRAM-MD5" scheme.
 *
 * <p>This is password-equivalent for CRAM-MD5 itself (whoever holds it can answer any challenge)
 * and an unsalted single MD5 block: offer CRAM-MD5 only where a client needs it.
 *
 * <p>The JDK cannot export or resume an MD5 state; BouncyCastle's {@link MD5Digest} can, through
 * its encoded state. That encoding is BouncyCastle's own, so it is never stored: each state is kept
 * as RFC 1321's A, B, C, D words, little-endian, and placed into a BouncyCastle state when used.
 *
 * @param innerState MD5 chaining value after K XOR ipad: 16 bytes (A, B, C, D little-endian)
 * @param outerState MD5 chaining value after K XOR opad: 16 bytes (A, B, C, D little-endian)
 */
public record CramMd5Secret(byte[] innerState, byte[] outerState) {

  /** MD5's block, and HMAC's B for MD5 (RFC 2104 §2). */
  static final int BLOCK_BYTES = 64;

  static final int STATE_BYTES = 16;

  /** Dovecot's scheme prefix; the 64 hex digits after it are outer state, then inner. */
  static final String PREFIX = "{CRAM-MD5}";

  private static final Pattern ENCODED = Pattern.compile("\\{CRAM-MD5\\}[0-9a-fA-F]{64}");
  private static final Pattern DIGEST = Pattern.compile("[0-9a-fA-F]{32}");

  private static final ResumableMd5 MD5 = ResumableMd5.checked();

  public CramMd5Secret {
    if (innerState == null || innerState.length != STATE_BYTES) {
      throw new IllegalArgumentException("CRAM-MD5 inner state must be " + STATE_BYTES + " bytes");
    }
    if (outerState == null || outerState.length != STATE_BYTES) {
      throw new IllegalArgumentException("CRAM-MD5 outer state must be " + STATE_BYTES + " bytes");
    }
    innerState = innerState.clone();
    outerState = outerState.clone();
  }

  /**
   * Precomputes HMAC-MD5 (RFC 2104 §2) keyed with the UTF-8 bytes of {@code password}, unprepared,
   * as RFC 2195 clients use it; a key longer than 64 bytes is first replaced by its MD5.
   *
   * @throws IllegalArgumentException if the password is empty
   */
  public static CramMd5Secret derive(char[] password) {
    if (password.length == 0) {
      throw new IllegalArgumentException("an empty password cannot be set");
    }
    byte[] key = Utf8.encodeSecret(password);
    if (key.length > BLOCK_BYTES) {
      byte[] hashed = MD5.digest(key);
      Arrays.fill(key, (byte) 0);
      key = hashed;
    }
    byte[] ipad = new byte[BLOCK_BYTES];
    byte[] opad = new byte[BLOCK_BYTES];
    for (int i = 0; i < BLOCK_BYTES; i++) {
      byte k = i < key.length ? key[i] : 0;
      ipad[i] = (byte) (k ^ 0x36);
      opad[i] = (byte) (k ^ 0x5c);
    }
    try {
      return new CramMd5Secret(MD5.chainingValueAfter(ipad), MD5.chainingValueAfter(opad));
    } finally {
      Arrays.fill(key, (byte) 0);
      Arrays.fill(ipad, (byte) 0);
      Arrays.fill(opad, (byte) 0);
    }
  }

  /**
   * Whether {@code hexDigest} is HMAC-MD5(password, challenge) (RFC 2195 §2: the client's response
   * is the username, a space, and this digest in hex). The comparison is constant-time; a digest
   * that is not 32 hex digits is simply wrong.
   */
  public boolean verify(String challenge, String hexDigest) {
    if (hexDigest == null || !DIGEST.matcher(hexDigest).matches()) {
      return false;
    }
    byte[] innerHash = MD5.resume(innerState, challenge.getBytes(StandardCharsets.UTF_8));
    byte[] expected = MD5.resume(outerState, innerHash);
    return MessageDigest.isEqual(expected, HexFormat.of().parseHex(hexDigest));
  }

  /** Dovecot's form: {@code {CRAM-MD5}} then 64 lower-case hex digits, outer state first. */
  public String encode() {
    return PREFIX + HexFormat.of().formatHex(outerState) + HexFormat.of().formatHex(innerState);
  }

  /** The secret {@link #encode} (or Dovecot) wrote, or empty for anything else. */
  public static Optional<CramMd5Secret> decode(String text) {
    if (text == null || !ENCODED.matcher(text).matches()) {
      return Optional.empty();
    }
    byte[] states = HexFormat.of().parseHex(text.substring(PREFIX.length()));
    return Optional.of(
        new CramMd5Secret(
            Arrays.copyOfRange(states, STATE_BYTES, 2 * STATE_BYTES),
            Arrays.copyOfRange(states, 0, STATE_BYTES)));
  }

  @Override
  public byte[] innerState() {
    return innerState.clone();
  }

  @Override
  public byte[] outerState() {
    return outerState.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CramMd5Secret that
        && MessageDigest.isEqual(innerState, that.innerState)
        && MessageDigest.isEqual(outerState, that.outerState);
  }

  /** Constant: a hash code must not be a function of the secret. */
  @Override
  public int hashCode() {
    return CramMd5Secret.class.hashCode();
  }

  @Override
  public String toString() {
    return "CramMd5Secret[redacted]";
  }

  /**
   * MD5 that can stop after whole blocks and resume from a bare chaining value, over BouncyCastle's
   * encoded state. The layout (as of bcprov 1.84: buffered bytes, their count, the 64-bit byte
   * count, then H1..H4 big-endian) is read off a live digest and checked once, at class load,
   * against an uninterrupted MD5; if BouncyCastle changes it, loading fails loudly instead of
   * answering challenges wrongly.
   */
  private record ResumableMd5(byte[] template, int wordsAt) {

    static ResumableMd5 checked() {
      byte[] block = new byte[BLOCK_BYTES];
      Arrays.fill(block, (byte) 0x5a);
      MD5Digest digest = new MD5Digest();
      digest.update(block, 0, BLOCK_BYTES);
      byte[] state = digest.getEncodedState();
      // The words follow the 4-byte buffer, its 4-byte count and the 8-byte length.
      ResumableMd5 md5 = new ResumableMd5(state, 16);
      byte[] tail = "layout check".getBytes(StandardCharsets.US_ASCII);
      byte[] whole = Arrays.copyOf(block, BLOCK_BYTES + tail.length);
      System.arraycopy(tail, 0, whole, BLOCK_BYTES, tail.length);
      if (!Arrays.equals(md5.resume(md5.chainingValueAfter(block), tail), md5.digest(whole))) {
        throw new IllegalStateException(
            "BouncyCastle MD5Digest encoded state layout is not the expected one; CRAM-MD5"
                + " unusable");
      }
      return md5;
    }

    byte[] digest(byte[] input) {
      MD5Digest digest = new MD5Digest();
      digest.update(input, 0, input.length);
      byte[] out = new byte[digest.getDigestSize()];
      digest.doFinal(out, 0);
      return out;
    }

    /** The chaining value after one whole block, as RFC 1321's A..D little-endian. */
    byte[] chainingValueAfter(byte[] block) {
      MD5Digest digest = new MD5Digest();
      digest.update(block, 0, BLOCK_BYTES);
      byte[] state = digest.getEncodedState();
      ByteBuffer words = ByteBuffer.wrap(state, wordsAt, STATE_BYTES).order(ByteOrder.BIG_ENDIAN);
      ByteBuffer out = ByteBuffer.allocate(STATE_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < 4; i++) {
        out.putInt(words.getInt());
      }
      Arrays.fill(state, (byte) 0);
      return out.array();
    }

    /** MD5 of (one block that left {@code chainingValue}) followed by {@code rest}. */
    byte[] resume(byte[] chainingValue, byte[] rest) {
      byte[] state = template.clone();
      ByteBuffer in = ByteBuffer.wrap(chainingValue).order(ByteOrder.LITTLE_ENDIAN);
      ByteBuffer words = ByteBuffer.wrap(state, wordsAt, STATE_BYTES).order(ByteOrder.BIG_ENDIAN);
      for (int i = 0; i < 4; i++) {
        words.putInt(in.getInt());
      }
      MD5Digest digest = new MD5Digest(state);
      Arrays.fill(state, (byte) 0);
      digest.update(rest, 0, rest.length);
      byte[] out = new byte[digest.getDigestSize()];
      digest.doFinal(out, 0);
      return out;
    }

    @Override
    public String toString() {
      return "ResumableMd5";
    }
  }
}
