package dev.hikyaku.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One SMTP reply (RFC 5321 §4.2): a three-digit code, an optional enhanced status code and one or
 * more lines of text. Build replies through {@link Replies}; nothing else constructs them.
 *
 * @param status {@code null} only for replies RFC 2034 §3 exempts: the greeting, EHLO/HELO, 334, 354
 */
public record Reply(int code, EnhancedStatus status, List<String> lines) {

  public Reply {
    if (code < 200 || code > 599) {
      throw new IllegalArgumentException("RFC 5321 §4.2: reply code is 2yz..5yz, was " + code);
    }
    if (status != null && status.statusClass() != code / 100) {
      throw new IllegalArgumentException("RFC 3463 §2: class of " + status + " must match " + code);
    }
    lines = List.copyOf(lines);
    if (lines.isEmpty()) {
      throw new IllegalArgumentException("a reply has at least one line");
    }
    for (String line : lines) {
      if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("reply text must not contain CR or LF");
      }
    }
  }

  Reply(int code, EnhancedStatus status, String text) {
    this(code, status, List.of(text));
  }

  public boolean isTransientFailure() {
    return code >= 400 && code < 500;
  }

  /** Whether this reply counts against the session's error budget. */
  public boolean isError() {
    return code >= 400;
  }

  /** The first line's text, without code or status. */
  public String text() {
    return lines.getFirst();
  }

  /**
   * The wire form: {@code code-status text CRLF} for every line but the last, {@code code SP} for the
   * last (RFC 5321 §4.2.1); the enhanced status code leads the text of every line (RFC 2034 §4).
   */
  public byte[] toBytes() {
    StringBuilder wire = new StringBuilder(64 * lines.size());
    for (int i = 0; i < lines.size(); i++) {
      wire.append(code).append(i == lines.size() - 1 ? ' ' : '-');
      if (status != null) {
        wire.append(status).append(' ');
      }
      wire.append(lines.get(i)).append("\r\n");
    }
    // RFC 6531 §3.7.4.2: UTF-8 is allowed in replies once SMTPUTF8 is in use; our texts are ASCII
    // except where they echo a client's UTF-8 address, which only happens under SMTPUTF8.
    return wire.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return new String(toBytes(), StandardCharsets.UTF_8).stripTrailing();
  }
}
