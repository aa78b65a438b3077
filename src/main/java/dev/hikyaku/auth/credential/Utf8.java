package dev.hikyaku.auth.credential;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** UTF-8 bytes of a secret held in a {@code char[]}, without ever making it a {@link String}. */
public final class Utf8 {

  private Utf8() {}

  /**
   * The UTF-8 encoding of {@code secret}. A lone surrogate (not text, so not a password anyone can
   * type) becomes '?', as {@link String#getBytes} does; the caller owns and should wipe the
   * returned array.
   */
  public static byte[] encode(char[] secret) {
    CharsetEncoder encoder =
        StandardCharsets.UTF_8
            .newEncoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    ByteBuffer buffer;
    try {
      buffer = encoder.encode(CharBuffer.wrap(secret));
    } catch (CharacterCodingException e) {
      // Unreachable: REPLACE never reports; if it did, that is a bug worth a loud failure.
      throw new IllegalStateException("UTF-8 encoder reported an error despite REPLACE", e);
    }
    byte[] bytes = Arrays.copyOf(buffer.array(), buffer.limit());
    Arrays.fill(buffer.array(), (byte) 0);
    return bytes;
  }
}
