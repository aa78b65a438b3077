package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.protocol.DeliveryReasons;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.DeliveryStatus.Action;
import dev.hikyaku.protocol.DeliveryStatus.Diagnostic;
import dev.hikyaku.protocol.EnhancedStatus;
import jakarta.mail.BodyPart;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** DSNs read back with Angus Mail, a MIME parser we did not write. */
class BouncerTest {

  private static final Instant NOW = Instant.parse("2026-05-06T09:00:00Z");
  private static final Instant RECEIVED = Instant.parse("2026-05-01T08:30:00Z");
  private static final String ORIGINAL =
      "From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: Lunch\r\n"
          + "Message-ID: <lunch@example.org>\r\n\r\nShall we?\r\n";
  // RFC 3464 §2.1 / RFC 822: a field name, a colon, and an unfolded value.
  private static final Pattern FIELD = Pattern.compile("[!-9;-~]+:.*");
  // RFC 5322 §3.3 date-time, as we write it.
  private static final Pattern DATE =
      Pattern.compile("[A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} [+-]\\d{4}");

  private final Bouncer bouncer =
      new Bouncer(Clock.fixed(NOW, ZoneOffset.UTC), new SplittableRandom(3));

  private static final DeliveryStatus.RemoteMta MX =
      new DeliveryStatus.RemoteMta("mx.example.net", Optional.of("192.0.2.1"), 25);

  /** {@code reply} as mx.example.net said it ("550 5.1.1 text"), failing the recipient with 5.1.1. */
  private static DeliveryStatus saidByMx(Action action, EnhancedStatus status, String reply) {
    return new DeliveryStatus(action, status,
        new Diagnostic.RemoteReply(Integer.parseInt(reply.substring(0, 3)), reply.length() > 3 ? reply.substring(4) : ""),
        Optional.of(MX));
  }

  private static DsnRecipient failed(String address, String reply) {
    return new DsnRecipient(address, saidByMx(Action.FAILED, EnhancedStatus.of(5, 1, 1), reply),
        Optional.of(NOW.minusSeconds(60)), Optional.empty(), Optional.empty());
  }

  private static DsnRequest request(List<DsnRecipient> recipients, boolean full) {
    return new DsnRequest("mail.example.org", Optional.of("ENV123"),
        new DsnOriginal("alice@example.org", RECEIVED, ORIGINAL.getBytes(StandardCharsets.UTF_8)),
        recipients, full);
  }

