package dev.hikyaku.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** RFC 6409 §8.3: Date and Message-ID are added to submitted messages that lack them, and only then. */
class SubmissionFixupsTest {

  private static final Instant AT = Instant.parse("2026-11-23T03:15:00Z");

  private static String fixed(String message) {
    return new String(
        SubmissionFixups.apply(message.getBytes(StandardCharsets.US_ASCII), "mx.hikyaku.test", "06H0C4TC7VJ8WEAZ", AT),
        StandardCharsets.US_ASCII);
  }

  @Test
  void addsWhatIsMissing() {
    assertThat(fixed("From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"))
        .isEqualTo("Date: Mon, 23 Nov 2026 03:15:00 +0000\r\n"
            + "Message-ID: <06h0c4tc7vj8weaz.1795403700000@mx.hikyaku.test>\r\n"
            + "From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n");
  }

  @Test
  void keepsWhatIsThereAndLooksOnlyAtTheHeader() {
    String message = "Date: Sun, 22 Nov 2026 10:00:00 +0900\r\nmessage-id: <x@y>\r\n\r\nDate: in the body\r\n";
    assertThat(fixed(message)).isEqualTo(message);
    assertThat(fixed("Subject: x\r\n\r\nMessage-ID: <in@body>\r\n")).startsWith("Date: ").contains("\r\nMessage-ID: <06h0c4tc7vj8weaz.");
  }
}
