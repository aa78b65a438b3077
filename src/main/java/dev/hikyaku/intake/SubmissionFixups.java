package dev.hikyaku.intake;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * RFC 6409 §8: what a submission server may complete in a message from its own user. Only the
 * fields RFC 5322 §3.6 requires or strongly expects are added, and only when missing: Date (§8.3)
 * and Message-ID (§8.3). Nothing present is changed.
 */
final class SubmissionFixups {

  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);

  private SubmissionFixups() {}

  static byte[] apply(byte[] content, String hostname, String queueId, Instant at) {
    StringBuilder added = new StringBuilder();
    if (HeaderSection.values(content, "Date").isEmpty()) {
      added.append("Date: ").append(DATE.format(at)).append("\r\n");
    }
    if (HeaderSection.values(content, "Message-ID").isEmpty()) {
      // RFC 5322 §3.6.4: unique on the left, this host on the right.
      added.append("Message-ID: <").append(queueId.toLowerCase(Locale.ROOT)).append('.').append(at.toEpochMilli())
          .append('@').append(hostname).append(">\r\n");
    }
    if (added.isEmpty()) {
      return content;
    }
    byte[] fields = added.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[fields.length + content.length];
    System.arraycopy(fields, 0, out, 0, fields.length);
    System.arraycopy(content, 0, out, fields.length, content.length);
    return out;
  }
}
