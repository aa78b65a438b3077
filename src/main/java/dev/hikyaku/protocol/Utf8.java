package dev.hikyaku.protocol;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * The one strict UTF-8 (RFC 3629) of the server: text that arrives as octets (command lines under
 * SMTPUTF8, SASL messages, bearer-token requests) is decoded without replacement characters, so a
 * malformed sequence is refused rather than guessed at; secrets held in a {@code char[]} are
 * encoded without ever becoming a {@link String}, and every intermediate buffer is wiped.
 */
public final class Utf8 {

  private Utf8() {}

  /** {@code bytes} as text, or empty when they are not well-formed UTF-8. */
  public static Optional<String> decode(byte[] bytes) {
    return decode(bytes, 0, bytes.length);
  }

  /** {@code bytes[from, to)} as text, or empty when they are not well-formed UTF-8. */
  public static Optional<String> decode(byte[] bytes, int from, int to) {
    return decodeSecret(bytes, from, to).map(String::new);
  }

  /**
   * {@code bytes[from, to)} as a char array the caller can wipe, or empty when not well-formed
   * UTF-8. The decoder's own buffer is wiped.
   */
  public static Optional<char[]> decodeSecret(byte[] bytes, int from, int to) {
    CharBuffer chars;
    try {
      chars =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes, from, to - from));
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
    char[] out = new char[chars.remaining()];
    chars.get(out);
    if (chars.hasArray()) {
      Arrays.fill(chars.array(), '\0');
    }
    return Optional.of(out);
  }

  /**
   * The UTF-8 encoding of {@code secret}. A lone surrogate (not text, so not a password anyone can
   * type) becomes '?', as {@link String#getBytes} does; the caller owns and should wipe the
   * returned array.
   */
  public static byte[] encodeSecret(char[] secret) {
    try {
      return encode(secret, CodingErrorAction.REPLACE);
    } catch (CharacterCodingException e) {
      // Unreachable: REPLACE never reports; if it did, that is a bug worth a loud failure.
      throw new IllegalStateException("UTF-8 encoder reported an error despite REPLACE", e);
    }
  }

  /**
   * The UTF-8 encoding of {@code secret}, or empty when it holds a lone surrogate (it is not text);
   * the caller owns and should wipe the returned array.
   */
  public static Optional<byte[]> encodeSecretStrictly(char[] secret) {
    try {
      return Optional.of(encode(secret, CodingErrorAction.REPORT));
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  private static byte[] encode(char[] secret, CodingErrorAction onError) throws CharacterCodingException {
    ByteBuffer buffer =
        StandardCharsets.UTF_8
            .newEncoder()
            .onMalformedInput(onError)
            .onUnmappableCharacter(onError)
            .encode(CharBuffer.wrap(secret));
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    if (buffer.hasArray()) {
      Arrays.fill(buffer.array(), (byte) 0);
    }
    return bytes;
  }
}
