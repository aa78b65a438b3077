package dev.hikyaku.intake;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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

  /**
   * The unfolded value of the first field of each of {@code names} (case-insensitive), as {@link
   * #values} gives it, keyed by the name as passed; a name without a field is absent. One pass over
   * the octets that stops once every name is found and decodes only the fields it returns: the
   * header section of an accepted message may be 35 MiB of 100 KiB fields, and {@link #values}
   * decodes and splits all of it on every call (about 0.3 s of CPU for such a header).
   */
  static Map<String, String> firstValues(byte[] message, List<String> names) {
    Map<String, String> found = new HashMap<>();
    int start = 0;
    while (start < message.length && found.size() < names.size() && !isCrlf(message, start)) {
      int fieldEnd = lineEnd(message, start);
      // RFC 5322 §2.2.3: a line that starts with WSP continues the field before it.
      while (fieldEnd + 2 < message.length && (message[fieldEnd + 2] == ' ' || message[fieldEnd + 2] == '\t')) {
        fieldEnd = lineEnd(message, fieldEnd + 2);
      }
      for (String name : names) {
        if (!found.containsKey(name) && isNamed(message, start, fieldEnd, name)) {
          found.put(name, value(message, start + name.length() + 1, fieldEnd));
        }
      }
      start = fieldEnd + 2;
    }
    return found;
  }

  /**
   * The unfolded values of every field named in {@code names} (case-insensitive), as {@link
   * #values} gives them, keyed by the name as passed, in one pass over the octets that decodes only
   * the fields it returns: intake reads From, Date, Message-ID and Subject of a submission once,
   * not once per name (issue 15 point 2). A name without a field maps to an empty list.
   */
  static Map<String, List<String>> allValues(byte[] message, List<String> names) {
    Map<String, List<String>> found = new HashMap<>();
    for (String name : names) {
      found.put(name, new ArrayList<>(1));
    }
    int start = 0;
    while (start < message.length && !isCrlf(message, start)) {
      int fieldEnd = lineEnd(message, start);
      // RFC 5322 §2.2.3: a line that starts with WSP continues the field before it.
      while (fieldEnd + 2 < message.length && (message[fieldEnd + 2] == ' ' || message[fieldEnd + 2] == '\t')) {
        fieldEnd = lineEnd(message, fieldEnd + 2);
      }
      for (String name : names) {
        if (isNamed(message, start, fieldEnd, name)) {
          found.get(name).add(value(message, start + name.length() + 1, fieldEnd));
          break;
        }
      }
      start = fieldEnd + 2;
    }
    return found;
  }

  /** {@code message} without its fields named {@code name} (case-insensitive), continuation lines and all. */
  static byte[] withoutFields(byte[] message, String name) {
    ByteArrayOutputStream kept = new ByteArrayOutputStream(message.length);
    int start = 0;
    while (start < message.length && !isCrlf(message, start)) {
      int fieldEnd = lineEnd(message, start);
      while (fieldEnd + 2 < message.length && (message[fieldEnd + 2] == ' ' || message[fieldEnd + 2] == '\t')) {
        fieldEnd = lineEnd(message, fieldEnd + 2);
      }
      int next = Math.min(fieldEnd + 2, message.length);
      if (!isNamed(message, start, fieldEnd, name)) {
        kept.write(message, start, next - start);
      }
      start = next;
    }
    kept.write(message, start, message.length - start);
    return kept.toByteArray();
  }

  private static String value(byte[] message, int valueStart, int fieldEnd) {
    String field = new String(message, valueStart, fieldEnd - valueStart, StandardCharsets.UTF_8);
    return field.replace("\r\n", "").strip();
  }

  /** Whether the field at {@code start} (ending before {@code end}) is {@code name:}, ignoring ASCII case. */
  private static boolean isNamed(byte[] message, int start, int end, String name) {
    if (end - start < name.length() + 1 || message[start + name.length()] != ':') {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      // RFC 5322 §2.2: field names are printable US-ASCII, so ASCII case folding is the whole story.
      int octet = message[start + i] & 0xFF;
      int lower = octet >= 'A' && octet <= 'Z' ? octet + ('a' - 'A') : octet;
      if (lower != Character.toLowerCase(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** The offset of the CRLF that ends the line at {@code start}, or the message length. */
  private static int lineEnd(byte[] message, int start) {
    for (int i = start; i + 1 < message.length; i++) {
      if (message[i] == '\r' && message[i + 1] == '\n') {
        return i;
      }
    }
    return message.length;
  }

  private static boolean isCrlf(byte[] message, int at) {
    return at + 1 < message.length && message[at] == '\r' && message[at + 1] == '\n';
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
