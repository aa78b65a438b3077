package dev.hikyaku.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Watches the header section (RFC 5322 §2.2) of message content as it is read, octet by octet, so
 * that limits hold before anything parses a field: a field, folded lines and all, is at most {@link
 * #MAX_FIELD_OCTETS}; the {@code Received:} fields are counted (RFC 5321 §6.3, loop detection); and
 * whether the section is valid UTF-8 (RFC 6532 §3.2) is noted. Constant work per octet, no copies.
 *
 * <p>Sans-I/O: {@link DataReader} feeds it the content as it will be stored (un-stuffed).
 */
public final class HeaderScan {

  /**
   * The most octets one header field may take, its folded lines and line endings included.
   * RFC 5322 §2.1.1 limits each line to 998 octets but not the number of folded lines; 100 KiB is
   * Postfix's {@code header_size_limit} and far beyond any real field, so what parses a field does a
   * bounded amount of work (a 30 MiB folded {@code From:} once cost minutes in an address parser).
   */
  public static final int MAX_FIELD_OCTETS = 102_400;

  /**
   * RFC 5321 §6.3: a message with more Received fields than this is looping. Delivery refuses to
   * send one on; the session refuses to take one (ours would make it one more).
   */
  public static final int MAX_HOPS = 30;

  private static final byte[] RECEIVED = "received".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_NAME_SHOWN = 64;

  private boolean isDone;
  private boolean isAtLineStart = true;
  private boolean isEmptyLineCandidate;
  private boolean isInName;
  private final byte[] name = new byte[MAX_NAME_SHOWN];
  private int nameLength;
  private boolean isReceivedSoFar;
  private long fieldOctets;
  private int receivedFields;
  private String overlongField;
  private int utf8Pending; // continuation octets still expected
  private int utf8Low = 0x80; // bounds of the next continuation octet (RFC 3629 §4)
  private int utf8High = 0xBF;
  private boolean isUtf8 = true;

  /** Takes the next octet of content. */
  void accept(byte octet) {
    if (isDone) {
      return;
    }
    int b = octet & 0xFF;
    if (isEmptyLineCandidate) {
      isEmptyLineCandidate = false;
      if (b == '\n') {
        endSection();
        return;
      }
    }
    if (isAtLineStart) {
      isAtLineStart = false;
      if (b == '\r') {
        isEmptyLineCandidate = true; // CRLF at a line's start: the empty line that ends the section
      } else if (b == '\n') {
        endSection(); // a bare LF; the message is refused for it anyway
        return;
      } else if (b != ' ' && b != '\t') {
        startField(); // RFC 5322 §2.2.3: a line that starts with WSP continues the field before it
      }
    }
    if (++fieldOctets > MAX_FIELD_OCTETS && overlongField == null) {
      overlongField = fieldName();
    }
    if (isInName) {
      name(b);
    }
    utf8(b);
    if (b == '\n') {
      isAtLineStart = true;
    }
  }

  /** {@link #accept} for a run of octets inside one line: no CR, LF or NUL among them. */
  void acceptRun(byte[] octets, int from, int count) {
    int i = from;
    int end = from + count;
    // Octet by octet while a line's start, a field name or a UTF-8 sequence is being read...
    while (i < end && !isDone && (isAtLineStart || isEmptyLineCandidate || isInName || utf8Pending > 0)) {
      accept(octets[i++]);
    }
    if (isDone || i == end) {
      return;
    }
    // ...then the rest of the line only counts, and only non-ASCII octets need a closer look.
    fieldOctets += end - i;
    if (fieldOctets > MAX_FIELD_OCTETS && overlongField == null) {
      overlongField = fieldName();
    }
    for (; i < end; i++) {
      if (octets[i] < 0 || utf8Pending > 0) {
        utf8(octets[i] & 0xFF);
      }
    }
  }

  private void startField() {
    fieldOctets = 0;
    nameLength = 0;
    isInName = true;
    isReceivedSoFar = true;
  }

  private void name(int b) {
    if (b == ':') {
      isInName = false;
      if (isReceivedSoFar && nameLength == RECEIVED.length) {
        receivedFields++;
      }
      return;
    }
    if (b == '\r' || b == '\n') {
      isInName = false; // no colon on this line: not a field name we count
      return;
    }
    byte lower = (byte) Character.toLowerCase(b);
    isReceivedSoFar = isReceivedSoFar && nameLength < RECEIVED.length && RECEIVED[nameLength] == lower;
    if (nameLength < name.length) {
      name[nameLength] = (byte) b;
    }
    nameLength++;
  }

  /** RFC 3629 §4: the well-formed UTF-8 octet sequences. */
  private void utf8(int b) {
    if (utf8Pending > 0) {
      if (b < utf8Low || b > utf8High) {
        isUtf8 = false;
        utf8Pending = 0;
      } else {
        utf8Pending--;
        utf8Low = 0x80;
        utf8High = 0xBF;
        return;
      }
    }
    if (b < 0x80) {
      return;
    }
    if (b >= 0xC2 && b <= 0xDF) {
      utf8Pending = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      utf8Pending = 2;
      utf8Low = b == 0xE0 ? 0xA0 : 0x80; // no overlong forms
      utf8High = b == 0xED ? 0x9F : 0xBF; // no surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      utf8Pending = 3;
      utf8Low = b == 0xF0 ? 0x90 : 0x80;
      utf8High = b == 0xF4 ? 0x8F : 0xBF; // nothing above U+10FFFF
    } else {
      isUtf8 = false;
    }
  }

  private void endSection() {
    if (utf8Pending > 0) {
      isUtf8 = false;
    }
    isDone = true;
  }

  private String fieldName() {
    String shown = new String(Arrays.copyOf(name, Math.min(nameLength, name.length)), StandardCharsets.ISO_8859_1);
    StringBuilder printable = new StringBuilder();
    for (char c : shown.toCharArray()) {
      printable.append(c > 0x20 && c < 0x7F ? c : '?'); // a name goes into a reply: printable ASCII only
    }
    return printable.isEmpty() ? "(unnamed)" : printable.toString();
  }

  /** Called when the content has ended: an unfinished UTF-8 sequence at the end is not UTF-8. */
  void finish() {
    if (!isDone) {
      endSection();
    }
  }

  /**
   * The name of the first field of {@code content}'s header section over {@link #MAX_FIELD_OCTETS},
   * if any: for content that arrives whole (the API's raw messages), to be checked before anything
   * parses a field. Reads the header section only, and stops at the first overlong field.
   */
  public static Optional<String> overlongField(byte[] content) {
    HeaderScan scan = new HeaderScan();
    for (int i = 0; i < content.length && !scan.isDone && scan.overlongField == null; i++) {
      scan.accept(content[i]);
    }
    return scan.overlongField();
  }

  /** The name of the first field over {@link #MAX_FIELD_OCTETS}, if any. */
  public Optional<String> overlongField() {
    return Optional.ofNullable(overlongField);
  }

  /** How many {@code Received:} fields the header section holds (RFC 5321 §6.3). */
  public int receivedFields() {
    return receivedFields;
  }

  /** Whether the client's header section has more hops than {@link #MAX_HOPS} allows with ours added. */
  public boolean isLooping() {
    return receivedFields + 1 > MAX_HOPS;
  }

  /** Whether every octet of the header section is well-formed UTF-8 (US-ASCII is). */
  public boolean isUtf8() {
    return isUtf8;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "HeaderScan[received=%d, overlong=%s, utf8=%b]", receivedFields, overlongField, isUtf8);
  }
}
