package dev.hikyaku.delivery;

import dev.hikyaku.protocol.DeliveryStatus;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Builds delivery status notifications: RFC 3464 reports, each a complete RFC 5322 message of type
 * {@code multipart/report; report-type=delivery-status} (RFC 6522) with three parts: a text for
 * people, the {@code message/delivery-status} fields for programs, and the original's header
 * section ({@code text/rfc822-headers}) or, with RET=FULL, the whole original ({@code
 * message/rfc822}).
 *
 * <p>The DSN is sent with the null reverse-path (RFC 5321 §4.5.5, RFC 3461 §6.2) by whoever queues
 * it; {@link #shouldBounce} keeps us from ever answering a bounce with a bounce. It carries {@code
 * Auto-Submitted: auto-replied} (RFC 3834 §5) so that responders stay quiet too.
 *
 * <p>Every field value coming from outside (addresses, remote replies) is stripped of CR, LF and
 * other controls before it is written, so a remote server's reply cannot add header fields; the
 * delivery-status part is kept to 7-bit ASCII as RFC 3464 §2.1 asks of its fields.
 */
public final class Bouncer {

  /** Subject of a DSN that reports a failure. */
  public static final String FAILED_SUBJECT = "Undelivered Mail Returned to Sender";
  /** Subject of a DSN that reports only delays. */
  public static final String DELAYED_SUBJECT = "Delayed Mail (still being retried)";
  /** Subject of any other DSN (success notifications, RFC 3461 NOTIFY=SUCCESS). */
  public static final String OTHER_SUBJECT = "Delivery Status Notification";

