package dev.hikyaku.intake;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One message handed to the local pickup socket by {@code hikyaku sendmail}, in its wire form:
 *
 * <pre>
 * FROM:&lt;sender&gt; CRLF          (&lt;&gt; for the null sender)
 * TO:&lt;recipient&gt; CRLF         (one line per recipient)
 * SIZE:octets CRLF
 * CRLF
 * the message, exactly that many octets, CRLF line ends
 * </pre>
 *
 * The server answers with one SMTP reply (RFC 5321 §4.2, with its enhanced status code) and closes.
 * Sans-I/O apart from the streams it is given; addresses are checked by the server, not here.
 *
 * @param sender the reverse-path, without brackets; empty for the null sender
 * @param recipients the forward-paths, without brackets
 * @param content the message
 */
public record PickupRequest(String sender, List<String> recipients, byte[] content) {

  /** A header line is an address at most (RFC 5321 §4.5.3.1.3: a path is 256 octets) and its key. */
  private static final int MAX_HEADER_LINE = 512;

  public PickupRequest {
    Objects.requireNonNull(sender, "sender");
    recipients = List.copyOf(recipients);
    Objects.requireNonNull(content, "content");
    for (String address : recipients) {
      requireOneLine(address);
    }
    requireOneLine(sender);
  }

  /** The request is malformed; the message says how, for the reply. */
  public static final class MalformedException extends Exception {
    MalformedException(String message) {
      super(message);
    }
  }

  /** The request is larger than the server takes: more recipients or octets than its limits. */
  public static final class TooLargeException extends Exception {
    private final boolean isTooManyRecipients;

    TooLargeException(boolean isTooManyRecipients) {
      super(isTooManyRecipients ? "too many recipients" : "message too big");
      this.isTooManyRecipients = isTooManyRecipients;
    }

    public boolean isTooManyRecipients() {
      return isTooManyRecipients;
    }
  }

  public void writeTo(OutputStream out) throws IOException {
    StringBuilder head = new StringBuilder(64 + 64 * recipients.size());
    head.append("FROM:<").append(sender).append(">\r\n");
    recipients.forEach(address -> head.append("TO:<").append(address).append(">\r\n"));
    head.append("SIZE:").append(content.length).append("\r\n\r\n");
    out.write(head.toString().getBytes(StandardCharsets.UTF_8));
    out.write(content);
    out.flush();
  }

  /**
   * Reads one request, refusing before reading it whole one that exceeds {@code maxRecipients} or
   * {@code maxOctets}.
   */
  public static PickupRequest readFrom(InputStream in, int maxRecipients, long maxOctets)
      throws IOException, MalformedException, TooLargeException {
    String first = line(in);
    String sender = path(first, "FROM:");
    List<String> recipients = new ArrayList<>();
    String line = line(in);
    while (line.startsWith("TO:")) {
      if (recipients.size() == maxRecipients) {
        throw new TooLargeException(true);
      }
      recipients.add(path(line, "TO:"));
      line = line(in);
    }
    if (!line.startsWith("SIZE:")) {
      throw new MalformedException("expected TO:<address> or SIZE:octets, got " + shown(line));
    }
    long size;
    try {
      size = Long.parseLong(line.substring("SIZE:".length()));
    } catch (NumberFormatException e) {
      throw new MalformedException("SIZE is not a number: " + shown(line));
    }
    if (size < 0) {
      throw new MalformedException("SIZE is negative");
    }
    if (size > maxOctets) {
      throw new TooLargeException(false);
    }
    if (!line(in).isEmpty()) {
      throw new MalformedException("expected an empty line after SIZE");
    }
    byte[] content = in.readNBytes((int) size);
    if (content.length != size) {
      throw new MalformedException("the message ended after " + content.length + " of " + size + " octets");
    }
    return new PickupRequest(sender, recipients, content);
  }

  private static String path(String line, String key) throws MalformedException {
    if (!line.startsWith(key + "<") || !line.endsWith(">")) {
      throw new MalformedException("expected " + key + "<address>, got " + shown(line));
    }
    return line.substring(key.length() + 1, line.length() - 1);
  }

  /** One CRLF-ended line, UTF-8 (RFC 6531 addresses), without its CRLF. */
  private static String line(InputStream in) throws IOException, MalformedException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(80);
    int previous = -1;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new MalformedException("the request ended in its header");
      }
      if (b == '\n' && previous == '\r') {
        byte[] line = bytes.toByteArray();
        return new String(line, 0, line.length - 1, StandardCharsets.UTF_8);
      }
      if (bytes.size() == MAX_HEADER_LINE) {
        throw new MalformedException("a header line is longer than " + MAX_HEADER_LINE + " octets");
      }
      bytes.write(b);
      previous = b;
    }
  }

  private static String shown(String line) {
    String cut = line.length() > 80 ? line.substring(0, 80) + "..." : line;
    return "'" + cut.replaceAll("\\p{Cntrl}", "?") + "'";
  }

  private static void requireOneLine(String text) {
    if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("an address is one line");
    }
  }
}
