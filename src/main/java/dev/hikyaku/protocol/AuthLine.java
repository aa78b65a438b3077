package dev.hikyaku.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * RFC 4954 §4: the lines of an AUTH exchange after the command. The server's challenges and the
 * client's responses are base64; a client line of "*" cancels the exchange.
 */
public final class AuthLine {

  private AuthLine() {}

  /** The initial response of an AUTH command: "=" is one of zero length; anything else is base64. */
  public static Optional<byte[]> initialResponse(String text) {
    return text.equals("=") ? Optional.of(new byte[0]) : base64(text);
  }

  /** Whether a client's line cancels the exchange. */
  public static boolean isCancel(byte[] line) {
    return line.length == 1 && line[0] == '*';
  }

  /** A client's response to a challenge, decoded; empty when it is not base64. */
  public static Optional<byte[]> response(byte[] line) {
    return base64(new String(line, StandardCharsets.US_ASCII));
  }

  /** A challenge's data as it goes on the wire (after "334 "). */
  public static String challenge(byte[] data) {
    return Base64.getEncoder().encodeToString(data);
  }

  private static Optional<byte[]> base64(String text) {
    try {
      return Optional.of(Base64.getDecoder().decode(text));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
