package dev.hikyaku.store;

import static dev.hikyaku.store.TestMessages.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.hikyaku.testing.TestStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The accounts' event feeds (V12) on a real SQLite store. */
class MessageEventsTest {

  @TempDir Path dataDirectory;

  private final TestMessages messages = new TestMessages();
  private Store store;
  private MessageEvents feed;

  @BeforeEach
  void open() throws StoreException {
    store = TestStores.open(dataDirectory, Clock.fixed(T0, ZoneOffset.UTC));
    feed = store.messageEvents();
  }

  @AfterEach
  void close() {
    store.close();
  }

  /** A message accepted under {@code principal} (null: relayed in, none). */
  private QueueId accept(String principal) throws StoreException {
    return accept(principal, Annotations.NONE);
  }

  private QueueId accept(String principal, Annotations annotations) throws StoreException {
    QueueId id = messages.idAt(T0);
    store.queue().accept(new NewMessage(id, T0, "a@example.org", "", List.of(new NewRecipient("x@example.net", "")),
        new Origin("submission", "127.0.0.1", "client.example", null, null, principal),
        "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII), AcceptedHeaders.NONE, annotations, Optional.empty()));
    return id;
  }

  private static NewMessageEvent event(QueueId id, int second, String type) {
    return new NewMessageEvent(T0.plusSeconds(second), type, id,
        type.equals("message.accepted") ? Optional.empty() : Optional.of("x@example.net"), "{\"n\":" + second + "}");
  }

  private static List<String> summary(List<MessageEvent> events) {
    return events.stream().map(e -> e.type() + " " + e.data()).toList();
  }

  @Test
  void eachAccountReadsItsOwnFeedInOrderFromAnyPoint() throws StoreException {
    QueueId alices = accept("Alice@Example.org");
    QueueId bobs = accept("bob@example.org");
    QueueId relayed = accept(null);
    // Queuing wrote each account's message.accepted itself (FeedEntriesTest); these tests append their own after it.
    long base = Math.max(feed.after("alice@example.org", 0, List.of(), 10).getLast().seq(),
        feed.after("bob@example.org", 0, List.of(), 10).getLast().seq());

    int kept = feed.append(List.of(
        event(alices, 1, "message.accepted"), event(bobs, 2, "message.accepted"), event(relayed, 3, "message.accepted"),
        event(alices, 4, "message.deferred"), event(alices, 5, "message.delivered")));

    // The relayed message has no account: its event is not kept.
    assertThat(kept).isEqualTo(4);
    List<MessageEvent> all = feed.after("alice@example.org", base, List.of(), 100);
    assertThat(summary(all)).containsExactly(
        "message.accepted {\"n\":1}", "message.deferred {\"n\":4}", "message.delivered {\"n\":5}");
    MessageEvent accepted = all.getFirst();
    assertThat(accepted.account()).isEqualTo("alice@example.org");
    assertThat(accepted.queueId()).contains(alices);
    assertThat(accepted.annotations()).isEqualTo(Annotations.NONE);
    assertThat(accepted.recipient()).isEmpty();
    assertThat(accepted.at()).isEqualTo(T0.plusSeconds(1));
    assertThat(all.get(1).recipient()).contains("x@example.net");
    assertThat(all).extracting(MessageEvent::seq).isSorted().doesNotHaveDuplicates();

    // Resumed after any seq, with a limit, by type; the account in any case.
    assertThat(summary(feed.after("ALICE@example.org", all.get(0).seq(), List.of(), 1))).containsExactly("message.deferred {\"n\":4}");
    assertThat(feed.after("alice@example.org", all.getLast().seq(), List.of(), 10)).isEmpty();
    assertThat(summary(feed.after("alice@example.org", base, List.of("message.delivered", "message.accepted"), 10)))
        .containsExactly("message.accepted {\"n\":1}", "message.delivered {\"n\":5}");
    assertThat(summary(feed.after("bob@example.org", base, List.of(), 10))).containsExactly("message.accepted {\"n\":2}");
    assertThat(feed.after("carol@example.org", base, List.of(), 10)).isEmpty();
    assertThatThrownBy(() -> feed.after("alice@example.org", base, List.of(), 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void everyEntryComesWithItsMessagesTagsAndMetadataReadFromTheHistory() throws StoreException {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("order_id", "1042");
    metadata.put("customer", "77");
    Annotations annotations = new Annotations(List.of("invoice", "spring"), metadata);
    QueueId tagged = accept("alice@example.org", annotations);
    QueueId plain = accept("alice@example.org");
    // After the message.accepted entries queuing wrote.
    long base = feed.after("alice@example.org", 0, List.of(), 10).getLast().seq();
    feed.append(List.of(event(tagged, 1, "message.accepted"), event(plain, 2, "message.accepted"),
        event(tagged, 3, "message.deferred"), event(tagged, 4, "message.delivered")));

    List<MessageEvent> all = feed.after("alice@example.org", base, List.of(), 10);

    assertThat(all).extracting(e -> e.queueId().orElseThrow(), MessageEvent::annotations).containsExactly(
        tuple(tagged, annotations), tuple(plain, Annotations.NONE), tuple(tagged, annotations), tuple(tagged, annotations));
    // In the order the application gave them, not sorted.
    assertThat(all.getFirst().annotations().metadata().keySet()).containsExactly("order_id", "customer");
    assertThat(all.getFirst().annotations().tags()).containsExactly("invoice", "spring");
  }

  @Test
  void anEventThatNamesItsAccountIsKeptWithOrWithoutAMessage() throws StoreException {
    QueueId relayed = accept(null);
    QueueId bobs = accept("bob@example.org");

    int kept = feed.append(List.of(
        NewMessageEvent.ofAccount(T0, "message.suppressed", "Alice@Example.org", Optional.empty(), Optional.of("gone@example.net"),
            "{\"reason\":\"550 5.1.1\"}"),
        // Named, the account is the one given, not the history's (none here, or another).
        NewMessageEvent.ofAccount(T0, "message.suppressed", "alice@example.org", Optional.of(relayed), Optional.of("gone@example.net"),
            "{}"),
        NewMessageEvent.ofAccount(T0, "message.suppressed", "alice@example.org", Optional.of(bobs), Optional.of("gone@example.net"),
            "{}")));

    assertThat(kept).isEqualTo(3);
    List<MessageEvent> alices = feed.after("alice@example.org", 0, List.of("message.suppressed"), 10);
    assertThat(alices).extracting(MessageEvent::queueId)
        .containsExactly(Optional.empty(), Optional.of(relayed), Optional.of(bobs));
    assertThat(alices.getFirst().account()).isEqualTo("alice@example.org");
    assertThat(alices.getFirst().recipient()).contains("gone@example.net");
    assertThat(alices.getFirst().data()).isEqualTo("{\"reason\":\"550 5.1.1\"}");
    assertThat(alices.getFirst().annotations()).isEqualTo(Annotations.NONE);
    // Bob's feed has only the message.accepted queuing wrote for his message.
    assertThat(feed.after("bob@example.org", 0, List.of(), 10)).extracting(MessageEvent::type).containsExactly("message.accepted");
    assertThatThrownBy(() -> new NewMessageEvent(T0, "message.suppressed", Optional.empty(), Optional.empty(), Optional.empty(), "{}"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void v14KeepsTheFeedAndItsHighWaterMarkSoNoSeqIsHandedOutAgain() throws Exception {
    store.close();
    Path old = dataDirectory.resolve("v13");
    java.nio.file.Files.createDirectories(old);
    String url = "jdbc:sqlite:" + old.resolve(Store.SQLITE_FILE_NAME);
    org.sqlite.SQLiteDataSource source = new org.sqlite.SQLiteDataSource();
    source.setUrl(url);
    org.flywaydb.core.Flyway.configure().dataSource(source).locations("classpath:db/migration/sqlite").target("13").load().migrate();
    try (var raw = java.sql.DriverManager.getConnection(url); var sql = raw.createStatement()) {
      for (int n = 1; n <= 3; n++) {
        sql.executeUpdate("INSERT INTO message_event (at, type, account, queue_id, recipient, data) VALUES ("
            + n + ", 'message.accepted', 'alice@example.org', '" + messages.idAt(T0).value() + "', NULL, '{}')");
      }
      // Pruned down to one, below the mark: the copy alone would start again after 1.
      sql.executeUpdate("DELETE FROM message_event WHERE seq > 1");
    }

    store = TestStores.open(old, Clock.fixed(T0, ZoneOffset.UTC));
    feed = store.messageEvents();

    assertThat(feed.after("alice@example.org", 0, List.of(), 10)).singleElement().satisfies(e -> {
      assertThat(e.seq()).isEqualTo(1);
      assertThat(e.queueId()).isPresent();
    });
    feed.append(List.of(NewMessageEvent.ofAccount(T0, "message.suppressed", "alice@example.org", Optional.empty(),
        Optional.of("gone@example.net"), "{}")));
    assertThat(feed.after("alice@example.org", 1, List.of(), 10)).singleElement()
        .satisfies(e -> assertThat(e.seq()).isEqualTo(4));
  }

  @Test
  void pruningRemovesTheOldestInBatchesAndNoSeqIsHandedOutAgain() throws StoreException {
    QueueId id = accept("alice@example.org");
    // The message.accepted queuing wrote (at T0, before the events below) goes first.
    assertThat(feed.prune(T0.plusMillis(1), 10)).isEqualTo(1);
    feed.append(List.of(event(id, 1, "message.accepted"), event(id, 2, "message.deferred"), event(id, 3, "message.deferred")));
    long newest = feed.after("alice@example.org", 0, List.of(), 10).getLast().seq();

    Instant cutoff = T0.plusSeconds(60);
    assertThat(feed.prune(cutoff, 2)).isEqualTo(2);
    assertThat(summary(feed.after("alice@example.org", 0, List.of(), 10))).containsExactly("message.deferred {\"n\":3}");
    assertThat(feed.prune(cutoff, 2)).isEqualTo(1);
    assertThat(feed.prune(cutoff, 2)).isZero();

    // AUTOINCREMENT: a cursor naming a pruned seq never names a new event.
    feed.append(List.of(event(id, 70, "message.delivered")));
    assertThat(feed.after("alice@example.org", 0, List.of(), 10)).singleElement()
        .satisfies(e -> assertThat(e.seq()).isGreaterThan(newest));
    assertThat(feed.prune(cutoff, 2)).isZero();
    assertThatThrownBy(() -> feed.prune(cutoff, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void appendsShareTheWritersCommits() throws StoreException {
    QueueId id = accept("alice@example.org");
    long before = store.queue().stats().commits();
    feed.append(List.of(event(id, 1, "message.accepted"), event(id, 2, "message.delivered")));
    assertThat(store.queue().stats().commits()).isEqualTo(before + 1);
    assertThat(feed.append(List.of())).isZero();
  }

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void readsWritesAndPrunesUseTheIndexes() throws Exception {
    for (int types : List.of(0, 2)) {
      List<Object> arguments = new java.util.ArrayList<>(List.of("alice@example.org", 0L));
      for (int i = 0; i < types; i++) {
        arguments.add("message.delivered");
      }
      arguments.add(10);
      assertThat(plan(MessageEvents.select(types), arguments)).as("types %d", types)
          .contains("SEARCH message_event USING INDEX message_event_account (account=? AND seq>?)")
          .doesNotContain("TEMP B-TREE");
    }
    assertThat(plan(MessageEvents.INSERT, List.of(1L, "t", "r", "{}", "ID")))
        .contains("SEARCH history_message USING INDEX sqlite_autoindex_history_message_1");
    assertThat(plan(MessageEvents.DELETE_BEFORE, List.of(1L, 10)))
        .contains("USING COVERING INDEX message_event_at").doesNotContainPattern("(?m)^SCAN");
  }

  private String plan(String sql, List<Object> arguments) throws Exception {
    return QueryPlans.plan(dataDirectory, sql, arguments);
  }
}
