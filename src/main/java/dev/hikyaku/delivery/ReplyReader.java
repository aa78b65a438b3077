package dev.hikyaku.delivery;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads SMTP replies (RFC 5321 §4.2) from a buffered stream: multi-line replies ({@code 250-...}
 * then {@code 250 ...}), strict CRLF, bounded line length and line count.
 *
 * <p>The stream must be buffered: {@link InputStream#read()} here is called once per octet.
 */
final class ReplyReader {

  /**
   * RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; servers exceed it with long texts and
   * capability lists, so accept up to this many (§4.5.3.1: be liberal) but no more.
   */
  static final int MAX_LINE = 4096;

  /** An EHLO reply has a couple of dozen lines; a reply with more is a broken or hostile server. */
  static final int MAX_LINES = 256;

  private final InputStream in;
  private final byte[] line = new byte[MAX_LINE];

  ReplyReader(InputStream in) {
    this.in = in;
  }

  /** Thrown for octets that are not an SMTP reply. */
  static final class MalformedReplyException extends IOException {
    MalformedReplyException(String message) {
      super(message);
    }
  }

  SmtpReply read() throws IOException {
    List<String> texts = new ArrayList<>();
    int code = -1;
    while (true) {
      int length = readLine();
      // RFC 5321 §4.2: Reply-line = *( Reply-code "-" [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF
      if (length < 3 || !isDigit(line[0]) || !isDigit(line[1]) || !isDigit(line[2])) {
        throw new MalformedReplyException("reply line does not start with a three-digit code: " + printable(length));
      }
      int lineCode = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
      if (lineCode < 200 || lineCode > 599) {
        throw new MalformedReplyException("reply code out of range: " + printable(length));
      }
      if (code != -1 && lineCode != code) {
        // RFC 5321 §4.2.1: every line of a multi-line reply carries the same code.
        throw new MalformedReplyException("multi-line reply changed code from " + code + " to " + lineCode);
      }
      code = lineCode;
      boolean isLast;
      if (length == 3) {
        isLast = true;
      } else if (line[3] == ' ') {
        isLast = true;
      } else if (line[3] == '-') {
        isLast = false;
      } else {
        throw new MalformedReplyException("reply code not followed by space or hyphen: " + printable(length));
      }
      // Text is usually ASCII; SMTPUTF8 servers may send UTF-8 (RFC 6531 §3.7.4.2). Never fatal.
      texts.add(length > 4 ? new String(line, 4, length - 4, StandardCharsets.UTF_8) : "");
      if (isLast) {
        return SmtpReply.of(code, texts);
      }
      if (texts.size() >= MAX_LINES) {
        throw new MalformedReplyException("reply longer than " + MAX_LINES + " lines");
      }
    }
  }

  /** Reads one line into {@link #line} without its CRLF and returns its length. */
  private int readLine() throws IOException {
    int length = 0;
    while (true) {
      int b = in.read();
      if (b == -1) {
        throw new EOFException("connection closed by the server" + (length > 0 ? " in the middle of a reply line" : ""));
      }
      if (b == '\r') {
        int next = in.read();
        if (next == '\n') {
          return length;
        }
        // RFC 5321 §2.3.8: CR and LF only ever appear together as CRLF.
        throw new MalformedReplyException("bare CR in reply line: " + printable(length));
      }
      if (b == '\n') {
        throw new MalformedReplyException("reply line ended with a bare LF: " + printable(length));
      }
      if (length == MAX_LINE) {
        throw new MalformedReplyException("reply line longer than " + MAX_LINE + " octets");
      }
      line[length++] = (byte) b;
    }
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  /** The start of the offending line, safe to log: control characters escaped, at most 80 chars. */
  private String printable(int length) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < Math.min(length, 80); i++) {
      int c = line[i] & 0xff;
      if (c >= 0x20 && c < 0x7f) {
        s.append((char) c);
      } else {
        s.append(String.format("\\x%02x", c));
      }
    }
    return "\"" + s + (length > 80 ? "..." : "") + "\"";
  }
}
