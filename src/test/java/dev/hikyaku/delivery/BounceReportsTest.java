package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.events.Events;
import dev.hikyaku.intake.DkimSigning;
import dev.hikyaku.intake.InboundAuthentication;
import dev.hikyaku.intake.MessageIntake;
import dev.hikyaku.intake.StorageGuard;
import dev.hikyaku.protocol.DeliveryReasons;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.DeliveryStatus.Action;
import dev.hikyaku.protocol.DeliveryStatus.Diagnostic;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.schedule.PendingReport;
import dev.hikyaku.schedule.RecipientReport;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.DueRecipient;
import dev.hikyaku.store.QueueEntry;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.store.Store;
import jakarta.mail.BodyPart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RFC 3461 NOTIFY, RET, ENVID and ORCPT, as stored with the message, shape the DSNs queued. */
class BounceReportsTest {

  private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
  private static final String ORIGINAL = "From: alice@example.org\r\nSubject: dsn test\r\n\r\nthe body line\r\n";

  @TempDir Path data;
  private Store store;
  private BounceReports reports;
  private MessageIntake intake;

  @BeforeEach
  void open() throws Exception {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    store = Store.openSqlite(data, clock);
    intake = new MessageIntake("mx.hikyaku.test", store.queue(), new dev.hikyaku.app.StoreSenderRegistry(store.accounts()),
        clock, new SplittableRandom(7), new Events(List.of()), StorageGuard.NONE, DkimSigning.NONE, InboundAuthentication.NONE);
    reports = new BounceReports(new Bouncer(clock, new SplittableRandom(8)), intake, "mx.hikyaku.test");
  }

  @AfterEach
  void close() throws Exception {
    store.close();
  }

  private static DueDelivery delivery(String mailParameters, DueRecipient... recipients) {
    return new DueDelivery(new QueueId("0123456789ABCDEF"), NOW.minusSeconds(600), "alice@example.org", mailParameters,
        ORIGINAL.getBytes(StandardCharsets.US_ASCII), List.of(recipients));
  }

  private static DueRecipient recipient(String address, String parameters) {
    return new DueRecipient(address, parameters, 1, Optional.empty(), Optional.empty());
  }

  private static final DeliveryStatus.RemoteMta MX =
      new DeliveryStatus.RemoteMta("mx.example.net", Optional.of("192.0.2.1"), 25);
  private static final DeliveryStatus NO_SUCH_USER = said(Action.FAILED, EnhancedStatus.of(5, 1, 1), 550, "5.1.1 no such user");
  private static final DeliveryStatus LATER = said(Action.DELAYED, EnhancedStatus.of(4, 7, 1), 451, "4.7.1 later");

  /** What mx.example.net said, as delivery types it. */
  private static DeliveryStatus said(Action action, EnhancedStatus status, int code, String rest) {
    return new DeliveryStatus(action, status, new Diagnostic.RemoteReply(code, rest), Optional.of(MX));
  }

  private static RecipientReport report(String address, DeliveryStatus status) {
    return new RecipientReport(address, status, NOW, Optional.empty());
  }

  /** Queues the report as the scheduler does, with the outcomes it tells of (here alone). */
  private void queue(Optional<PendingReport> report) throws Exception {
    if (report.isPresent()) {
      store.queue().accept(report.get().message());
      report.get().queued().run();
    }
  }

