package dev.hikyaku.intake;

import dev.hikyaku.mailauth.FromField;
import dev.hikyaku.protocol.HeaderScan;
import dev.hikyaku.protocol.Replies;
import dev.hikyaku.protocol.Reply;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The envelope a message's own header names, for a raw message sent without one (as {@code
 * sendmail -t} reads it): the first From: mailbox as the reverse-path, every To:, Cc: and Bcc:
 * mailbox as a recipient (RFC 5322 §3.6.2, §3.6.3). Bcc: is then taken out before the message is
 * queued, so blind recipients stay blind (RFC 5322 §3.6.3, first way).
 */
public final class HeaderEnvelope {

  /** The destination fields, in the order their mailboxes become recipients. */
  private static final List<String> DESTINATIONS = List.of("To", "Cc", "Bcc");

  private HeaderEnvelope() {}

  /**
   * The refusal for a header with a field over {@link HeaderScan#MAX_FIELD_OCTETS}, as SMTP gives it
   * (552 5.3.4); empty when every field is within it. Call it before {@link #sender} and {@link
   * #recipients}: the address parser's work grows faster than the field, and the limit is what keeps
   * it bounded, as {@code DataReader} does for a session before anything parses.
   */
  public static Optional<Reply> overlongField(byte[] message) {
    return HeaderScan.overlongField(message).map(name -> Replies.headerFieldTooLong());
  }

  /** The first mailbox of the one From: field; empty when there is none, or several From: fields. */
  public static Optional<String> sender(byte[] message) {
    return FromHeaderCheck.fromAddresses(message).filter(list -> !list.isEmpty()).map(List::getFirst);
  }

  /**
   * The mailboxes of every To:, Cc: and Bcc: field, in that order (groups flattened); empty when a
   * field is not an address list. A mailbox without a domain is kept as written, for the caller to
   * refuse by name.
   */
  public static Optional<List<String>> recipients(byte[] message) {
    List<String> recipients = new ArrayList<>();
    for (String name : DESTINATIONS) {
      for (String value : HeaderSection.values(message, name)) {
        // RFC 5322 §3.6.3: "Bcc:" may be empty (the recipients are then not disclosed at all).
        if (value.isBlank()) {
          continue;
        }
        Optional<List<FromField.AddrSpec>> mailboxes = FromField.mailboxes(value);
        if (mailboxes.isEmpty()) {
          return Optional.empty();
        }
        mailboxes.get().forEach(mailbox -> recipients.add(mailbox.address()));
      }
    }
    return Optional.of(recipients);
  }

  /** {@code message} without its Bcc: fields (with their folded lines); the same array when it has none. */
  public static byte[] withoutBcc(byte[] message) {
    int end = HeaderSection.headerEnd(message);
    ByteArrayOutputStream out = null;
    int start = 0;
    boolean isDropping = false;
    while (start < end) {
      int lineEnd = nextLine(message, start, end);
      boolean isContinuation = message[start] == ' ' || message[start] == '\t';
      if (!isContinuation) {
        isDropping = isBcc(message, start, lineEnd);
      }
      if (isDropping && out == null) {
        out = new ByteArrayOutputStream(message.length);
        out.write(message, 0, start);
      } else if (!isDropping && out != null) {
        out.write(message, start, lineEnd - start);
      }
      start = lineEnd;
    }
    if (out == null) {
      return message;
    }
    out.write(message, start, message.length - start); // the empty line and the body
    return out.toByteArray();
  }

  /** The offset just past the CRLF that ends the line at {@code start}, or {@code end}. */
  private static int nextLine(byte[] message, int start, int end) {
    for (int i = start; i + 1 < end; i++) {
      if (message[i] == '\r' && message[i + 1] == '\n') {
        return i + 2;
      }
    }
    // headerEnd stops before the CRLF CRLF, so the last field's own CRLF lies at end.
    return Math.min(end + 2, message.length);
  }

  private static boolean isBcc(byte[] message, int start, int lineEnd) {
    String name = "bcc:";
    if (lineEnd - start < name.length()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      // RFC 5322 §2.2: field names are US-ASCII; no space before the colon (§3.6.8 ftext).
      if (Character.toLowerCase((char) (message[start + i] & 0xFF)) != name.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
