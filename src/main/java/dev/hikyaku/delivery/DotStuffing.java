package dev.hikyaku.delivery;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes message content as the DATA of RFC 5321 §4.1.1.4: every line ends in CRLF, a line that
 * starts with "." gets another (§4.5.2, transparency), and CRLF "." CRLF ends it.
 */
final class DotStuffing {

  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] END = {'.', '\r', '\n'};

  private DotStuffing() {}

  /**
   * Writes {@code content} dot-stuffed and terminated. A bare CR or LF is written as CRLF (RFC 5321
   * §2.3.8: they must not be sent alone; a receiver that reads bare LF as a line end could otherwise
   * see an end of data we did not mean, as in SMTP smuggling). Returns the octets written.
   */
  static long write(byte[] content, OutputStream out) throws IOException {
    long written = 0;
    boolean isLineStart = true;
    int runStart = 0; // content[runStart, i) is pending, to be written in one call
    int i = 0;
    while (i < content.length) {
      byte b = content[i];
      if (b == '\r' || b == '\n') {
        out.write(content, runStart, i - runStart);
        out.write(CRLF);
        written += i - runStart + 2;
        // CRLF is one line end; a CR or LF alone is one too.
        i += (b == '\r' && i + 1 < content.length && content[i + 1] == '\n') ? 2 : 1;
        runStart = i;
        isLineStart = true;
        continue;
      }
      if (isLineStart && b == '.') {
        // RFC 5321 §4.5.2: add a period before a line that starts with one; the receiver removes it.
        out.write(content, runStart, i - runStart);
        out.write('.');
        written += i - runStart + 1;
        runStart = i;
      }
      isLineStart = false;
      i++;
    }
    out.write(content, runStart, i - runStart);
    written += i - runStart;
    if (!isLineStart) {
      // The terminating sequence is CRLF.CRLF: content not ending in a line end gets one.
      out.write(CRLF);
      written += 2;
    }
    out.write(END);
    return written + END.length;
  }
}
