package dev.hikyaku.mailauth;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CancellationException;

/** DKIM's "relaxed" canonicalization (RFC 6376 §3.4.2 for header fields, §3.4.4 for the body). */
final class Canonical {

  private Canonical() {}

  /**
   * RFC 6376 §3.4.2: name in lower case, unfolded, runs of WSP as one SP, no WSP at the end of the
   * value or around the colon; ends with CRLF.
   */
  static String relaxedHeader(HeaderField field) {
    String raw = field.raw();
    int colon = raw.indexOf(':');
    String name = raw.substring(0, colon).strip().toLowerCase(Locale.ROOT);
    String value = raw.substring(colon + 1).replace("\r\n", "");
    StringBuilder out = new StringBuilder(name.length() + value.length() + 3).append(name).append(':');
    boolean isSpace = false;
    boolean isValueStarted = false; // WSP before the value's first character goes (after the colon)
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == ' ' || c == '\t') {
        isSpace = true;
      } else {
        if (isSpace && isValueStarted) {
          out.append(' ');
        }
        isSpace = false;
        isValueStarted = true;
        out.append(c);
      }
    }
    return out.append("\r\n").toString();
  }

  /**
   * RFC 6376 §3.4.4: in each line runs of WSP become one SP and WSP at the line's end goes; empty
   * lines at the end of the body go; a non-empty body ends with CRLF; an empty one stays empty.
   */
  static byte[] relaxedBody(byte[] message, int from) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(16, message.length - from));
    relaxedBody(message, from, out::write);
    return out.toByteArray();
  }

  /**
   * The SHA-256 (or other {@code digest}) of the relaxed body, as {@link #relaxedBody} gives it,
   * without holding the canonical body: the signer hashes a 1 MiB body through an 8 KiB block
   * instead of two whole copies (issue 15 point 2).
   */
  static byte[] relaxedBodyDigest(byte[] message, int from, MessageDigest digest) {
    relaxedBody(message, from, digest::update);
    return digest.digest();
  }

  /** Where canonical octets go, a block at a time. */
  @FunctionalInterface
  private interface BlockSink {
    void write(byte[] block, int offset, int length);
  }

  private static void relaxedBody(byte[] message, int from, BlockSink sink) {
    byte[] block = new byte[(int) Math.min(8192, Math.max(16, message.length - from + 2))];
    int filled = 0;
    int pendingEmptyLines = 0; // written only when a non-empty line follows them
    boolean isLineStarted = false; // a non-WSP octet of this line has been written
    boolean isSpace = false; // WSP seen since the last octet written
    int n = message.length;
    for (int i = from; i < n; i++) {
      if ((i & 0xFFFFF) == 0 && Thread.currentThread().isInterrupted()) {
        // Inbound checks abandon what runs past their budget (InboundChecks): stop, don't burn CPU.
        throw new CancellationException("body canonicalization abandoned");
      }
      // Room for the most one octet of input can write: an SP, or CRLF, before the octet itself.
      if (filled + 3 > block.length) {
        sink.write(block, 0, filled);
        filled = 0;
      }
      byte b = message[i];
      if (b == '\r' && i + 1 < n && message[i + 1] == '\n') {
        if (isLineStarted) {
          block[filled++] = '\r';
          block[filled++] = '\n';
        } else {
          pendingEmptyLines++;
        }
        isLineStarted = false;
        isSpace = false;
        i++;
      } else if (b == ' ' || b == '\t') {
        isSpace = true;
      } else {
        if (!isLineStarted) {
          for (; pendingEmptyLines > 0; pendingEmptyLines--) {
            if (filled + 2 > block.length) {
              sink.write(block, 0, filled);
              filled = 0;
            }
            block[filled++] = '\r';
            block[filled++] = '\n';
          }
          if (filled + 2 > block.length) {
            sink.write(block, 0, filled);
            filled = 0;
          }
          isLineStarted = true;
        }
        if (isSpace) {
          block[filled++] = ' '; // a run of WSP, leading ones too, is one SP (RFC 6376 §3.4.4 a)
        }
        isSpace = false;
        block[filled++] = b;
      }
    }
    if (isLineStarted) {
      if (filled + 2 > block.length) {
        sink.write(block, 0, filled);
        filled = 0;
      }
      block[filled++] = '\r'; // a last line without its CRLF gets one
      block[filled++] = '\n';
    }
    sink.write(block, 0, filled);
  }

  /** RFC 6376 §3.4.1: "simple" header canonicalization is the field exactly as it is. */
  static String simpleHeader(HeaderField field) {
    return field.raw();
  }

  /**
   * RFC 6376 §3.4.3: "simple" body canonicalization drops the empty lines at the end; the body then
   * ends with one CRLF (an empty body becomes a lone CRLF).
   */
  static byte[] simpleBody(byte[] message, int from) {
    int end = message.length;
    // Ensure a final CRLF, then strip the empty lines before it.
    boolean endsWithCrlf = end - from >= 2 && message[end - 2] == '\r' && message[end - 1] == '\n';
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(2, end - from + 2));
    out.write(message, from, end - from);
    if (!endsWithCrlf && end > from) {
      out.write('\r');
      out.write('\n');
    }
    byte[] body = out.toByteArray();
    int length = body.length;
    while (length >= 4 && body[length - 4] == '\r' && body[length - 3] == '\n' && body[length - 2] == '\r' && body[length - 1] == '\n') {
      length -= 2;
    }
    if (length == 0 || (length == 2 && body[0] == '\r' && body[1] == '\n')) {
      return new byte[] {'\r', '\n'};
    }
    return Arrays.copyOf(body, length);
  }
}
