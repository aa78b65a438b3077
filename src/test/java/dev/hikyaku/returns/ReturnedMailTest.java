package dev.hikyaku.returns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.delivery.Attempt;
import dev.hikyaku.delivery.MaildirDelivery;
import dev.hikyaku.delivery.Outbound;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.store.AcceptedHeaders;
import dev.hikyaku.store.AttemptOutcome;
import dev.hikyaku.store.AttemptRecord;
import dev.hikyaku.store.HistoryRecipient;
import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.Suppression;
import dev.hikyaku.testing.SettableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which message and which recipient a report is about, on a real store: a report is recorded only
 * against recipients the message had, found by Original-Recipient, Final-Recipient, or as the only
 * recipient of a forwarded message; everything else is kept unread; a store that cannot answer
 * defers the report.
 */
class ReturnedMailTest {

  private static final String DOMAIN = "bounce.hikyaku.test";
  private static final String FEEDBACK = "fbl@" + DOMAIN;
  private static final Origin SUBMITTED =
      new Origin("api", "127.0.0.1", "api", null, null, "alice@hikyaku.test");
  private static final Origin RELAYED = new Origin("relay", "192.0.2.7", "mx.example.net", null, null, null);

  @TempDir Path data;
  private final SettableClock clock = new SettableClock(Instant.parse("2026-12-01T09:14:00Z"));
  private final SplittableRandom random = new SplittableRandom(11);
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private Store store;
  private ReturnPaths paths;
  private ReturnedMail returned;

  @BeforeEach
  void open() throws Exception {
    store = Store.openSqlite(data, clock);
    paths = new ReturnPaths(DOMAIN, store.serverSecret().value());
    returned = new ReturnedMail(paths, Optional.of(FEEDBACK),
        Set.of(EnhancedStatus.of(5, 1, 1), EnhancedStatus.of(5, 1, 10)), store.history(),
        new MaildirDelivery(clock, random, "mx.hikyaku.test"), data.resolve("mail").resolve(DOMAIN), new Events(List.of(events::add)),
        clock);
  }

  @AfterEach
  void close() {
    store.close();
  }

  /** A message accepted from {@code origin} to {@code recipients} and relayed to each (attempt 1). */
  private QueueId sent(Origin origin, String messageId, String... recipients) throws Exception {
    QueueId id = QueueId.generate(clock, random);
    store.queue().accept(new NewMessage(id, clock.instant(), "alice@hikyaku.test", "",
        Arrays.stream(recipients).map(r -> new NewRecipient(r, "")).toList(), origin,
        "Subject: x\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII),
        new AcceptedHeaders(Optional.of(messageId), Optional.of("x"), Optional.empty())));
    store.history().record(Arrays.stream(recipients).map(r -> new AttemptRecord(id, r, 1, clock.instant(), AttemptOutcome.RELAYED,
        "2.0.0", "smtp; 250 ok", Optional.empty(), Optional.empty(), Optional.empty(), Duration.ZERO, Optional.empty())).toList());
    clock.advance(Duration.ofMinutes(5));
    return id;
  }

  private List<Attempt> report(String to, String sample, String recipient, String messageId) {
    String returnPath = to.startsWith("bounces+") ? to : "-";
    byte[] content = Samples.text(sample, returnPath, recipient, messageId, FEEDBACK).getBytes(StandardCharsets.UTF_8);
    return returned.deliver(QueueId.generate(clock, random), new Outbound("", List.of(to), content, false, false, Optional.empty()));
  }

  private List<String> outcomes(QueueId id) throws Exception {
    return store.history().show(id).orElseThrow().message().recipients().stream()
        .map(r -> r.forwardPath() + " " + r.latestOutcome().map(AttemptOutcome::keyword).orElse("-")).toList();
  }

  private long unparsed() throws Exception {
    Path kept = data.resolve("mail").resolve(DOMAIN).resolve(ReturnedMail.UNPARSED).resolve("new");
    if (!Files.isDirectory(kept)) {
      return 0;
    }
    try (var files = Files.list(kept)) {
      return files.count();
    }
  }

  private static void delivered(List<Attempt> attempts) {
    assertThat(attempts).isNotEmpty().allSatisfy(a -> assertThat(a.outcome()).isEqualTo(DeliveryStatus.Outcome.DELIVERED));
  }

