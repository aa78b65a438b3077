package dev.hikyaku.store;

import static dev.hikyaku.store.TestMessages.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.testing.TestStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The event feed as the webhooks' outbox: the store writes a message's entries in the transactions
 * that queue it and record its outcomes (FeedEntries), from the same records as the history, so
 * the feed holds an entry exactly when its change committed.
 */
class FeedEntriesTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path dataDirectory;

  private final TestMessages messages = new TestMessages();
  private Store store;

  @BeforeEach
  void open() throws StoreException {
    store = TestStores.open(dataDirectory, Clock.fixed(T0, ZoneOffset.UTC));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private NewMessage message(String principal, String... recipients) {
    return new NewMessage(messages.idAt(T0), T0, "alice@example.org", "",
        java.util.Arrays.stream(recipients).map(r -> new NewRecipient(r, "")).toList(),
        new Origin("submission", "127.0.0.1", "client.example", null, null, principal),
        "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  private static AttemptRecord attempt(QueueId id, String to, int number, AttemptOutcome outcome, String status, String reply,
      Optional<Instant> next) {
    Instant at = T0.plusSeconds(number);
    return new AttemptRecord(id, to, number, at, outcome, status, reply, Optional.of("mx.example.net[192.0.2.1]:25"),
        Optional.of("TLSv1.3"), Optional.of("TLS_AES_128_GCM_SHA256"), Duration.ofSeconds(number), next);
  }

  private List<MessageEvent> feed(String account) throws StoreException {
    return store.messageEvents().after(account, 0, List.of(), 100);
  }

  @Test
  void queuingAndRecordingWriteTheEntriesInTheirOwnCommits() throws StoreException {
    NewMessage message = message("Alice@Example.org", "x@example.net", "y@example.net", "z@example.net");
    QueueId id = message.id();
    long commits = store.queue().stats().commits();
    store.queue().accept(message);
    assertThat(store.queue().stats().commits()).as("the entry shares the message's commit").isEqualTo(commits + 1);

    Instant next = T0.plusSeconds(301);
    Instant expired = T0.plusSeconds(9);
    store.queue().record(id,
        List.of(RecipientOutcome.deferred("x@example.net", "450", T0.plusSeconds(1), next),
            RecipientOutcome.failed("y@example.net", "550", T0.plusSeconds(1))),
        List.of(attempt(id, "x@example.net", 1, AttemptOutcome.DEFERRED, "4.2.0", "smtp; 450 4.2.0 later", Optional.of(next)),
            attempt(id, "y@example.net", 1, AttemptOutcome.FAILED, "5.1.1", "smtp; 550 5.1.1 no such user", Optional.empty())),
        List.of(Suppression.hardBounce("example.org", "y@example.net", "5.1.1", "smtp; 550 5.1.1 no such user", id,
            T0.plusSeconds(1))));
    store.queue().record(id,
        List.of(RecipientOutcome.delivered("x@example.net", "250", T0.plusSeconds(2)),
            RecipientOutcome.failed("z@example.net", "expired", expired)),
        List.of(attempt(id, "x@example.net", 2, AttemptOutcome.RELAYED, "2.0.0", "smtp; 250 2.0.0 Ok", Optional.empty()),
            new AttemptRecord(id, "z@example.net", 1, expired, AttemptOutcome.EXPIRED, "5.4.7",
                "X-Hikyaku; delivery time expired", Optional.empty(), Optional.empty(), Optional.empty(),
                Duration.ofSeconds(9), Optional.empty())),
        // Listed already: a suppression is told once, when it is made.
        List.of(Suppression.hardBounce("example.org", "y@example.net", "5.1.1", "again", id, T0.plusSeconds(2))));

    List<MessageEvent> feed = feed("alice@example.org");
    assertThat(feed).extracting(e -> e.type() + " " + e.recipient().orElse("-")).containsExactly(
        "message.accepted -", "message.deferred x@example.net", "message.bounced y@example.net",
        "suppression.created y@example.net", "message.delivered x@example.net", "message.expired z@example.net");
    assertThat(feed).allSatisfy(e -> assertThat(e.queueId()).hasValue(id));
    assertThat(feed).extracting(MessageEvent::type).allMatch(FeedEntries.TYPES::contains);

    JsonNode accepted = JSON.readTree(feed.get(0).data());
    assertThat(accepted.get("sender").asString()).isEqualTo("alice@example.org");
    assertThat(accepted.get("recipients").toString()).isEqualTo("[\"x@example.net\",\"y@example.net\",\"z@example.net\"]");
    assertThat(accepted.get("size").asLong()).isEqualTo(message.size());
    assertThat(feed.get(0).at()).isEqualTo(T0);
    JsonNode deferred = JSON.readTree(feed.get(1).data());
    assertThat(deferred.propertyNames())
        .containsExactly("attempt", "status", "diagnostic", "remote_mta", "tls", "next_retry_at", "source");
    assertThat(deferred.get("attempt").asInt()).isEqualTo(1);
    assertThat(deferred.get("status").asString()).isEqualTo("4.2.0");
    assertThat(deferred.get("diagnostic").asString()).isEqualTo("smtp; 450 4.2.0 later");
    assertThat(deferred.get("remote_mta").asString()).isEqualTo("mx.example.net[192.0.2.1]:25");
    assertThat(deferred.get("tls").asString()).isEqualTo("TLSv1.3");
    assertThat(deferred.get("next_retry_at").asString()).isEqualTo(next.toString());
    JsonNode bounced = JSON.readTree(feed.get(2).data());
    assertThat(bounced.get("status").asString()).isEqualTo("5.1.1");
    assertThat(bounced.get("next_retry_at").isNull()).isTrue();
    JsonNode suppressed = JSON.readTree(feed.get(3).data());
    assertThat(suppressed.get("sender_domain").asString()).isEqualTo("example.org");
    assertThat(suppressed.get("reason").asString()).isEqualTo("hard-bounce");
    assertThat(suppressed.get("diagnostic").asString()).isEqualTo("smtp; 550 5.1.1 no such user");
    assertThat(JSON.readTree(feed.get(4).data()).get("attempt").asInt()).isEqualTo(2);
    JsonNode expiry = JSON.readTree(feed.get(5).data());
    assertThat(expiry.get("status").asString()).isEqualTo("5.4.7");
    assertThat(expiry.get("diagnostic").asString()).isEqualTo("X-Hikyaku; delivery time expired");
    assertThat(expiry.get("remote_mta").isNull()).isTrue();
    assertThat(expiry.get("tls").isNull()).isTrue();
  }

  @Test
  void theTypesAreTheApis() {
    assertThat(FeedEntries.TYPES).isSubsetOf(
        java.util.Arrays.stream(dev.hikyaku.api.EventType.values()).map(dev.hikyaku.api.EventType::typeName).toList());
  }

  @Test
  void aChangeThatFailsWritesNoEntryAndAMessageWithoutAnAccountHasNone() throws StoreException {
    NewMessage relayed = message(null, "x@example.net");
    store.queue().accept(relayed);
    store.queue().record(relayed.id(), List.of(RecipientOutcome.delivered("x@example.net", "250", T0)),
        List.of(attempt(relayed.id(), "x@example.net", 1, AttemptOutcome.DELIVERED, "2.0.0", "smtp; 250", Optional.empty())));
    assertThat(store.messageEvents().prune(T0.plusSeconds(3600), 100)).as("nothing was written for it").isZero();

    NewMessage mine = message("alice@example.org", "x@example.net");
    store.queue().accept(mine);
    // A recipient the message does not have: NOT_FOUND, and the whole change rolls back, entries too.
    assertThatThrownBy(() -> store.queue().record(mine.id(), List.of(RecipientOutcome.delivered("q@example.net", "250", T0)),
        List.of(attempt(mine.id(), "q@example.net", 1, AttemptOutcome.DELIVERED, "2.0.0", "smtp; 250", Optional.empty()))))
        .isInstanceOf(StoreException.class);
    assertThat(feed("alice@example.org")).extracting(MessageEvent::type).containsExactly("message.accepted");
  }

  // The entries are streamed (issue 15); their text is what the ObjectNode tree wrote before: the
  // same members in the same order, null where there is nothing to say, JSON's escapes.
  @Test
  void theDataOfEachEntryIsExactlyTheTextTheWebhooksGet() {
    QueueId id = messages.idAt(T0);
    Instant next = T0.plusSeconds(300);
    AttemptRecord deferred = new AttemptRecord(id, "bob@example.net", 2, T0, AttemptOutcome.DEFERRED, "4.2.0",
        "smtp; 450 4.2.0 \"later\"\u0001 back\\slash", Optional.of("mx.example.net[192.0.2.1]:25"), Optional.empty(),
        Optional.empty(), Duration.ofMillis(310), Optional.of(next), AttemptRecord.Source.SMTP);
    AttemptRecord complained = new AttemptRecord(id, "bob@example.net", 1, T0, AttemptOutcome.COMPLAINED, "2.0.0",
        AttemptRecord.complaintDiagnostic("abuse", Optional.empty()), Optional.empty(), Optional.empty(), Optional.empty(),
        Duration.ZERO, Optional.empty(), AttemptRecord.Source.ARF);

    assertThat(FeedEntries.attempts(List.of(deferred, complained))).extracting(NewMessageEvent::data).containsExactly(
        "{\"attempt\":2,\"status\":\"4.2.0\",\"diagnostic\":\"smtp; 450 4.2.0 \\\"later\\\"\\u0001 back\\\\slash\","
            + "\"remote_mta\":\"mx.example.net[192.0.2.1]:25\",\"tls\":null,\"next_retry_at\":\"" + next + "\",\"source\":\"smtp\"}",
        "{\"attempt\":1,\"status\":\"2.0.0\",\"diagnostic\":\"arf; Feedback-Type: abuse\",\"remote_mta\":null,\"tls\":null,"
            + "\"next_retry_at\":null,\"source\":\"arf\",\"feedback_type\":\"abuse\"}");
    NewMessage message = message("alice@example.org", "x@example.net", "y@example.net");
    assertThat(FeedEntries.accepted(message).orElseThrow().data())
        .isEqualTo("{\"sender\":\"alice@example.org\",\"recipients\":[\"x@example.net\",\"y@example.net\"],\"size\":"
            + message.size() + "}");
  }
}
