package dev.hikyaku.store;

import static dev.hikyaku.store.TestMessages.SUBMISSION_ORIGIN;
import static dev.hikyaku.store.TestMessages.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.testing.TestStores;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The message history (issue 11, item 4) on a real SQLite store. */
class MessageHistoryTest {

  @TempDir Path dataDirectory;

  private final TestMessages messages = new TestMessages();
  private Store store;
  private MessageHistory history;

  @BeforeEach
  void open() throws StoreException {
    store = TestStores.open(dataDirectory, Clock.fixed(T0, ZoneOffset.UTC));
    history = store.history();
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static AcceptedHeaders headers(String messageId, String subject, String from) {
    return new AcceptedHeaders(Optional.of(messageId), Optional.of(subject), Optional.of(from));
  }

  private NewMessage accept(Instant at, String sender, AcceptedHeaders headers, String... recipients) throws StoreException {
    NewMessage plain = messages.message(at, sender, recipients);
    NewMessage message = new NewMessage(plain.id(), plain.receivedAt(), plain.reversePath(), plain.mailParameters(),
        plain.recipients(), SUBMISSION_ORIGIN, plain.content(), headers);
    store.queue().accept(message);
    return message;
  }

  private NewMessage accept(Instant at, String sender, String... recipients) throws StoreException {
    return accept(at, sender, AcceptedHeaders.NONE, recipients);
  }

  /** A message submitted under {@code principal} (null: none, as relayed mail). */
  private NewMessage acceptAs(String principal, Instant at, String sender, String... recipients) throws StoreException {
    NewMessage plain = messages.message(at, sender, recipients);
    Origin origin = new Origin("submission", "127.0.0.1", "client.example", "TLSv1.3", "TLS_AES_128_GCM_SHA256", principal);
    NewMessage message = new NewMessage(plain.id(), plain.receivedAt(), plain.reversePath(), plain.mailParameters(),
        plain.recipients(), origin, plain.content(), AcceptedHeaders.NONE);
    store.queue().accept(message);
    return message;
  }

  private static AttemptRecord attempt(NewMessage message, String recipient, int number, Instant at, AttemptOutcome outcome) {
    String status = switch (outcome) {
      case DELIVERED, RELAYED, COMPLAINED -> "2.0.0";
      case DEFERRED -> "4.4.1";
      case FAILED, EXPIRED, RETURNED -> "5.1.1";
    };
    return new AttemptRecord(message.id(), recipient, number, at, outcome, status,
        "smtp; " + status + " reply",
        Optional.of("mx.example.net[192.0.2.1]:25"), Optional.of("TLSv1.3"), Optional.of("TLS_AES_128_GCM_SHA256"),
        Duration.between(message.receivedAt(), at),
        outcome == AttemptOutcome.DEFERRED ? Optional.of(at.plusSeconds(300)) : Optional.empty());
  }

  private List<QueueId> ids(HistoryQuery query) throws StoreException {
    return history.search(query).stream().map(HistoryMessage::id).toList();
  }

  @Test
  void acceptWritesTheHistoryInItsOwnCommit() throws Exception {
    long commitsBefore = store.queue().stats().commits();
    NewMessage message = accept(T0, "alice@example.org", headers("<m1@example.org>", "Hello", "Alice <alice@example.org>"),
        "bob@example.net", "carol@example.com");
    // One commit for queue and history together: the 250 waits for no second fsync.
    assertThat(store.queue().stats().commits()).isEqualTo(commitsBefore + 1);

    HistoryRecord record = history.show(message.id()).orElseThrow();
    HistoryMessage shown = record.message();
    assertThat(shown.id()).isEqualTo(message.id());
    assertThat(shown.receivedAt()).isEqualTo(T0);
    assertThat(shown.reversePath()).isEqualTo("alice@example.org");
    assertThat(shown.size()).isEqualTo(message.size());
    assertThat(shown.listener()).isEqualTo("submission");
    assertThat(shown.clientAddress()).isEqualTo("127.0.0.1");
    assertThat(shown.principal()).contains("alice@example.org");
    assertThat(shown.headers()).isEqualTo(headers("<m1@example.org>", "Hello", "Alice <alice@example.org>"));
    assertThat(shown.recipients()).containsExactly(
        new HistoryRecipient("bob@example.net", Optional.empty(), Optional.empty()),
        new HistoryRecipient("carol@example.com", Optional.empty(), Optional.empty()));
    assertThat(record.attempts()).isEmpty();
  }

  @Test
  void aFailedAcceptLeavesNoHistory() throws Exception {
    NewMessage first = accept(T0, "a@example.org", "x@example.net");
    NewMessage duplicate = new NewMessage(first.id(), T0, "intruder@example.org", "",
        List.of(new NewRecipient("y@example.net", "")), SUBMISSION_ORIGIN, new byte[1]);
    assertThatThrownBy(() -> store.queue().accept(duplicate)).isInstanceOf(StoreException.class);
    HistoryRecord record = history.show(first.id()).orElseThrow();
    assertThat(record.message().reversePath()).isEqualTo("a@example.org");
    assertThat(record.message().recipients()).extracting(HistoryRecipient::forwardPath).containsExactly("x@example.net");
  }

  @Test
  void attemptsAreKeptInOrderAfterTheMessageLeavesTheQueue() throws Exception {
    NewMessage message = accept(T0, "a@example.org", "x@example.net", "y@example.net");
    AttemptRecord deferred = attempt(message, "x@example.net", 1, T0.plusSeconds(2), AttemptOutcome.DEFERRED);
    AttemptRecord failed = attempt(message, "y@example.net", 1, T0.plusSeconds(2), AttemptOutcome.FAILED);
    AttemptRecord delivered = new AttemptRecord(message.id(), "x@example.net", 2, T0.plusSeconds(302),
        AttemptOutcome.DELIVERED, "2.0.0", "smtp; 250 2.0.0 Ok: queued as ABC", Optional.empty(), Optional.empty(),
        Optional.empty(), Duration.ofSeconds(302), Optional.empty());
    assertThat(history.record(List.of(deferred, failed))).isEqualTo(2);
    assertThat(history.record(List.of(delivered))).isEqualTo(1);
    // The queue crosses both off and deletes the message; the history stays.
    store.queue().record(message.id(), List.of(
        RecipientOutcome.failed("y@example.net", "550 5.1.1 no such user", T0.plusSeconds(2)),
        RecipientOutcome.delivered("x@example.net", "250 2.0.0 Ok", T0.plusSeconds(302))));
    assertThat(store.queueAdmin().find(message.id())).isEmpty();

    HistoryRecord record = history.show(message.id()).orElseThrow();
    assertThat(record.attempts()).containsExactly(deferred, failed, delivered);
    assertThat(record.attemptsOf("x@example.net")).containsExactly(deferred, delivered);
    assertThat(record.message().recipients()).containsExactly(
        new HistoryRecipient("x@example.net", Optional.of(AttemptOutcome.DELIVERED), Optional.of(T0.plusSeconds(302))),
        new HistoryRecipient("y@example.net", Optional.of(AttemptOutcome.FAILED), Optional.of(T0.plusSeconds(2))));
  }

  @Test
  void trafficIsCountedPerIntervalByAcceptanceAndByTheOutcomeOfEachAttempt() throws Exception {
    // Intervals of 5 minutes from T0: two messages in the first, one in the third; none before T0.
    accept(T0.minusSeconds(1), "early@example.org", "x@example.net");
    NewMessage first = accept(T0, "a@example.org", "x@example.net", "y@example.net");
    NewMessage second = accept(T0.plusSeconds(299), "b@example.org", "z@example.net");
    accept(T0.plusSeconds(600), "c@example.org", "w@example.net");
    AttemptRecord plain = new AttemptRecord(second.id(), "z@example.net", 1, T0.plusSeconds(660), AttemptOutcome.DELIVERED,
        "2.0.0", "smtp; 250 ok", Optional.empty(), Optional.empty(), Optional.empty(), Duration.ofSeconds(361), Optional.empty());
    history.record(List.of(
        attempt(first, "x@example.net", 1, T0.plusSeconds(10), AttemptOutcome.DELIVERED),
        attempt(first, "y@example.net", 1, T0.plusSeconds(10), AttemptOutcome.DEFERRED),
        attempt(first, "y@example.net", 2, T0.plusSeconds(310), AttemptOutcome.EXPIRED),
        plain));

    List<TrafficCounts.Interval> intervals = store.trafficCounts().intervals(T0, Duration.ofMinutes(5), 3);

    assertThat(intervals).containsExactly(
        new TrafficCounts.Interval(T0, 2, 1, 1, 0, 1),
        new TrafficCounts.Interval(T0.plusSeconds(300), 0, 0, 0, 1, 0),
        new TrafficCounts.Interval(T0.plusSeconds(600), 1, 1, 0, 0, 0));
  }

  @Test
  void anOlderAttemptRecordedLateDoesNotBecomeTheLatest() throws Exception {
    NewMessage message = accept(T0, "a@example.org", "x@example.net");
    history.record(List.of(attempt(message, "x@example.net", 2, T0.plusSeconds(600), AttemptOutcome.DELIVERED)));
    history.record(List.of(attempt(message, "x@example.net", 1, T0.plusSeconds(60), AttemptOutcome.DEFERRED)));
    assertThat(history.show(message.id()).orElseThrow().message().recipients().getFirst().latestOutcome())
        .contains(AttemptOutcome.DELIVERED);
    assertThat(history.show(message.id()).orElseThrow().attempts()).extracting(AttemptRecord::attempt).containsExactly(1, 2);
  }

  /** What a report that came back says of {@code recipient}: of {@code source}, after our attempt 1. */
  private static AttemptRecord reported(NewMessage message, String recipient, Instant at, AttemptOutcome outcome,
      String status, AttemptRecord.Source source) {
    return new AttemptRecord(message.id(), recipient, 1, at, outcome, status, source.keyword() + "; reported",
        Optional.of("mailstore.example.net"), Optional.empty(), Optional.empty(), Duration.between(message.receivedAt(), at),
        Optional.empty(), source);
  }

  @Test
  void reportsAreRecordedWithTheirSuppressionsInOneTransactionAndReadBackWithTheirSource() throws Exception {
    NewMessage message = accept(T0, "a@example.org", "x@example.net", "y@example.net", "z@example.net");
    AttemptRecord relayed = attempt(message, "x@example.net", 1, T0.plusSeconds(1), AttemptOutcome.RELAYED);
    history.record(List.of(relayed, attempt(message, "y@example.net", 1, T0.plusSeconds(1), AttemptOutcome.RELAYED),
        attempt(message, "z@example.net", 1, T0.plusSeconds(1), AttemptOutcome.RELAYED)));
    AttemptRecord bounced = reported(message, "x@example.net", T0.plusSeconds(60), AttemptOutcome.FAILED, "5.1.1",
        AttemptRecord.Source.DSN);
    AttemptRecord delayed = reported(message, "y@example.net", T0.plusSeconds(60), AttemptOutcome.DEFERRED, "4.4.1",
        AttemptRecord.Source.DSN);
    AttemptRecord complained = reported(message, "z@example.net", T0.plusSeconds(90), AttemptOutcome.COMPLAINED, "2.0.0",
        AttemptRecord.Source.ARF);
    Suppression bounce = Suppression.hardBounce("example.org", "x@example.net", "5.1.1", "dsn; reported", message.id(),
        T0.plusSeconds(60));
    Suppression complaint = Suppression.complaint("example.org", "z@example.net", "arf; abuse", message.id(), T0.plusSeconds(90));

    assertThat(history.recordReports(List.of(bounced, delayed, complained), List.of(bounce, complaint)))
        .containsExactly(bounce, complaint);
    // Again (a report read twice): the rows twice, the suppressions once.
    assertThat(history.recordReports(List.of(bounced), List.of(bounce))).isEmpty();

    HistoryRecord record = history.show(message.id()).orElseThrow();
    assertThat(record.attemptsOf("x@example.net")).containsExactly(relayed, bounced, bounced);
    assertThat(record.attemptsOf("z@example.net").getLast().source()).isEqualTo(AttemptRecord.Source.ARF);
    // A bounce and a complaint move the latest outcome; a delay reported by a remote MTA does not.
    assertThat(record.message().recipients()).extracting(HistoryRecipient::latestOutcome).containsExactly(
        Optional.of(AttemptOutcome.FAILED), Optional.of(AttemptOutcome.RELAYED), Optional.of(AttemptOutcome.COMPLAINED));
    assertThat(store.suppressions().find("example.org", "z@example.net").orElseThrow().reason())
        .isEqualTo(Suppression.Reason.COMPLAINT);
    assertThat(history.search(HistoryQuery.all().withStatus(AttemptOutcome.COMPLAINED))).extracting(HistoryMessage::id)
        .containsExactly(message.id());
    // Our own attempts are the queue's to record.
    assertThatThrownBy(() -> history.recordReports(List.of(relayed), List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aReportRowSaysOnlyWhatItsSourceCan() {
    NewMessage message = messages.message(T0, "a@example.org", "x@example.net");
    assertThatThrownBy(() -> reported(message, "x@example.net", T0, AttemptOutcome.DELIVERED, "2.0.0", AttemptRecord.Source.DSN))
        .hasMessageContaining("a dsn row cannot say delivered");
    assertThatThrownBy(() -> reported(message, "x@example.net", T0, AttemptOutcome.FAILED, "5.1.1", AttemptRecord.Source.ARF))
        .hasMessageContaining("an arf row".substring(3));
    assertThatThrownBy(() -> new AttemptRecord(message.id(), "x@example.net", 1, T0, AttemptOutcome.COMPLAINED, "2.0.0", "x",
        Optional.empty(), Optional.empty(), Optional.empty(), Duration.ZERO, Optional.empty()))
        .hasMessageContaining("a smtp row cannot say complained");
    assertThatThrownBy(() -> reported(message, "x@example.net", T0, AttemptOutcome.COMPLAINED, "5.7.1", AttemptRecord.Source.ARF))
        .hasMessageContaining("does not go with complained");
  }

  @Test
  void attemptsOfAMessageWithoutHistoryAreNotKept() throws Exception {
    NewMessage unknown = messages.message(T0, "a@example.org", "x@example.net"); // never accepted
    assertThat(history.record(List.of(attempt(unknown, "x@example.net", 1, T0, AttemptOutcome.DELIVERED)))).isZero();
    assertThat(history.show(unknown.id())).isEmpty();
    assertThat(count("history_attempt")).isZero();
  }

  @Test
  void insertAttemptsJoinsTheCallersTransaction() throws Exception {
    // As MessageQueue.record will: attempts written by another change of the writer, in its commit.
    NewMessage message = accept(T0, "a@example.org", "x@example.net");
    long commitsBefore = store.queue().stats().commits();
    assertThatThrownBy(() -> store.writer().apply("recording and failing", connection -> {
      MessageHistory.insertAttempts(connection, List.of(attempt(message, "x@example.net", 1, T0, AttemptOutcome.DELIVERED)));
      throw new StoreException(StoreException.Kind.NOT_FOUND, "the queue change failed");
    })).isInstanceOf(StoreException.class).hasMessageContaining("the queue change failed");
    assertThat(history.show(message.id()).orElseThrow().attempts()).isEmpty(); // rolled back with it
    int kept = store.writer().apply("recording", connection ->
        MessageHistory.insertAttempts(connection, List.of(attempt(message, "x@example.net", 1, T0, AttemptOutcome.DELIVERED))));
    assertThat(kept).isEqualTo(1);
    assertThat(store.queue().stats().commits()).isEqualTo(commitsBefore + 1);
    assertThat(history.show(message.id()).orElseThrow().attempts()).hasSize(1);
  }

  @Test
  void searchFiltersNewestFirst() throws Exception {
    NewMessage first = accept(T0, "Alice@Example.ORG", headers("<one@example.org>", "s1", "f1"), "Bob@Example.NET");
    NewMessage second = accept(T0.plusSeconds(10), "eve@example.org", headers("<two@example.org>", "s2", "f2"),
        "bob@example.net", "carol@example.com");
    NewMessage bounce = accept(T0.plusSeconds(20), "", "alice@example.org");
    NewMessage third = accept(T0.plusSeconds(30), "alice@example.org", "dave@example.com");

    assertThat(ids(HistoryQuery.all())).containsExactly(third.id(), bounce.id(), second.id(), first.id());
    assertThat(ids(HistoryQuery.all().withLimit(2))).containsExactly(third.id(), bounce.id());
    assertThat(ids(HistoryQuery.all().withSender("ALICE@example.org"))).containsExactly(third.id(), first.id());
    assertThat(ids(HistoryQuery.all().withSender(""))).containsExactly(bounce.id());
    assertThat(ids(HistoryQuery.all().withRecipient("BOB@example.net"))).containsExactly(second.id(), first.id());
    assertThat(ids(HistoryQuery.all().withRecipient("bob@example"))).isEmpty(); // whole addresses only
    assertThat(ids(HistoryQuery.all().withMessageId("<two@example.org>"))).containsExactly(second.id());
    assertThat(ids(HistoryQuery.all().withMessageId(" two@example.org "))).containsExactly(second.id());
    assertThat(ids(HistoryQuery.all().withMessageId("TWO@example.org"))).isEmpty(); // ids are exact
    assertThat(ids(HistoryQuery.all().withSince(T0.plusSeconds(10)).withUntil(T0.plusSeconds(30))))
        .containsExactly(bounce.id(), second.id());
    assertThat(ids(HistoryQuery.all().withSender("alice@example.org").withRecipient("bob@example.net")))
        .containsExactly(first.id());
    assertThat(ids(HistoryQuery.all().withMessageId("one@example.org").withSender("eve@example.org"))).isEmpty();
    assertThat(ids(HistoryQuery.all().withMessageId("one@example.org").withRecipient("bob@example.NET")))
        .containsExactly(first.id());

    HistoryMessage found = history.search(HistoryQuery.all().withSender("eve@example.org")).getFirst();
    assertThat(found.headers().subject()).contains("s2");
    assertThat(found.recipients()).extracting(HistoryRecipient::forwardPath).containsExactly("bob@example.net", "carol@example.com");
  }

  @Test
  void statusMatchesTheLatestOutcomeOfARecipient() throws Exception {
    NewMessage both = accept(T0, "a@example.org", "x@example.net", "y@example.net");
    NewMessage retried = accept(T0.plusSeconds(1), "a@example.org", "x@example.net");
    NewMessage oneFailed = accept(T0.plusSeconds(2), "b@example.org", "x@example.net", "z@example.net");
    history.record(List.of(
        attempt(both, "x@example.net", 1, T0.plusSeconds(5), AttemptOutcome.FAILED),
        attempt(both, "y@example.net", 1, T0.plusSeconds(5), AttemptOutcome.FAILED),
        attempt(retried, "x@example.net", 1, T0.plusSeconds(5), AttemptOutcome.FAILED),
        attempt(oneFailed, "x@example.net", 1, T0.plusSeconds(5), AttemptOutcome.DELIVERED),
        attempt(oneFailed, "z@example.net", 1, T0.plusSeconds(5), AttemptOutcome.FAILED)));
    // A later attempt replaces the earlier outcome: retried is no longer "failed".
    history.record(List.of(attempt(retried, "x@example.net", 2, T0.plusSeconds(60), AttemptOutcome.RELAYED)));

    // A message matched by two of its recipients comes once.
    assertThat(ids(HistoryQuery.all().withStatus(AttemptOutcome.FAILED))).containsExactly(oneFailed.id(), both.id());
    assertThat(ids(HistoryQuery.all().withStatus(AttemptOutcome.FAILED).withLimit(1))).containsExactly(oneFailed.id());
    assertThat(ids(HistoryQuery.all().withStatus(AttemptOutcome.RELAYED))).containsExactly(retried.id());
    // With a recipient, the status is that recipient's.
    assertThat(ids(HistoryQuery.all().withRecipient("x@example.net").withStatus(AttemptOutcome.FAILED)))
        .containsExactly(both.id());
    assertThat(ids(HistoryQuery.all().withSender("b@example.org").withStatus(AttemptOutcome.FAILED)))
        .containsExactly(oneFailed.id());
    assertThat(ids(HistoryQuery.all().withStatus(AttemptOutcome.FAILED).withSince(T0.plusSeconds(1))))
        .containsExactly(oneFailed.id());
    assertThat(ids(HistoryQuery.all().withStatus(AttemptOutcome.FAILED).withUntil(T0.plusSeconds(1))))
        .containsExactly(both.id());
    assertThat(ids(HistoryQuery.all().withMessageId("nothing").withStatus(AttemptOutcome.FAILED))).isEmpty();
  }

  @Test
  void anAccountsMessagesComePageByPageNewestFirstWithoutSkippingOrRepeating() throws Exception {
    NewMessage first = acceptAs("alice@example.org", T0, "alice@example.org", "x@example.net");
    acceptAs(null, T0.plusSeconds(5), "stranger@example.com", "alice@example.org");
    NewMessage twin1 = acceptAs("alice@example.org", T0.plusSeconds(10), "alice@example.org", "y@example.net");
    NewMessage twin2 = acceptAs("Alice@Example.ORG", T0.plusSeconds(10), "news@example.org", "x@example.net", "z@example.net");
    acceptAs("bob@example.org", T0.plusSeconds(15), "bob@example.org", "x@example.net");
    NewMessage last = acceptAs("alice@example.org", T0.plusSeconds(20), "alice@example.org", "x@example.net");
    // Two messages received in the same millisecond: the id breaks the tie, newest-first means larger first.
    List<QueueId> twins = java.util.stream.Stream.of(twin1.id(), twin2.id()).sorted(java.util.Comparator.reverseOrder()).toList();
    List<QueueId> alices = List.of(last.id(), twins.get(0), twins.get(1), first.id());

    HistoryQuery account = HistoryQuery.all().withPrincipal("ALICE@example.org");
    assertThat(ids(account)).isEqualTo(alices);
    for (int limit = 1; limit <= 4; limit++) {
      List<QueueId> before = ids(account); // with the arrivals of the walks before
      List<QueueId> walked = new ArrayList<>();
      HistoryQuery page = account.withLimit(limit);
      while (true) {
        List<HistoryMessage> found = history.search(page);
        walked.addAll(found.stream().map(HistoryMessage::id).toList());
        if (found.size() < limit) {
          break;
        }
        page = page.withBefore(HistoryQuery.Position.of(found.getLast()));
        // Mail that arrives between two pages is newer than any position: it never shifts the pages after.
        acceptAs("alice@example.org", T0.plusSeconds(100 + walked.size() + 10L * limit), "alice@example.org", "x@example.net");
      }
      assertThat(walked).as("limit %d", limit).isEqualTo(before).endsWith(alices.toArray(QueueId[]::new));
    }

    // With the other filters, whichever index drives the search (until leaves the arrivals out).
    assertThat(ids(account.withRecipient("X@example.net").withUntil(T0.plusSeconds(50))))
        .containsExactly(last.id(), twin2.id(), first.id());
    assertThat(ids(account.withRecipient("x@example.net").withUntil(T0.plusSeconds(50))
        .withBefore(new HistoryQuery.Position(T0.plusSeconds(10), twin2.id().value()))))
        .containsExactly(first.id());
    assertThat(ids(account.withRecipient("x@example.net").withUntil(T0.plusSeconds(5))
        .withBefore(new HistoryQuery.Position(T0.plusSeconds(10), twin2.id().value()))))
        .as("until tighter than the position").containsExactly(first.id());
    assertThat(ids(account.withUntil(T0.plusSeconds(10)).withBefore(HistoryQuery.Position.of(history.search(account
        .withUntil(T0.plusSeconds(50)).withLimit(1)).getFirst())))).as("until at the position's time")
        .containsExactly(first.id());
    assertThat(ids(account.withSender("news@example.org"))).containsExactly(twin2.id());
    assertThat(ids(HistoryQuery.all().withPrincipal("bob@example.org").withSender("alice@example.org"))).isEmpty();
    history.record(List.of(attempt(twin1, "y@example.net", 1, T0.plusSeconds(30), AttemptOutcome.FAILED),
        attempt(twin2, "z@example.net", 1, T0.plusSeconds(30), AttemptOutcome.DELIVERED)));
    assertThat(ids(account.withStatus(AttemptOutcome.FAILED))).containsExactly(twin1.id());
    assertThat(ids(HistoryQuery.all().withPrincipal("bob@example.org").withStatus(AttemptOutcome.FAILED))).isEmpty();
    assertThat(ids(account.withMessageId("<none@example.org>"))).isEmpty();
  }

  @Test
  void pruneRemovesOldHistoryInBatchesButNotWhatIsStillQueued() throws Exception {
    List<NewMessage> old = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      NewMessage message = accept(T0.plusSeconds(i), "a@example.org", "x@example.net");
      history.record(List.of(attempt(message, "x@example.net", 1, T0.plusSeconds(i + 1), AttemptOutcome.DELIVERED)));
      store.queue().record(message.id(), List.of(RecipientOutcome.delivered("x@example.net", "250", T0.plusSeconds(i + 1))));
      old.add(message);
    }
    NewMessage stillQueued = accept(T0.plusSeconds(5), "a@example.org", "x@example.net");
    NewMessage recent = accept(T0.plusSeconds(100), "a@example.org", "x@example.net");
    store.queue().record(recent.id(), List.of(RecipientOutcome.delivered("x@example.net", "250", T0.plusSeconds(101))));

    Instant cutoff = T0.plusSeconds(50);
    assertThat(history.prune(cutoff, 2)).isEqualTo(2);
    assertThat(history.show(old.get(0).id())).isEmpty();
    assertThat(history.show(old.get(2).id())).isPresent(); // oldest first
    assertThat(history.prune(cutoff, 2)).isEqualTo(2);
    assertThat(history.prune(cutoff, 2)).isEqualTo(1);
    assertThat(history.prune(cutoff, 2)).isZero();
    assertThat(ids(HistoryQuery.all())).containsExactly(recent.id(), stillQueued.id());
    assertThat(count("history_attempt")).isZero();
    assertThat(count("history_recipient")).isEqualTo(2);
    assertThatThrownBy(() -> history.prune(cutoff, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void headerValuesAreCutAt998CharactersNeverInsideAPair() {
    String ascii = "s".repeat(2000);
    assertThat(new AcceptedHeaders(Optional.empty(), Optional.of(ascii), Optional.empty()).subject().orElseThrow())
        .hasSize(AcceptedHeaders.MAX_LENGTH);
    // A character outside the BMP across the cut (U+1F4E8, two chars) goes whole.
    String pair = "s".repeat(997) + "\uD83D\uDCE8" + "tail";
    assertThat(new AcceptedHeaders(Optional.empty(), Optional.of(pair), Optional.empty()).subject().orElseThrow())
        .isEqualTo("s".repeat(997));
    assertThat(new AcceptedHeaders(Optional.of("<short@x>"), Optional.empty(), Optional.empty()).messageId())
        .contains("<short@x>");
  }

  @Test
  void attemptRecordsRefuseWhatADsnCouldNotSay() {
    NewMessage message = messages.message(T0, "a@example.org", "x@example.net");
    assertThatThrownBy(() -> new AttemptRecord(message.id(), "x@example.net", 1, T0, AttemptOutcome.DELIVERED, "5.1.1",
        "smtp; 550", Optional.empty(), Optional.empty(), Optional.empty(), Duration.ZERO, Optional.empty()))
        .hasMessageContaining("5.1.1 does not go with delivered");
    assertThatThrownBy(() -> new AttemptRecord(message.id(), "x@example.net", 1, T0, AttemptOutcome.FAILED, "550",
        "smtp; 550", Optional.empty(), Optional.empty(), Optional.empty(), Duration.ZERO, Optional.empty()))
        .hasMessageContaining("RFC 3463");
    assertThatThrownBy(() -> new AttemptRecord(message.id(), "x@example.net", 0, T0, AttemptOutcome.FAILED, "5.0.0",
        "x", Optional.empty(), Optional.empty(), Optional.empty(), Duration.ZERO, Optional.empty()))
        .hasMessageContaining("start at 1");
    assertThatThrownBy(() -> new AttemptRecord(message.id(), "x@example.net", 1, T0, AttemptOutcome.DEFERRED, "4.4.1",
        "x", Optional.empty(), Optional.empty(), Optional.empty(), Duration.ZERO, Optional.empty()))
        .hasMessageContaining("next attempt");
    // Expiry carries a transient code on a failure (RFC 3463 §3.5, 4.4.7).
    assertThat(new AttemptRecord(message.id(), "x@example.net", 9, T0, AttemptOutcome.EXPIRED, "4.4.7",
        "X-Hikyaku; delivery time expired", Optional.empty(), Optional.empty(), Optional.empty(), Duration.ofDays(5),
        Optional.empty()).outcome()).isEqualTo(AttemptOutcome.EXPIRED);
  }

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void everySearchIsAnIndexSearchWithoutSorting() throws Exception {
    // Every combination of filters, as MessageHistory.search builds it.
    for (int mask = 0; mask < 512; mask++) {
      HistoryQuery query = HistoryQuery.all().withLimit(100);
      if ((mask & 1) != 0) query = query.withSender("a@example.org");
      if ((mask & 2) != 0) query = query.withRecipient("b@example.net");
      if ((mask & 4) != 0) query = query.withMessageId("<m@example.org>");
      if ((mask & 8) != 0) query = query.withStatus(AttemptOutcome.FAILED);
      if ((mask & 16) != 0) query = query.withSince(T0);
      if ((mask & 32) != 0) query = query.withUntil(T0.plusSeconds(3600));
      if ((mask & 64) != 0) query = query.withPrincipal("alice@example.org");
      if ((mask & 128) != 0) query = query.withBefore(new HistoryQuery.Position(T0.plusSeconds(60), "06EY5H1AG2FDX7AG"));
      if ((mask & 256) != 0) query = query.withTag("invoice");
      HistorySearch search = HistorySearch.of(query, new Dialect.Sqlite());
      String plan = plan(search.sql(), search.arguments());
      assertThat(plan).as("%s%n%s", query, plan).doesNotContainPattern("(?m)^SCAN (?!.*USING (COVERING )?INDEX)");
      if (query.messageId().isEmpty()) {
        // Rows come in index order, newest first: a search reads what it returns and stops.
        assertThat(plan).as("%s%n%s", query, plan).doesNotContain("TEMP B-TREE");
      }
      String driving = plan.lines().findFirst().orElseThrow();
      String expected = query.messageId().isPresent() ? "history_message_message_id"
          : query.recipient().isPresent() ? "history_recipient_forward_path"
          : query.sender().isPresent() ? "history_message_reverse_path"
          : query.principal().isPresent() ? "history_message_principal"
          : query.status().isPresent() ? "history_recipient_latest_outcome"
          : "history_message_received_at";
      assertThat(driving).as("%s%n%s", query, plan).contains(expected);
      if (query.tag().isPresent()) {
        // A message's own tags, by their primary key: never a scan of every tag.
        assertThat(plan).as("%s%n%s", query, plan).containsPattern("SEARCH t (EXISTS )?USING (COVERING )?(INDEX sqlite_autoindex_history_tag_1|PRIMARY KEY) \\(queue_id=\\?\\)");
      }
      if (query.before().isPresent() && query.messageId().isEmpty()) {
        // Keyset paging: the position (an hour before until here) bounds the driving index's range;
        // no row before it is read.
        assertThat(driving).as("%s%n%s", query, plan).contains("(received_at,queue_id)<(?,?)");
      }
    }
  }

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void showPruneAndAttemptStatementsUseTheIndexes() throws Exception {
    assertThat(plan(MessageHistory.SELECT_MESSAGE, List.of("X"))).contains("USING INDEX sqlite_autoindex_history_message_1");
    assertThat(plan(MessageHistory.SELECT_RECIPIENTS, List.of("X"))).contains("USING INDEX sqlite_autoindex_history_recipient_1");
    assertThat(plan(MessageHistory.SELECT_ATTEMPTS, List.of("X"))).contains("USING INDEX history_attempt_queue_id");
    assertThat(plan(MessageHistory.SELECT_PRUNABLE, List.of(1L, 10)))
        .contains("history_message_received_at").doesNotContainPattern("(?m)^SCAN (?!.*INDEX)");
    for (String delete : MessageHistory.DELETE_MESSAGE) {
      assertThat(plan(delete, List.of("X"))).doesNotContainPattern("(?m)^SCAN");
    }
  }

  private String plan(String sql, List<Object> arguments) throws Exception {
    return QueryPlans.plan(dataDirectory, sql, arguments);
  }

  private long count(String table) throws Exception {
    try (var raw = TestStores.raw(dataDirectory);
        var statement = raw.createStatement();
        var rows = statement.executeQuery("SELECT count(*) FROM " + table)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
