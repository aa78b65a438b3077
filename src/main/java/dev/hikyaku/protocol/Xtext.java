package dev.hikyaku.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** RFC 3461 §4 xtext: printable ASCII except '+' and '=', others as {@code +HH}. */
public final class Xtext {

  private Xtext() {}

  public static Optional<String> decode(String xtext) {
    byte[] out = new byte[xtext.length()];
    int n = 0;
    for (int i = 0; i < xtext.length(); i++) {
      char c = xtext.charAt(i);
      if (c == '+') {
        if (i + 2 >= xtext.length()) {
          return Optional.empty();
        }
        int hi = Character.digit(xtext.charAt(i + 1), 16);
        int lo = Character.digit(xtext.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return Optional.empty();
        }
        out[n++] = (byte) (hi << 4 | lo);
        i += 2;
      } else if (c >= 33 && c <= 126 && c != '=') {
        out[n++] = (byte) c;
      } else {
        return Optional.empty();
      }
    }
    // RFC 6533 §3: what xtext carries is UTF-8. Octets that are not are refused rather than
    // replaced by U+FFFD: the replacement re-encodes as "+EF+BF+BD", so the stored wire form of an
    // accepted ORCPT/ENVID could outgrow its limit and no longer parse when the queue read it back,
    // failing the whole message for every recipient (found by CommandParserFuzzTest).
    try {
      return Optional.of(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(out, 0, n))
              .toString());
    } catch (CharacterCodingException notUtf8) {
      return Optional.empty();
    }
  }

  public static String encode(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 33 && c <= 126 && c != '+' && c != '=') {
        out.append((char) c);
      } else {
        out.append('+').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
