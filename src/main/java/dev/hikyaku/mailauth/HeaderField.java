package dev.hikyaku.mailauth;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One field of a message's header section as it was written: the name, and the whole field with
 * its folding and final CRLF (RFC 5322 §2.2), as ISO-8859-1 text so that 8-bit octets survive.
 */
record HeaderField(String name, String raw) {

  /** The name in lower case, as DKIM compares names (RFC 6376 §3.4.2 and §5.4). */
  String key() {
    return name.toLowerCase(Locale.ROOT);
  }

  /** The fields of {@code message}'s header section, in order; the body starts at {@link #bodyOffset}. */
  static List<HeaderField> parse(byte[] message) {
    String text = new String(message, 0, bodyOffset(message), StandardCharsets.ISO_8859_1);
    List<HeaderField> fields = new ArrayList<>();
    int start = 0;
    while (start < text.length()) {
      int end = start;
      // A field runs to the CRLF that is not followed by WSP (RFC 5322 §2.2.3: folding).
      while (true) {
        int crlf = text.indexOf("\r\n", end);
        if (crlf < 0) {
          end = text.length();
          break;
        }
        end = crlf + 2;
        if (end >= text.length() || (text.charAt(end) != ' ' && text.charAt(end) != '\t')) {
          break;
        }
      }
      String raw = text.substring(start, end);
      int colon = raw.indexOf(':');
      if (colon > 0 && !raw.equals("\r\n")) {
        fields.add(new HeaderField(raw.substring(0, colon).strip(), raw));
      }
      start = end;
    }
    return fields;
  }

  /**
   * Where the body starts: after the first empty line (CRLF CRLF), or the end of the message when
   * it has no body. The separating empty line belongs to neither part.
   */
  static int bodyOffset(byte[] message) {
    if (message.length >= 2 && message[0] == '\r' && message[1] == '\n') {
      return 0; // no header fields at all
    }
    for (int i = 0; i + 3 < message.length; i++) {
      if (message[i] == '\r' && message[i + 1] == '\n' && message[i + 2] == '\r' && message[i + 3] == '\n') {
        return i + 2;
      }
    }
    return message.length;
  }

  /** The body's first octet: after the empty line that ends the header section. */
  static int bodyStart(byte[] message) {
    int headerEnd = bodyOffset(message);
    return Math.min(message.length, headerEnd + 2);
  }
}