  private List<MimeMessage> queuedReports() throws Exception {
    List<MimeMessage> found = new ArrayList<>();
    for (QueueEntry entry : store.queueAdmin().list(QueueQuery.all())) {
      QueuedMessage m = store.queueAdmin().find(entry.id()).orElseThrow();
      assertThat(m.reversePath()).isEmpty();
      found.add(new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(m.content())));
    }
    return found;
  }

  private static String part(MimeMessage message, int index) throws Exception {
    BodyPart part = ((MimeMultipart) message.getContent()).getBodyPart(index);
    return new String(part.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void intakeQueuesARecipientGivenTwiceOnce() throws Exception {
    var to = new dev.hikyaku.protocol.Envelope.Recipient(dev.hikyaku.protocol.ForwardPath.of("alice@example.org"), dev.hikyaku.protocol.RcptParams.NONE);
    var envelope = new dev.hikyaku.protocol.Envelope(dev.hikyaku.protocol.ReversePath.NULL, dev.hikyaku.protocol.MailParams.NONE, List.of(to, to));
    intake.acceptBounce(new dev.hikyaku.intake.MessageSource.Bounce("mx.hikyaku.test"), envelope,
        "Subject: twice\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
    QueueEntry entry = store.queueAdmin().list(QueueQuery.all()).getFirst();
    assertThat(store.queueAdmin().find(entry.id()).orElseThrow().recipients()).hasSize(1);
  }

  @Test
  void notifyNeverAndNotifyWithoutFailureSuppressTheFailureReport() throws Exception {
    queue(reports.failed(
        delivery("", recipient("bob@example.net", "NOTIFY=NEVER"), recipient("carol@example.net", "NOTIFY=SUCCESS,DELAY")),
        List.of(report("bob@example.net", NO_SUCH_USER), report("carol@example.net", NO_SUCH_USER))));
    assertThat(queuedReports()).isEmpty();
  }

  @Test
  void onlyRecipientsThatAskedAreReported() throws Exception {
    queue(reports.failed(
        delivery("", recipient("bob@example.net", "NOTIFY=NEVER"), recipient("dave@example.net", "")),
        List.of(report("bob@example.net", NO_SUCH_USER), report("dave@example.net", NO_SUCH_USER))));
    List<MimeMessage> dsns = queuedReports();
    assertThat(dsns).hasSize(1);
    String status = part(dsns.getFirst(), 1);
    assertThat(status).contains("Final-Recipient: rfc822; dave@example.net").doesNotContain("bob@example.net");
    // The status as delivery typed it: the server's reply, labelled smtp, and the server that said it.
    assertThat(status).contains("Final-Recipient: rfc822; dave@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        + "Remote-MTA: dns; mx.example.net\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n");
  }

  @Test
  void anExpiredRecipientIsReportedAs547WithItsLastDiagnosticTypedByWhoSaidIt() throws Exception {
    queue(reports.failed(
        delivery("", recipient("bob@example.net", ""), recipient("carol@example.net", ""), recipient("frank@example.net", "")),
        List.of(
            report("bob@example.net", DeliveryReasons.expired(LATER)),
            report("carol@example.net", DeliveryReasons.returnedByAdmin()),
            report("frank@example.net", DeliveryReasons.expired(
                DeliveryReasons.noConnection("connecting to mx.example.net[192.0.2.1]:25 failed: Connection refused"))))));
    // Unfolded (RFC 5322 §2.2.3): long fields are folded on the wire.
    String status = part(queuedReports().getFirst(), 1).replace("\r\n ", " ");
    // RFC 3463 §3.5 X.4.7 delivery time expired; RFC 3464 §2.3.6: "smtp" only for what a server said.
    assertThat(status).contains(
        "Final-Recipient: rfc822; bob@example.net\r\nAction: failed\r\nStatus: 5.4.7\r\n"
            + "Remote-MTA: dns; mx.example.net\r\nDiagnostic-Code: smtp; 451 4.7.1 later\r\n",
        "Final-Recipient: rfc822; carol@example.net\r\nAction: failed\r\nStatus: 5.0.0\r\n"
            + "Diagnostic-Code: X-Hikyaku; returned to the sender by the administrator\r\n",
        "Final-Recipient: rfc822; frank@example.net\r\nAction: failed\r\nStatus: 5.4.7\r\n"
            + "Diagnostic-Code: X-Hikyaku; connecting to mx.example.net[192.0.2.1]:25 failed: Connection refused\r\n");
    assertThat(status).containsOnlyOnce("Remote-MTA").containsOnlyOnce("smtp;");
    // The human-readable part, its folded lines joined (Bouncer folds them with four spaces).
    assertThat(part(queuedReports().getFirst(), 0).replace("\r\n    ", "")).contains("<carol@example.net>: failed, returned to the sender")
        .contains("<bob@example.net>: failed, host mx.example.net[192.0.2.1]:25 said: 451 4.7.1 later");
  }

  @Test
  void successIsReportedOnlyToRecipientsThatAskedAsRelayedOrDelivered() throws Exception {
    queue(reports.succeeded(
        delivery("RET=FULL", recipient("bob@example.net", "NOTIFY=SUCCESS,FAILURE"), recipient("carol@example.net", "")),
        // delivery.DeliveryWorker makes a success at a server without DSN "relayed" (RFC 3461 §5.2.2.2).
        List.of(report("bob@example.net", said(Action.RELAYED, EnhancedStatus.of(2, 0, 0), 250, "2.0.0 Ok: queued as X")),
            report("carol@example.net", said(Action.RELAYED, EnhancedStatus.of(2, 0, 0), 250, "2.0.0 Ok: queued as X"))),
        dev.hikyaku.schedule.RecipientResult.Handoff.RELAYED));
    List<MimeMessage> dsns = queuedReports();
    assertThat(dsns).hasSize(1);
    MimeMessage dsn = dsns.getFirst();
    assertThat(dsn.getSubject()).isEqualTo(Bouncer.OTHER_SUBJECT);
    assertThat(part(dsn, 1)).contains("Final-Recipient: rfc822; bob@example.net\r\nAction: relayed\r\nStatus: 2.0.0\r\n"
            + "Remote-MTA: dns; mx.example.net\r\nDiagnostic-Code: smtp; 250 2.0.0 Ok: queued as X\r\n")
        .doesNotContain("carol@example.net");
    // RFC 3461 §4.3: RET=FULL is for failures; a success report carries the header section only.
    BodyPart returned = ((MimeMultipart) dsn.getContent()).getBodyPart(2);
    assertThat(returned.getContentType()).isEqualTo("text/rfc822-headers");

    queue(reports.succeeded(
        delivery("", recipient("erin@example.net", "NOTIFY=SUCCESS")),
        List.of(report("erin@example.net", DeliveryReasons.deliveredToMaildir("delivered to Maildir as 1.M2P3Q4"))),
        dev.hikyaku.schedule.RecipientResult.Handoff.DELIVERED));
    // Our own Maildir: no server said it, and there is no remote MTA.
    assertThat(queuedReports()).hasSize(2)
        .anySatisfy(m -> assertThat(part(m, 1)).contains("erin@example.net\r\nAction: delivered\r\nStatus: 2.0.0\r\n"
            + "Diagnostic-Code: X-Hikyaku; delivered to Maildir as 1.M2P3Q4\r\n"));
  }

  @Test
  void delaysAreReportedOnlyWhenAskedFor() throws Exception {
    queue(reports.delayed(
        delivery("", recipient("bob@example.net", ""), recipient("carol@example.net", "NOTIFY=FAILURE")),
        List.of(report("bob@example.net", LATER), report("carol@example.net", LATER))));
    assertThat(queuedReports()).isEmpty();
    queue(reports.delayed(
        delivery("", recipient("erin@example.net", "NOTIFY=DELAY,FAILURE")),
        List.of(report("erin@example.net", LATER))));
    List<MimeMessage> dsns = queuedReports();
    assertThat(dsns).hasSize(1);
    assertThat(dsns.getFirst().getSubject()).isEqualTo(Bouncer.DELAYED_SUBJECT);
    assertThat(part(dsns.getFirst(), 1)).contains("Action: delayed", "erin@example.net")
        .contains("erin@example.net\r\nAction: delayed\r\nStatus: 4.7.1\r\nRemote-MTA: dns; mx.example.net\r\n"
            + "Diagnostic-Code: smtp; 451 4.7.1 later\r\n");
    // A 4xx reply that carries a 5.x.x code (RFC 3463 §2: the class must match) is typed 4.0.0 by
    // SmtpReply#status (SmtpReplyTest); the report writes that status and the reply as said.
    queue(reports.delayed(
        delivery("", recipient("fay@example.net", "NOTIFY=DELAY")),
        List.of(report("fay@example.net", said(Action.DELAYED, EnhancedStatus.of(4, 0, 0), 451, "5.7.1 try later")))));
    assertThat(queuedReports()).anySatisfy(m -> assertThat(part(m, 1))
        .contains("fay@example.net\r\nAction: delayed\r\nStatus: 4.0.0\r\n")
        .contains("Diagnostic-Code: smtp; 451 5.7.1 try later"));
  }

  @Test
  void retEnvidAndOrcptShowUpInTheReport() throws Exception {
    queue(reports.failed(
        delivery("RET=FULL ENVID=QQ314159+2Bx", recipient("bob@example.net", "NOTIFY=FAILURE ORCPT=rfc822;Bob+2Bold@example.com")),
        List.of(report("bob@example.net", NO_SUCH_USER))));
    List<MimeMessage> dsns = queuedReports();
    assertThat(dsns).hasSize(1);
    MimeMessage dsn = dsns.getFirst();
    String status = part(dsn, 1);
    assertThat(status).contains("Original-Envelope-Id: QQ314159+x\r\n");
    // RFC 3464 §2.3.1: Original-Recipient comes first in the recipient's group.
    assertThat(status).contains("\r\n\r\nOriginal-Recipient: rfc822; Bob+old@example.com\r\nFinal-Recipient: rfc822; bob@example.net\r\n");
    BodyPart returned = ((MimeMultipart) dsn.getContent()).getBodyPart(2);
    assertThat(returned.getContentType()).isEqualTo("message/rfc822");
    assertThat(part(dsn, 2)).contains("the body line");
  }

  @Test
  void aRequireTlsMessageComesBackWithItsHeaderOnlyEvenWithRetFull() throws Exception {
    // RFC 8689 §5: the content went only over verified TLS; the report's path is not held to that.
    queue(reports.failed(delivery("RET=FULL REQUIRETLS", recipient("bob@example.net", "")), List.of(report("bob@example.net", NO_SUCH_USER))));
    MimeMessage dsn = queuedReports().getFirst();
    assertThat(((MimeMultipart) dsn.getContent()).getBodyPart(2).getContentType()).isEqualTo("text/rfc822-headers");
    assertThat(part(dsn, 2)).contains("Subject: dsn test").doesNotContain("the body line");
  }

  @Test
  void withoutRetOnlyTheHeaderIsReturned() throws Exception {
    queue(reports.failed(delivery("", recipient("bob@example.net", "")), List.of(report("bob@example.net", NO_SUCH_USER))));
    MimeMessage dsn = queuedReports().getFirst();
    assertThat(((MimeMultipart) dsn.getContent()).getBodyPart(2).getContentType()).isEqualTo("text/rfc822-headers");
    assertThat(part(dsn, 2)).contains("Subject: dsn test").doesNotContain("the body line");
    assertThat(part(dsn, 1)).doesNotContain("Original-Envelope-Id", "Original-Recipient");
  }
}
