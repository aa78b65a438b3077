package dev.hikyaku.store;

import static dev.hikyaku.store.TestMessages.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
    store = Store.openSqlite(dataDirectory, Clock.fixed(T0, ZoneOffset.UTC));
    feed = store.messageEvents();
  }

  @AfterEach
  void close() {
    store.close();
  }

  /** A message accepted under {@code principal} (null: relayed in, none). */
  private QueueId accept(String principal) throws StoreException {
    QueueId id = messages.idAt(T0);
    store.queue().accept(new NewMessage(id, T0, "a@example.org", "", List.of(new NewRecipient("x@example.net", "")),
        new Origin("submission", "127.0.0.1", "client.example", null, null, principal),
        "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)));
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
    assertThat(accepted.queueId()).isEqualTo(alices);
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
