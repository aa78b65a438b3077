package dev.hikyaku.testing;

/** Messages built to make a MIME parser recurse: multiparts nested one in another. */
public final class NestedMime {

  private NestedMime() {}

  /**
   * A message of {@code header} (fields, each ending in CRLF) whose multipart/mixed body is nested
   * {@code depth} deep, each level one part holding the next, a text part at the bottom: about 60
   * octets per level.
   */
  public static String multipart(String header, int depth) {
    StringBuilder message = new StringBuilder(depth * 64 + header.length() + 200)
        .append(header).append("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n");
    for (int level = 0; level < depth; level++) {
      message.append("--b").append(level).append("\r\nContent-Type: multipart/mixed; boundary=b").append(level + 1).append("\r\n\r\n");
    }
    message.append("--b").append(depth).append("\r\nContent-Type: text/plain\r\n\r\ndeep\r\n--b").append(depth).append("--\r\n");
    for (int level = depth - 1; level >= 0; level--) {
      message.append("\r\n--b").append(level).append("--\r\n");
    }
    return message.toString();
  }
}
