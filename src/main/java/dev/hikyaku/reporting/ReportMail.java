package dev.hikyaku.reporting;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

/**
 * A report as a message: a short text part and the report as a base64 attachment, from {@code
 * postmaster@<hostname>}. RFC 8460 §5.3 (multipart/report, report-type "tlsrpt") and RFC 7489
 * §7.2.1.1 (the same subject form, the report as an attachment) both have this shape.
 */
final class ReportMail {

  private ReportMail() {}

  /**
   * @param contentType the message's multipart type with its parameters but the boundary
   * @param fields more header fields, in order (name → value)
   */
  static byte[] of(String hostname, String to, String subject, Map<String, String> fields, String contentType, String text,
      String attachmentType, String fileName, byte[] attachment, Clock clock) {
    String boundary = "report-" + UUID.randomUUID();
    StringBuilder message = new StringBuilder()
        .append("From: Reports <postmaster@").append(hostname).append(">\r\n")
        .append("To: <").append(to).append(">\r\n")
        .append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(clock.instant().atZone(ZoneOffset.UTC))).append("\r\n")
        .append("Subject: ").append(subject).append("\r\n")
        .append("Message-ID: <").append(UUID.randomUUID()).append('@').append(hostname).append(">\r\n");
    fields.forEach((name, value) -> message.append(name).append(": ").append(value).append("\r\n"));
    message.append("MIME-Version: 1.0\r\n")
        .append("Content-Type: ").append(contentType).append("; boundary=\"").append(boundary).append("\"\r\n")
        .append("\r\n")
        .append("--").append(boundary).append("\r\n")
        .append("Content-Type: text/plain; charset=us-ascii\r\n")
        .append("\r\n")
        .append(text).append("\r\n")
        .append("\r\n")
        .append("--").append(boundary).append("\r\n")
        .append("Content-Type: ").append(attachmentType).append("\r\n")
        .append("Content-Transfer-Encoding: base64\r\n")
        .append("Content-Disposition: attachment; filename=\"").append(fileName).append("\"\r\n")
        .append("\r\n")
        .append(Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(attachment)).append("\r\n")
        .append("--").append(boundary).append("--\r\n");
    return message.toString().getBytes(StandardCharsets.US_ASCII);
  }
}
