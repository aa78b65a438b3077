package dev.hikyaku.intake;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads header fields of a message (RFC 5322 §2.2), unfolded, without parsing the body. */
final class HeaderSection {

  private HeaderSection() {}

  /** The values of every field named {@code name} (case-insensitive), unfolded (RFC 5322 §2.2.3). */
  static List<String> values(byte[] message, String name) {
    String prefix = name.toLowerCase(Locale.ROOT) + ":";
    List<String> values = new ArrayList<>();
    int end = headerEnd(message);
    // RFC 6532: header fields may carry UTF-8 under SMTPUTF8.
    String header = new String(message, 0, end, StandardCharsets.UTF_8);
    StringBuilder field = null;
    for (String line : header.split("\r\n", -1)) {
      boolean isContinuation = !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
      if (isContinuation && field != null) {
        field.append(line);
        continue;
      }
      if (field != null) {
        values.add(field.toString().strip());
        field = null;
      }
      if (line.toLowerCase(Locale.ROOT).startsWith(prefix)) {
        field = new StringBuilder(line.substring(prefix.length()));
      }
    }
    if (field != null) {
      values.add(field.toString().strip());
    }
    return values;
  }

  /** The offset just past the header section (before the empty line), or the whole message. */
  static int headerEnd(byte[] message) {
    if (message.length >= 2 && message[0] == '\r' && message[1] == '\n') {
      return 0;
    }
    for (int i = 0; i + 3 < message.length; i++) {
      if (message[i] == '\r' && message[i + 1] == '\n' && message[i + 2] == '\r' && message[i + 3] == '\n') {
        return i;
      }
    }
    return message.length;
  }
}