  @Test
  void aReportIsRecordedOnlyForTheMessagesOwnRecipients() throws Exception {
    QueueId id = sent(SUBMITTED, "<m1@hikyaku.test>", "bob@example.net", "carol@example.net");
    // Exchange reports Bob (5.1.10) and Mallory, who was never a recipient of this message.
    delivered(report(paths.returnPath(id), "exchange-failed.eml", "BOB@example.net", "<m1@hikyaku.test>"));
    assertThat(outcomes(id)).containsExactly("bob@example.net failed", "carol@example.net relayed");
    AttemptRecord row = store.history().show(id).orElseThrow().attemptsOf("bob@example.net").getLast();
    assertThat(row.source()).isEqualTo(AttemptRecord.Source.DSN);
    assertThat(row.enhancedStatus()).isEqualTo("5.1.10");
    assertThat(row.attempt()).isEqualTo(1);
    assertThat(row.remoteMta()).hasValue("BN8PR12MB3300.namprd12.prod.outlook.com");
    assertThat(store.suppressions().find("hikyaku.test", "bob@example.net")).isPresent();
    assertThat(store.suppressions().find("hikyaku.test", "mallory@contoso.example")).isEmpty();
    assertThat(events).filteredOn(e -> e instanceof Event.DsnReceived).hasSize(1);
    assertThat(events).filteredOn(e -> e instanceof Event.RecipientSuppressed).hasSize(1);
    assertThat(unparsed()).isZero();
  }

  @Test
  void aForwardedRecipientIsTheOnlyRecipientOfItsMessageButNeverAGuessAmongSeveral() throws Exception {
    QueueId one = sent(SUBMITTED, "<m1@hikyaku.test>", "bob@example.net");
    delivered(report(paths.returnPath(one), "gmail-failed.eml", "bob.new@elsewhere.example", "<m1@hikyaku.test>"));
    assertThat(outcomes(one)).containsExactly("bob@example.net failed");

    QueueId two = sent(SUBMITTED, "<m2@hikyaku.test>", "bob@example.net", "carol@example.net");
    delivered(report(paths.returnPath(two), "gmail-failed.eml", "bob.new@elsewhere.example", "<m2@hikyaku.test>"));
    assertThat(outcomes(two)).containsExactly("bob@example.net relayed", "carol@example.net relayed");
    assertThat(unparsed()).isEqualTo(1);
    assertThat(events).filteredOn(e -> e instanceof Event.ReturnedMailUnparsed).singleElement()
        .satisfies(e -> assertThat(((Event.ReturnedMailUnparsed) e).reason()).contains("names none of its recipients"));
  }

  @Test
  void aBounceReadByItsTextNamesOnlyRecipientsAndAStatusOutsideTheListDoesNotSuppress() throws Exception {
    QueueId id = sent(SUBMITTED, "<m1@hikyaku.test>", "bob@example.net");
    // qmail names someone else: nothing is recorded, the bounce is kept.
    delivered(report(paths.returnPath(id), "qmail-plain.eml", "stranger@example.org", "<m1@hikyaku.test>"));
    assertThat(outcomes(id)).containsExactly("bob@example.net relayed");
    assertThat(unparsed()).isEqualTo(1);
    delivered(report(paths.returnPath(id), "exim-plain.eml", "bob@example.net", "<m1@hikyaku.test>"));
    AttemptRecord row = store.history().show(id).orElseThrow().attemptsOf("bob@example.net").getLast();
    assertThat(row.outcome()).isEqualTo(AttemptOutcome.FAILED);
    assertThat(row.diagnostic()).startsWith("X-Hikyaku; bounce text: SMTP error from remote mail server after RCPT TO:");
    assertThat(events).filteredOn(e -> e instanceof Event.DsnReceived).singleElement()
        .satisfies(e -> assertThat(((Event.DsnReceived) e).isStandard()).isFalse());

    QueueId full = sent(SUBMITTED, "<m2@hikyaku.test>", "carol@example.net");
    String mailboxFull = Samples.text("postfix-failed.eml", paths.returnPath(full), "carol@example.net", "<m2@hikyaku.test>", FEEDBACK)
        .replace("Status: 5.1.1", "Status: 5.2.2");
    delivered(returned.deliver(QueueId.generate(clock, random),
        new Outbound("", List.of(paths.returnPath(full)), mailboxFull.getBytes(StandardCharsets.US_ASCII), false, false, Optional.empty())));
    assertThat(outcomes(full)).containsExactly("carol@example.net failed");
    assertThat(store.suppressions().find("hikyaku.test", "carol@example.net")).isEmpty();
  }