  private static MimeMessage parse(byte[] dsn) throws Exception {
    return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(dsn));
  }

  /** The delivery-status part: per-message fields, then one header block per recipient. */
  private static List<InternetHeaders> statusGroups(BodyPart part) throws Exception {
    InputStream in = part.getInputStream();
    byte[] raw = in.readAllBytes();
    String text = new String(raw, StandardCharsets.US_ASCII);
    for (String line : text.split("\r\n")) {
      if (!line.isEmpty() && !line.startsWith(" ")) {
        assertThat(line).as("RFC 3464 §2.1 field syntax").matches(FIELD);
      }
    }
    List<InternetHeaders> groups = new ArrayList<>();
    for (String block : text.split("\r\n\r\n")) {
      if (!block.isBlank()) {
        groups.add(new InternetHeaders(
            new ByteArrayInputStream((block + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII))));
      }
    }
    return groups;
  }

  @Test
  void failureDsnIsAMultipartReportWithTheRfc3464Fields() throws Exception {
    byte[] dsn = bouncer.dsn(request(List.of(
        failed("bob@example.net", "550 5.1.1 <bob@example.net>: no such user"),
        // Its lifetime ran out while no host answered: 5.4.7, and our own reason, not a server's.
        new DsnRecipient("carol@example.com",
            DeliveryReasons.expired(DeliveryReasons.noConnection("connecting to mx.example.com[192.0.2.9]:25 failed: Connection refused")),
            Optional.of(NOW), Optional.empty(), Optional.empty())), false));

    MimeMessage message = parse(dsn);
    assertThat(message.getHeader("From", null)).contains("MAILER-DAEMON@mail.example.org");
    assertThat(message.getHeader("To", null)).isEqualTo("<alice@example.org>");
    assertThat(message.getSubject()).isEqualTo("Undelivered Mail Returned to Sender");
    assertThat(message.getHeader("Auto-Submitted", null)).isEqualTo("auto-replied");
    assertThat(message.getHeader("Date", null)).matches(DATE);
    assertThat(message.getSentDate()).isEqualTo(java.util.Date.from(NOW));
    assertThat(message.getMessageID()).matches("<[0-9a-f]+\\.\\d+@mail\\.example\\.org>");
    assertThat(message.getContentType()).startsWith("multipart/report");
    assertThat(message.getContentType()).contains("report-type=delivery-status");

    MimeMultipart report = (MimeMultipart) message.getContent();
    assertThat(report.getCount()).isEqualTo(3);
    BodyPart human = report.getBodyPart(0);
    assertThat(human.getContentType()).startsWith("text/plain");
    // Who said it, as Postfix's text does; our own reason is said as ours.
    // Its folded lines joined (continuations start with four spaces).
    assertThat(((String) human.getContent()).replace("\r\n    ", ""))
        .contains("mail.example.org", "<bob@example.net>: failed", "no such user")
        .contains("<bob@example.net>: failed, host mx.example.net[192.0.2.1]:25 said: 550 5.1.1 <bob@example.net>: no such user")
        .contains("<carol@example.com>: failed, connecting to mx.example.com[192.0.2.9]:25 failed: Connection refused");

    BodyPart status = report.getBodyPart(1);
    assertThat(status.getContentType()).isEqualTo("message/delivery-status");
    List<InternetHeaders> groups = statusGroups(status);
    assertThat(groups).hasSize(3);
    InternetHeaders perMessage = groups.get(0);
    assertThat(perMessage.getHeader("Reporting-MTA", null)).isEqualTo("dns; mail.example.org");
    assertThat(perMessage.getHeader("Original-Envelope-Id", null)).isEqualTo("ENV123");
    assertThat(perMessage.getHeader("Arrival-Date", null))
        .matches(DATE).isEqualTo("Fri, 1 May 2026 08:30:00 +0000");
    InternetHeaders bob = groups.get(1);
    assertThat(bob.getHeader("Final-Recipient", null)).isEqualTo("rfc822; bob@example.net");
    assertThat(bob.getHeader("Action", null)).isEqualTo("failed");
    assertThat(bob.getHeader("Status", null)).isEqualTo("5.1.1");
    assertThat(bob.getHeader("Remote-MTA", null)).isEqualTo("dns; mx.example.net");
    assertThat(bob.getHeader("Diagnostic-Code", null))
        .isEqualTo("smtp; 550 5.1.1 <bob@example.net>: no such user");
    assertThat(bob.getHeader("Last-Attempt-Date", null)).isEqualTo("Wed, 6 May 2026 08:59:00 +0000");
    InternetHeaders carol = groups.get(2);
    assertThat(carol.getHeader("Final-Recipient", null)).isEqualTo("rfc822; carol@example.com");
    // RFC 3463 X.4.7 delivery time expired is permanent when it fails a recipient: class 5.
    assertThat(carol.getHeader("Action", null)).isEqualTo("failed");
    assertThat(carol.getHeader("Status", null)).isEqualTo("5.4.7");
    assertThat(carol.getHeader("Remote-MTA")).isNull();
    assertThat(jakarta.mail.internet.MimeUtility.unfold(carol.getHeader("Diagnostic-Code", null)))
        .isEqualTo("X-Hikyaku; connecting to mx.example.com[192.0.2.9]:25 failed: Connection refused");

    BodyPart headers = report.getBodyPart(2);
    assertThat(headers.getContentType()).startsWith("text/rfc822-headers");
    String returned = new String(headers.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(returned).contains("Subject: Lunch", "Message-ID: <lunch@example.org>")
        .doesNotContain("Shall we?");
  }

  @Test
  void delayDsnSaysWhenWeGiveUp() throws Exception {
    Instant until = RECEIVED.plus(java.time.Duration.ofDays(5));
    byte[] dsn = bouncer.dsn(request(List.of(new DsnRecipient("bob@example.net",
        saidByMx(Action.DELAYED, EnhancedStatus.of(4, 7, 1), "451 4.7.1 greylisted"),
        Optional.of(NOW), Optional.of(until), Optional.empty())), false));

    MimeMessage message = parse(dsn);
    assertThat(message.getSubject()).isEqualTo("Delayed Mail (still being retried)");
    MimeMultipart report = (MimeMultipart) message.getContent();
    InternetHeaders bob = statusGroups(report.getBodyPart(1)).get(1);
    assertThat(bob.getHeader("Action", null)).isEqualTo("delayed");
    assertThat(bob.getHeader("Status", null)).isEqualTo("4.7.1");
    assertThat(bob.getHeader("Remote-MTA", null)).isEqualTo("dns; mx.example.net");
    assertThat(bob.getHeader("Diagnostic-Code", null)).isEqualTo("smtp; 451 4.7.1 greylisted");
    assertThat(bob.getHeader("Will-Retry-Until", null)).isEqualTo("Wed, 6 May 2026 08:30:00 +0000");
    assertThat((String) report.getBodyPart(0).getContent()).contains("will retry until");
  }

  @Test
  void fullReturnEmbedsTheOriginalAsMessageRfc822() throws Exception {
    byte[] dsn = bouncer.dsn(request(List.of(failed("bob@example.net", "550 no")), true));

    MimeMultipart report = (MimeMultipart) parse(dsn).getContent();
    BodyPart original = report.getBodyPart(2);
    assertThat(original.getContentType()).isEqualTo("message/rfc822");
    MimeMessage embedded = (MimeMessage) original.getContent();
    assertThat(embedded.getSubject()).isEqualTo("Lunch");
    assertThat(((String) embedded.getContent()).strip()).isEqualTo("Shall we?");
  }

  @Test
  void aRemoteReplyCannotInjectHeaderFields() throws Exception {
    byte[] dsn = bouncer.dsn(request(List.of(
        failed("bob@example.net", "550 nope\r\nBcc: victim@example.com\r\n\r\nX: y")), false));

    MimeMessage message = parse(dsn);
    assertThat(message.getHeader("Bcc")).isNull();
    List<InternetHeaders> groups =
        statusGroups(((MimeMultipart) message.getContent()).getBodyPart(1));
    assertThat(groups).hasSize(2);
    assertThat(groups.get(1).getHeader("Bcc")).isNull();
    assertThat(groups.get(1).getHeader("Diagnostic-Code", null))
        .startsWith("smtp; 550 nope").contains("Bcc: victim");
  }

  @Test
  void longDiagnosticsAreFoldedAndUnfoldBack() throws Exception {
    String text = "550 5.7.1 " + "this message was refused for a long list of reasons ".repeat(5);
    byte[] dsn = bouncer.dsn(request(List.of(failed("bob@example.net", text.strip())), false));
    String raw = new String(dsn, StandardCharsets.UTF_8);
    assertThat(raw.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(78));
    InternetHeaders bob =
        statusGroups(((MimeMultipart) parse(dsn).getContent()).getBodyPart(1)).get(1);
    assertThat(jakarta.mail.internet.MimeUtility.unfold(bob.getHeader("Diagnostic-Code", null)))
        .isEqualTo("smtp; " + text.strip());
  }

  @Test
  void neverABounceOfABounce() {
    assertThat(Bouncer.shouldBounce("")).isFalse();
    assertThat(Bouncer.shouldBounce("alice@example.org")).isTrue();
    DsnRequest ofBounce = new DsnRequest("mail.example.org", Optional.empty(),
        new DsnOriginal("", RECEIVED, ORIGINAL.getBytes(StandardCharsets.UTF_8)),
        List.of(failed("bob@example.net", "550 no")), false);
    assertThatThrownBy(() -> bouncer.dsn(ofBounce))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null reverse-path");
  }

  @Test
  void ourOwnReasonIsTypedAsOursAndNamesNoRemoteMta() throws Exception {
    // RFC 7505 §4.3: a null MX, decided here before any server was talked to.
    byte[] dsn = bouncer.dsn(request(List.of(new DsnRecipient("dave@nullmx.example",
        DeliveryReasons.nullMx("nullmx.example"), Optional.of(NOW), Optional.empty(), Optional.empty())), false));

    MimeMultipart report = (MimeMultipart) parse(dsn).getContent();
    InternetHeaders dave = statusGroups(report.getBodyPart(1)).get(1);
    assertThat(dave.getHeader("Action", null)).isEqualTo("failed");
    assertThat(dave.getHeader("Status", null)).isEqualTo("5.1.10");
    assertThat(dave.getHeader("Remote-MTA")).isNull();
    assertThat(jakarta.mail.internet.MimeUtility.unfold(dave.getHeader("Diagnostic-Code", null))).isEqualTo("X-Hikyaku; nullmx.example accepts no mail (null MX, RFC 7505)");
    assertThat(new String(dsn, StandardCharsets.US_ASCII)).doesNotContain("smtp;");
    assertThat(((String) report.getBodyPart(0).getContent()).replace("\r\n    ", ""))
        .contains("<dave@nullmx.example>: failed, nullmx.example accepts no mail").doesNotContain(" said: ");
  }

  @Test
  void recipientFieldsAreCheckedAgainstRfc3464() {
    // The action, status and diagnostic are typed (DeliveryStatusTest checks them); what is left
    // as text here is checked here.
    DeliveryStatus status = saidByMx(Action.FAILED, EnhancedStatus.of(5, 1, 1), "550 5.1.1 no");
    assertThatThrownBy(() -> new DsnRecipient(" ", status, Optional.empty(), Optional.empty(), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty final recipient");
    // RFC 3464 §2.3.1: address-type ";" generic-address.
    assertThatThrownBy(() -> new DsnRecipient("bob@example.net", status, Optional.empty(), Optional.empty(),
            Optional.of("bob@example.net")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lacks its address type");
    // RFC 3463 §3.1: a status of the wrong class cannot reach the DSN at all.
    assertThatThrownBy(() -> saidByMx(Action.FAILED, EnhancedStatus.of(4, 4, 7), "451 4.4.7 expired"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4.4.7");
  }

  @Test
  void headerSectionStopsAtTheEmptyLine() {
    assertThat(new String(Bouncer.headerSection(ORIGINAL.getBytes(StandardCharsets.UTF_8)),
        StandardCharsets.UTF_8)).endsWith("Message-ID: <lunch@example.org>\r\n");
    assertThat(Bouncer.headerSection("\r\nbody only\r\n".getBytes(StandardCharsets.UTF_8)))
        .isEmpty();
  }
}
