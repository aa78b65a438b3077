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
    byte[] fields = missingFields(HeaderFacts.of(content), hostname, queueId, at);
    if (fields.length == 0) {
      return content;
    }
    byte[] out = new byte[fields.length + content.length];
    System.arraycopy(fields, 0, out, 0, fields.length);
    System.arraycopy(content, 0, out, fields.length, content.length);
    return out;
  }

  /** The fields to put on top of a message with these header {@code facts}; empty when none is missing. */
  static byte[] missingFields(HeaderFacts facts, String hostname, String queueId, Instant at) {
    StringBuilder added = new StringBuilder();
    if (facts.dates().isEmpty()) {
      added.append("Date: ").append(DATE.format(at)).append("\r\n");
    }
    if (facts.messageIds().isEmpty()) {
      added.append(messageIdField(hostname, queueId, at));
    }
    return added.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** RFC 5322 §3.6.4: unique on the left, this host on the right. */
  private static String messageIdField(String hostname, String queueId, Instant at) {
    return "Message-ID: <" + queueId.toLowerCase(Locale.ROOT) + '.' + at.toEpochMilli() + '@' + hostname + ">\r\n";
  }
}
