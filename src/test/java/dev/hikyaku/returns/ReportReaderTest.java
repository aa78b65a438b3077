package dev.hikyaku.returns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.protocol.DeliveryStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The reader on real-world returned mail, as data: each sample of {@code src/test/resources/returns/}
 * against its lines in {@code expected.txt} (RFC 3464 DSNs of Postfix, Exchange and Gmail, a delayed
 * one, qmail's and Exim's plain-text bounces, ARF complaints with and without the recipient, an
 * out-of-office reply that is no report).
 */
class ReportReaderTest {

  private static final String RETURN_PATH = "bounces+01kbmz0a3x7f8q2mabcdefghijklmnop@bounce.hikyaku.test";
  private static final String FEEDBACK = "fbl@bounce.hikyaku.test";

  private record Expected(String kind, List<String> lines) {}

  private static Map<String, Expected> expectations() {
    Map<String, Expected> byFile = new LinkedHashMap<>();
    for (String line : Samples.raw("expected.txt").split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] cells = line.split("\\|", -1);
      String file = cells[0].strip();
      Expected expected = byFile.computeIfAbsent(file, f -> new Expected(cells[1].strip(), new ArrayList<>()));
      if (!cells[2].isBlank()) {
        expected.lines().add(cells[2].strip());
      }
    }
    return byFile;
  }

  private static Report read(String file) {
    return ReportReader.read(
        Samples.text(file, RETURN_PATH, Samples.RECIPIENT, Samples.MESSAGE_ID, FEEDBACK).getBytes(StandardCharsets.UTF_8));
  }

  @TestFactory
  Stream<DynamicTest> eachSampleReadsAsExpected() {
    return expectations().entrySet().stream().map(entry -> DynamicTest.dynamicTest(entry.getKey(), () -> {
      Expected expected = entry.getValue();
      Report report = read(entry.getKey());
      switch (expected.kind()) {
        case "dsn", "plain" -> {
          assertThat(report).as(report.toString()).isInstanceOf(Report.DeliveryReport.class);
          Report.DeliveryReport dsn = (Report.DeliveryReport) report;
          assertThat(dsn.isStandard()).isEqualTo(expected.kind().equals("dsn"));
          assertThat(dsn.recipients().stream()
                  .map(r -> r.action().keyword() + " " + r.status() + " " + r.finalRecipient()))
              .containsExactlyElementsOf(expected.lines());
          assertThat(dsn.original().messageId()).hasValue(Samples.MESSAGE_ID);
          assertThat(dsn.original().returnPath()).hasValue(RETURN_PATH);
        }
        case "arf" -> {
          assertThat(report).as(report.toString()).isInstanceOf(Report.FeedbackReport.class);
          Report.FeedbackReport arf = (Report.FeedbackReport) report;
          String[] words = expected.lines().getFirst().split(" ");
          assertThat(arf.feedbackType()).isEqualTo(words[0]);
          assertThat(arf.originalRcptTo()).containsExactly(java.util.Arrays.copyOfRange(words, 1, words.length));
          assertThat(arf.original().messageId()).hasValue(Samples.MESSAGE_ID);
        }
        case "unreadable" -> assertThat(report).isInstanceOf(Report.Unreadable.class);
        default -> throw new AssertionError("unknown kind " + expected.kind());
      }
    }));
  }

  @Test
  void theFieldsOfAStandardReportAreReadUnfoldedAndWithoutTheirTypesAndComments() {
    Report.DeliveryReport gmail = (Report.DeliveryReport) read("gmail-failed.eml");
    Report.ReportedRecipient bob = gmail.recipients().getFirst();
    assertThat(bob.remoteMta()).hasValue("gmail-smtp-in.l.google.com");
    assertThat(bob.diagnostic().orElseThrow())
        .startsWith("smtp; 550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1")
        .endsWith("a1si123456wrb.42 - gsmtp")
        .doesNotContain("\n");
    assertThat(gmail.reportingMta()).hasValue("googlemail.com");

    Report.DeliveryReport postfix = (Report.DeliveryReport) read("postfix-failed.eml");
    assertThat(postfix.recipients().getFirst().originalRecipient()).hasValue(Samples.RECIPIENT);
    assertThat(postfix.recipients().getFirst().remoteMta()).hasValue("mailstore.example.net");

    Report.ReportedRecipient delayed = ((Report.DeliveryReport) read("postfix-delayed.eml")).recipients().getFirst();
    assertThat(delayed.action()).isEqualTo(DeliveryStatus.Action.DELAYED);
    assertThat(delayed.diagnostic()).hasValue("X-Postfix; connect to mx.slow.example[198.51.100.7]:25: Connection timed out");

    Report.FeedbackReport arf = (Report.FeedbackReport) read("arf-abuse.eml");
    assertThat(arf.originalMailFrom()).hasValue(RETURN_PATH);
    assertThat(arf.userAgent()).hasValue("SomeGenerator/1.0");
    assertThat(arf.reportingMta()).hasValue("mail.mailbox.example");
  }

  @Test
  void aStatusThatDoesNotFitTheActionIsMadeToAndAMissingOneComesFromTheDiagnostic() {
    String report = "From: MAILER-DAEMON@x.example\r\nTo: " + RETURN_PATH + "\r\nMIME-Version: 1.0\r\n"
        + "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
        + "--b\r\nContent-Type: text/plain\r\n\r\nFailed.\r\n"
        + "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x.example\r\n\r\n"
        + "Final-Recipient: rfc822; <one@example.net>\r\nAction: failed (permanent)\r\n"
        + "Diagnostic-Code: smtp; 550 5.7.1 rejected by policy\r\n\r\n"
        + "Final-Recipient: rfc822; two@example.net\r\nAction: delayed\r\nStatus: 5.4.7\r\n\r\n"
        + "Final-Recipient: rfc822; three@example.net\r\nAction: relayed\r\nStatus: 2.0.0\r\n\r\n"
        + "--b--\r\n";
    Report.DeliveryReport dsn = (Report.DeliveryReport) ReportReader.read(report.getBytes(StandardCharsets.US_ASCII));
    assertThat(dsn.recipients().stream().map(r -> r.action().keyword() + " " + r.status() + " " + r.finalRecipient()))
        .containsExactly("failed 5.7.1 one@example.net", "delayed 4.4.7 two@example.net");
    assertThat(dsn.original()).isEqualTo(Report.Original.NONE);
  }

  private static byte[] nestedMultipart(int depth) {
    return dev.hikyaku.testing.NestedMime.multipart("From: <mailer-daemon@example.net>\r\nSubject: nested\r\n", depth)
        .getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void multipartsNestedAHundredThousandDeepAreUnreadableNotAStackOverflow() {
    // mime4j has no nesting limit and recurses once per level (10,000 levels overflowed a test
    // thread's stack; 100,000, 6 MB, overflow any); what it cannot read is Unreadable, as the reader
    // promises for anything a remote server wrote.
    assertThat(ReportReader.read(nestedMultipart(100_000))).isEqualTo(new Report.Unreadable("multiparts nested too deeply to read"));
    assertThat(ReportReader.read(nestedMultipart(100))).as("a depth mime4j reads: no report in it")
        .isInstanceOf(Report.Unreadable.class).isNotEqualTo(new Report.Unreadable("multiparts nested too deeply to read"));
  }

  @Test
  void whatIsNoReportIsUnreadableWithItsReason() {
    assertThat(ReportReader.read(new byte[0])).isInstanceOf(Report.Unreadable.class);
    Report noFields = ReportReader.read(("Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
        + "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x.example\r\n--b--\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    assertThat(noFields).isEqualTo(new Report.Unreadable("a delivery-status part without per-recipient fields"));
    Report otherType = ReportReader.read(("Content-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n\r\n"
        + "--b\r\nContent-Type: message/disposition-notification\r\n\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n--b--\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    assertThat(otherType).isInstanceOf(Report.Unreadable.class);
    assertThat(((Report.Unreadable) otherType).reason()).contains("without a delivery-status or feedback-report");
    Report noType = ReportReader.read(("Content-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n"
        + "--b\r\nContent-Type: message/feedback-report\r\n\r\nUser-Agent: x\r\n--b--\r\n").getBytes(StandardCharsets.US_ASCII));
    assertThat(noType).isEqualTo(new Report.Unreadable("a feedback-report part without Feedback-Type"));
    assertThat(Optional.of(ReportReader.read("Subject: hello\r\n\r\nThe meeting is at 5.1.1 today.\r\n".getBytes(StandardCharsets.US_ASCII))))
        .get().isInstanceOf(Report.Unreadable.class);
  }
}
