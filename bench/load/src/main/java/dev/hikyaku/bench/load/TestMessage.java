package dev.hikyaku.bench.load;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The message every session sends, built once: an RFC 5322 header (From, To, Subject, Date,
 * Message-ID) and a body of 76-character lines, padded to exactly the requested size, then written
 * as DATA wants it: CRLF line ends, dot-stuffed (RFC 5321 §4.5.2), ended by CRLF "." CRLF.
 */
final class TestMessage {

  private TestMessage() {}

  /**
   * @param size octets of header and body (before dot-stuffing, without the final ".CRLF")
   * @return the octets to send after the 354 reply
   */
  static byte[] wire(int size, String from, String to) {
    StringBuilder header = new StringBuilder(256);
    header.append("From: <").append(from).append(">\r\n");
    header.append("To: <").append(to).append(">\r\n");
    header.append("Subject: hikyaku load test\r\n");
    header.append("Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n");
    header.append("Message-ID: <load.").append(size).append("@bench.example>\r\n");
    header.append("MIME-Version: 1.0\r\n");
    header.append("Content-Type: text/plain; charset=us-ascii\r\n");
    header.append("\r\n");
    byte[] head = header.toString().getBytes(StandardCharsets.US_ASCII);
    if (head.length + 2 > size) {
      throw new IllegalArgumentException("size " + size + " is smaller than the header (" + head.length + " octets)");
    }
    ByteArrayOutputStream content = new ByteArrayOutputStream(size + 8);
    content.writeBytes(head);
    // Body lines of 76 letters + CRLF (78 octets); the remainder goes into the last line, or, when
    // the remainder is one octet, into one line of 77 letters, so the size is exact and the body
    // still ends in CRLF. No line starts with "." here, but dotStuff applies the rule anyway.
    int remaining = size - head.length;
    int fullLines = remaining / 78;
    int rest = remaining % 78;
    int[] lineLetters;
    if (rest == 1) {
      lineLetters = new int[fullLines];
      java.util.Arrays.fill(lineLetters, 76);
      lineLetters[fullLines - 1] = 77;
    } else if (rest == 0) {
      lineLetters = new int[fullLines];
      java.util.Arrays.fill(lineLetters, 76);
    } else {
      lineLetters = new int[fullLines + 1];
      java.util.Arrays.fill(lineLetters, 76);
      lineLetters[fullLines] = rest - 2;
    }
    for (int line = 0; line < lineLetters.length; line++) {
      for (int i = 0; i < lineLetters[line]; i++) {
        content.write('a' + (line + i) % 26);
      }
      content.write('\r');
      content.write('\n');
    }
    return dotStuff(content.toByteArray());
  }

  /** RFC 5321 §4.5.2: a line that starts with "." gets another; then CRLF "." CRLF ends the data. */
  static byte[] dotStuff(byte[] content) {
    ByteArrayOutputStream wire = new ByteArrayOutputStream(content.length + 16);
    boolean isLineStart = true;
    for (byte b : content) {
      if (isLineStart && b == '.') {
        wire.write('.');
      }
      wire.write(b);
      isLineStart = b == '\n';
    }
    if (!isLineStart) {
      wire.write('\r');
      wire.write('\n');
    }
    wire.write('.');
    wire.write('\r');
    wire.write('\n');
    return wire.toByteArray();
  }
}
