package dev.hikyaku.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** The octet rules of a command line, before it is parsed: its length and its encoding. */
public final class CommandLine {

  private CommandLine() {}

  /**
   * Whether a command line is over its verb's limit (CRLF included). Almost every line is within
   * RFC 5321's 512, the smallest limit, so only a longer one has its verb looked at.
   *
   * @param line the line without its CRLF
   */
  public static boolean isTooLong(byte[] line) {
    int octets = line.length + 2;
    return octets > Verb.COMMAND_LINE_OCTETS && octets > Verb.ofLine(line).maxLineOctets();
  }

  /**
   * RFC 5321 §2.3.8 / RFC 6531: command lines are ASCII, or UTF-8 under SMTPUTF8; control characters
   * other than TAB have no place in them. Empty when the line breaks these rules.
   */
  public static Optional<String> decode(byte[] octets) {
    boolean isAscii = true;
    for (byte b : octets) {
      if (b < 0) {
        isAscii = false;
      } else if (b < 0x20 && b != '\t' || b == 0x7f) {
        return Optional.empty();
      }
    }
    if (isAscii) {
      return Optional.of(new String(octets, StandardCharsets.US_ASCII));
    }
    return Utf8.decode(octets);
  }
}