  private static final String CRLF = "\r\n";
  // RFC 5322 §3.3 date-time with a numeric zone (not the obsolete "GMT").
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT)
          .withZone(ZoneOffset.UTC);
  private static final int FOLD_AT = 76; // RFC 5322 §2.1.1: lines SHOULD stay within 78

  private final Clock clock;
  private final RandomGenerator random;

  public Bouncer(Clock clock, RandomGenerator random) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
  }

  /**
   * Whether a message from {@code originalReversePath} may be answered with a DSN: never when it
   * had the null reverse-path, i.e. was itself a DSN: RFC 5321 §4.5.5 sends notifications with the
   * null path precisely so that they are never answered, which would loop.
   */
  public static boolean shouldBounce(String originalReversePath) {
    return !originalReversePath.isEmpty();
  }

  /** The DSN as a complete message: header section, CRLF line ends, ready to queue. */
  public byte[] dsn(DsnRequest request) {
    if (!shouldBounce(request.original().reversePath())) {
      throw new IllegalArgumentException("no DSN for a message with the null reverse-path <>");
    }
    String host = fieldText(request.reportingMta());
    Instant now = clock.instant();
    String boundary = "=_hikyaku_" + hex(16);
    List<DsnRecipient> recipients = request.recipients();
    boolean hasFailed = recipients.stream().anyMatch(r -> r.status().action() == DeliveryStatus.Action.FAILED);
    boolean isDelayOnly = recipients.stream().allMatch(r -> r.status().action() == DeliveryStatus.Action.DELAYED);
    String subject = hasFailed ? FAILED_SUBJECT : isDelayOnly ? DELAYED_SUBJECT : OTHER_SUBJECT;
    byte[] original = request.original().content();
    byte[] returned = request.returnFullMessage() ? original : headerSection(original);
    boolean isReturned8bit = !isAscii(returned);

    ByteArrayOutputStream out = new ByteArrayOutputStream(4096 + returned.length);
    // RFC 5322 §3.6: Date and From are required; Message-ID SHOULD be present.
    write(out, "From: Mail Delivery System <MAILER-DAEMON@" + host + ">" + CRLF);
    write(out, "To: <" + fieldText(request.original().reversePath()) + ">" + CRLF);
    write(out, "Subject: " + subject + CRLF);
    write(out, "Date: " + DATE.format(now) + CRLF);
    write(out, "Message-ID: <" + hex(12) + "." + now.toEpochMilli() + "@" + host + ">" + CRLF);
    write(out, "Auto-Submitted: auto-replied" + CRLF); // RFC 3834 §5
    write(out, "MIME-Version: 1.0" + CRLF);
    // RFC 6522 §3: multipart/report with the report-type parameter.
    write(out, "Content-Type: multipart/report; report-type=delivery-status;" + CRLF
        + "\tboundary=\"" + boundary + "\"" + CRLF);
    if (isReturned8bit) {
      write(out, "Content-Transfer-Encoding: 8bit" + CRLF);
    }
    write(out, CRLF);
    write(out, "This is a MIME-encapsulated message." + CRLF);

    // Part 1: for people (RFC 6522 §3: the first part is human-readable).
    String text = humanText(host, hasFailed, isDelayOnly, recipients);
    write(out, CRLF + "--" + boundary + CRLF);
    write(out, "Content-Description: Notification" + CRLF);
    if (isAscii(text)) {
      write(out, "Content-Type: text/plain; charset=us-ascii" + CRLF + CRLF);
    } else {
      write(out, "Content-Type: text/plain; charset=utf-8" + CRLF);
      write(out, "Content-Transfer-Encoding: 8bit" + CRLF + CRLF);
    }
    write(out, text);

    // Part 2: for programs (RFC 3464 §2.1: per-message fields, then one group per recipient).
    write(out, CRLF + "--" + boundary + CRLF);
    write(out, "Content-Description: Delivery report" + CRLF);
    write(out, "Content-Type: message/delivery-status" + CRLF + CRLF);
    write(out, deliveryStatus(request, host));

    // Part 3: what was sent (RFC 3462 text/rfc822-headers, or message/rfc822 for RET=FULL).
    write(out, CRLF + "--" + boundary + CRLF);
    if (request.returnFullMessage()) {
      write(out, "Content-Description: Undelivered Message" + CRLF);
      write(out, "Content-Type: message/rfc822" + CRLF);
    } else {
      write(out, "Content-Description: Undelivered Message Headers" + CRLF);
      write(out, "Content-Type: text/rfc822-headers" + CRLF);
    }
    if (isReturned8bit) {
      // RFC 2046 §5.2.1: message/rfc822 may only be 7bit, 8bit or binary; 8bit says which.
      write(out, "Content-Transfer-Encoding: 8bit" + CRLF);
    }
    write(out, CRLF);
    out.writeBytes(returned);
    if (returned.length > 0 && !endsWithCrlf(returned)) {
      write(out, CRLF);
    }
    write(out, CRLF + "--" + boundary + "--" + CRLF);
    return out.toByteArray();
  }

  private static String humanText(
      String host, boolean hasFailed, boolean isDelayOnly, List<DsnRecipient> recipients) {
    StringBuilder text = new StringBuilder();
    text.append("This is the mail system at ").append(host).append('.').append(CRLF).append(CRLF);
    if (hasFailed) {
      text.append("Your message could not be delivered to one or more recipients.").append(CRLF)
          .append("It is attached below.").append(CRLF);
    } else if (isDelayOnly) {
      text.append("Your message could not be delivered yet to one or more recipients.")
          .append(CRLF)
          .append("It will be retried; you need not send it again.").append(CRLF);
    } else {
      text.append("This is a report on the delivery of your message.").append(CRLF);
    }
    text.append(CRLF);
    for (DsnRecipient recipient : recipients) {
      StringBuilder line = new StringBuilder();
      line.append('<').append(clean(recipient.finalRecipient())).append(">: ")
          .append(recipient.action());
      // The human-readable part says who said it, as Postfix's does: "host x said: 550 ...", or our reason.
      line.append(", ");
      DeliveryStatus status = recipient.status();
      if (status.diagnostic() instanceof DeliveryStatus.Diagnostic.RemoteReply && status.remoteMta().isPresent()) {
        line.append("host ").append(clean(status.remoteMta().get().relay())).append(" said: ");
      }
      line.append(clean(status.diagnostic().text()));
      recipient.willRetryUntil().ifPresent(until ->
          line.append(" (will retry until ").append(DATE.format(until)).append(')'));
      text.append(fold(line.toString(), "    ")).append(CRLF);
    }
    return text.toString();
  }

  private static String deliveryStatus(DsnRequest request, String host) {
    StringBuilder fields = new StringBuilder();
    // RFC 3464 §2.2: per-message fields.
    request.originalEnvelopeId().ifPresent(envid ->
        field(fields, "Original-Envelope-Id", fieldText(envid)));
    field(fields, "Reporting-MTA", "dns; " + host);
    field(fields, "Arrival-Date", DATE.format(request.original().receivedAt()));
    for (DsnRecipient recipient : request.recipients()) {
      fields.append(CRLF); // §2.1: a blank line before each per-recipient group
      // §2.3.1: the ORCPT the sender gave (RFC 3461 §6.3), before Final-Recipient.
      recipient.originalRecipient().ifPresent(original -> {
        int semicolon = original.indexOf(';');
        field(fields, "Original-Recipient", fieldText(original.substring(0, semicolon)) + "; "
            + fieldText(original.substring(semicolon + 1)));
      });
      field(fields, "Final-Recipient", "rfc822; " + fieldText(recipient.finalRecipient()));
      field(fields, "Action", recipient.action());
      field(fields, "Status", recipient.statusCode());
      recipient.remoteMta().ifPresent(mta -> field(fields, "Remote-MTA", "dns; " + fieldText(mta)));
      field(fields, "Diagnostic-Code", fieldText(recipient.diagnosticCode()));
      recipient.lastAttempt().ifPresent(at -> field(fields, "Last-Attempt-Date", DATE.format(at)));
      recipient.willRetryUntil().ifPresent(at ->
          field(fields, "Will-Retry-Until", DATE.format(at)));
    }
    return fields.toString();
  }

  /** Appends {@code name: value}, folded at spaces to keep lines short (RFC 5322 §2.2.3). */
  private static void field(StringBuilder out, String name, String value) {
    // The fold keeps the space as the continuation line's leading WSP, so unfolding restores it.
    out.append(fold(name + ": " + value, "")).append(CRLF);
  }

  /**
   * Breaks {@code line} before spaces so that lines stay within {@link #FOLD_AT} characters where
   * words allow; each continuation starts with {@code indent} and the space. A word longer than a
   * line stays whole.
   */
  private static String fold(String line, String indent) {
    StringBuilder folded = new StringBuilder(line.length() + 16);
    int lineLength = 0;
    String[] words = line.split(" ", -1);
    for (int i = 0; i < words.length; i++) {
      String word = words[i];
      if (i > 0) {
        if (lineLength + 1 + word.length() > FOLD_AT && lineLength > indent.length() + 1) {
          folded.append(CRLF).append(indent);
          lineLength = indent.length();
        }
        folded.append(' ');
        lineLength++;
      }
      folded.append(word);
      lineLength += word.length();
    }
    return folded.toString();
  }

  /** Printable US-ASCII only: controls (CR, LF) become spaces, anything else becomes '?'. */
  private static String fieldText(String value) {
    StringBuilder clean = new StringBuilder(value.length());
    value.codePoints().forEach(c -> {
      if (c < 0x20 || c == 0x7F) {
        clean.append(' ');
      } else if (c > 0x7E) {
        clean.append('?');
      } else {
        clean.append((char) c);
      }
    });
    return clean.toString().strip();
  }

  /** For the human-readable part: keeps non-ASCII text (charset utf-8) but drops controls. */
  private static String clean(String value) {
    StringBuilder clean = new StringBuilder(value.length());
    value.codePoints().forEach(c -> clean.appendCodePoint(c < 0x20 || c == 0x7F ? ' ' : c));
    return clean.toString().strip();
  }

  /** The header section of {@code content}: up to and including the CRLF before the empty line. */
  static byte[] headerSection(byte[] content) {
    if (content.length >= 2 && content[0] == '\r' && content[1] == '\n') {
      return new byte[0]; // RFC 5322 §2.1: no header fields at all
    }
    for (int i = 0; i + 3 < content.length; i++) {
      if (content[i] == '\r' && content[i + 1] == '\n' && content[i + 2] == '\r'
          && content[i + 3] == '\n') {
        return Arrays.copyOf(content, i + 2);
      }
    }
    return content; // no body: all of it is header
  }

  private static boolean endsWithCrlf(byte[] bytes) {
    return bytes.length >= 2 && bytes[bytes.length - 2] == '\r' && bytes[bytes.length - 1] == '\n';
  }

  private static boolean isAscii(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAscii(String text) {
    return text.chars().allMatch(c -> c < 0x80);
  }

  private String hex(int octets) {
    byte[] bytes = new byte[octets];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static void write(ByteArrayOutputStream out, String text) {
    out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
  }
}