  @Test
  void whatNamesNoSubmittedMessageOrIsNoComplaintIsKeptUnread() throws Exception {
    QueueId relayedIn = sent(RELAYED, "<in@example.net>", "bob@example.net");
    QueueId submitted = sent(SUBMITTED, "<m1@hikyaku.test>", "dave@example.net");
    // A return path of a message relayed in (we never give one such a return path, but the MAC is ours).
    delivered(report(paths.returnPath(relayedIn), "postfix-failed.eml", "bob@example.net", "<in@example.net>"));
    // A DSN to postmaster of the returns domain, with no return path of ours in it.
    delivered(report("postmaster@" + DOMAIN, "postfix-failed.eml", "dave@example.net", "<m1@hikyaku.test>"));
    // A complaint whose Message-ID names nothing of ours, and a "not spam" report.
    delivered(report(FEEDBACK, "arf-redacted.eml", "-", "<unknown@example.net>"));
    String notSpam = Samples.text("arf-abuse.eml", paths.returnPath(submitted), "dave@example.net", "<m1@hikyaku.test>", FEEDBACK)
        .replace("Feedback-Type: abuse", "Feedback-Type: not-spam");
    delivered(returned.deliver(QueueId.generate(clock, random),
        new Outbound("", List.of(FEEDBACK), notSpam.getBytes(StandardCharsets.US_ASCII), false, false, Optional.empty())));

    assertThat(unparsed()).isEqualTo(4);
    assertThat(events).filteredOn(e -> e instanceof Event.ReturnedMailUnparsed).extracting(e -> ((Event.ReturnedMailUnparsed) e).reason())
        .satisfiesExactly(
            r -> assertThat(r).contains("which the history does not hold"),
            r -> assertThat(r).contains("names no message of ours"),
            r -> assertThat(r).contains("names no message of ours in the history"),
            r -> assertThat(r).contains("of type not-spam, which is no complaint"));
    assertThat(outcomes(submitted)).containsExactly("dave@example.net relayed");
    assertThat(store.history().show(relayedIn).orElseThrow().message().recipients())
        .extracting(HistoryRecipient::latestOutcome).containsExactly(Optional.of(AttemptOutcome.RELAYED));
  }

  @Test
  void aComplaintToAReturnPathNeedsNoFeedbackAddressAndSuppressesWithReasonComplaint() throws Exception {
    QueueId id = sent(SUBMITTED, "<m1@hikyaku.test>", "erin@example.net", "frank@example.net");
    // Some feedback loops send to the return path; the recipient is named by Original-Rcpt-To.
    delivered(report(paths.returnPath(id), "arf-abuse.eml", "Frank@example.net", "<m1@hikyaku.test>"));
    assertThat(outcomes(id)).containsExactly("erin@example.net relayed", "frank@example.net complained");
    Suppression entry = store.suppressions().find("hikyaku.test", "frank@example.net").orElseThrow();
    assertThat(entry.reason()).isEqualTo(Suppression.Reason.COMPLAINT);
    assertThat(entry.queueId()).hasValue(id);
    assertThat(entry.cause()).hasValue("arf; Feedback-Type: abuse; User-Agent: SomeGenerator/1.0 (message " + id + ")");
  }

  @Test
  void aReportThatCannotBeRecordedNowIsDeferredAndNotKept() throws Exception {
    QueueId id = sent(SUBMITTED, "<m1@hikyaku.test>", "bob@example.net");
    String returnPath = paths.returnPath(id);
    store.close();
    List<Attempt> attempts = report(returnPath, "postfix-failed.eml", "bob@example.net", "<m1@hikyaku.test>");
    assertThat(attempts).singleElement().satisfies(a -> {
      assertThat(a.outcome()).isEqualTo(DeliveryStatus.Outcome.DEFERRED);
      assertThat(a.status().status()).isEqualTo(EnhancedStatus.of(4, 3, 0));
    });
    assertThat(unparsed()).isZero();
    store = Store.openSqlite(data, clock); // for close()
  }
}
