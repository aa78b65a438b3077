package dev.hikyaku.bench.load;

import java.util.List;

/**
 * One SMTP reply (RFC 5321 §4.2): the code and, when the caller asked for it, the text of its lines
 * (without the code and separator). The hot path asks for no text, so no strings are built.
 */
record ServerReply(int code, List<String> lines) {

  boolean isPositiveCompletion() {
    return code >= 200 && code < 300;
  }

  /** The first line as the server sent it, code included, for failure reports. */
  String firstLine() {
    return lines.isEmpty() ? Integer.toString(code) : code + " " + lines.getFirst();
  }
}
