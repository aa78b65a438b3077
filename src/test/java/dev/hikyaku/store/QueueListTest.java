package dev.hikyaku.store;

import static dev.hikyaku.store.TestMessages.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueueListTest {

  @TempDir Path dataDirectory;

  private final TestMessages messages = new TestMessages();
  private Store store;

  // Accepted out of time order, so the listing order has to come from received_at.
  private NewMessage third;
  private NewMessage first;
  private NewMessage second;
  private NewMessage bounce;

  @BeforeEach
  void fillQueue() throws Exception {
    store = Store.openSqlite(dataDirectory, Clock.fixed(T0, ZoneOffset.UTC));
    third = messages.message(T0.plusSeconds(30), "Alice@Example.ORG", "carol@example.com");
    first = messages.message(T0, "alice@example.org", "Bob@Example.NET", "dave@example.com");
    second = messages.message(T0.plusSeconds(10), "eve@example.org", "bob@example.net");
    bounce = messages.message(T0.plusSeconds(20), "", "alice@example.org");
    for (NewMessage message : List.of(third, first, second, bounce)) {
      store.queue().accept(message);
    }
    StoreTest.setState(dataDirectory, second.id(), "held");
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  private List<QueueId> ids(QueueQuery query) throws StoreException {
    return store.queue().list(query).stream().map(QueueEntry::id).toList();
  }

  @Test
  void listsEverythingOldestFirstWithSummaries() throws Exception {
    List<QueueEntry> entries = store.queue().list(QueueQuery.all());
    assertThat(entries).extracting(QueueEntry::id)
        .containsExactly(first.id(), second.id(), bounce.id(), third.id());
    QueueEntry entry = entries.getFirst();
    assertThat(entry.receivedAt()).isEqualTo(T0);
    assertThat(entry.reversePath()).isEqualTo("alice@example.org");
    assertThat(entry.recipientCount()).isEqualTo(2);
    assertThat(entry.size()).isEqualTo(first.content().length);
    assertThat(entry.state()).isEqualTo("queued");
    assertThat(entries.get(1).state()).isEqualTo("held");
  }

  @Test
  void filtersBySenderIgnoringCase() throws Exception {
    assertThat(ids(QueueQuery.all().withSender("ALICE@example.org")))
        .containsExactly(first.id(), third.id());
    assertThat(ids(QueueQuery.all().withSender("nobody@example.org"))).isEmpty();
  }

  @Test
  void emptySenderFindsNullPathMessages() throws Exception {
    assertThat(ids(QueueQuery.all().withSender(""))).containsExactly(bounce.id());
  }

  @Test
  void filtersByRecipientIgnoringCase() throws Exception {
    assertThat(ids(QueueQuery.all().withRecipient("bob@example.net")))
        .containsExactly(first.id(), second.id());
    assertThat(ids(QueueQuery.all().withRecipient("BOB@EXAMPLE.NET")))
        .containsExactly(first.id(), second.id());
    assertThat(ids(QueueQuery.all().withRecipient("bob@example"))).isEmpty(); // whole address only
  }

  @Test
  void filtersByState() throws Exception {
    assertThat(ids(QueueQuery.all().withState("held"))).containsExactly(second.id());
    assertThat(ids(QueueQuery.all().withState("queued")))
        .containsExactly(first.id(), bounce.id(), third.id());
  }

  @Test
  void filtersByReceivedStrictlyBefore() throws Exception {
    assertThat(ids(QueueQuery.all().withReceivedBefore(T0.plusSeconds(20))))
        .containsExactly(first.id(), second.id());
    assertThat(ids(QueueQuery.all().withReceivedBefore(T0))).isEmpty();
  }

  @Test
  void limitKeepsTheOldest() throws Exception {
    assertThat(ids(QueueQuery.all().withLimit(2))).containsExactly(first.id(), second.id());
  }

  @Test
  void filtersCombine() throws Exception {
    QueueQuery query = QueueQuery.all()
        .withRecipient("Bob@example.net")
        .withState("queued")
        .withReceivedBefore(T0.plusSeconds(60))
        .withLimit(10);
    assertThat(ids(query)).containsExactly(first.id());
    assertThat(ids(query.withSender("eve@example.org"))).isEmpty();
  }

  @Test
  void queryRejectsUnknownStateAndNonPositiveLimitNamingThem() {
    assertThatThrownBy(() -> QueueQuery.all().withState("Queued"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"Queued\"");
    assertThatThrownBy(() -> QueueQuery.all().withLimit(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0");
  }

  @Test
  void listingUsesTheIndexes() throws Exception {
    // Address and state searches must not scan every message as the queue grows.
    assertThat(plan("SELECT id FROM message WHERE lower(reverse_path) = lower('a@b')"))
        .contains("message_reverse_path");
    assertThat(plan("SELECT message_id FROM recipient WHERE lower(forward_path) = lower('a@b')"))
        .contains("recipient_forward_path");
    assertThat(plan("SELECT id FROM message WHERE state = 'held' ORDER BY received_at"))
        .contains("message_state_received_at");
  }

  private String plan(String sql) throws Exception {
    try (var raw = java.sql.DriverManager.getConnection(
            "jdbc:sqlite:" + dataDirectory.resolve("hikyaku.db"));
        var statement = raw.createStatement();
        var rows = statement.executeQuery("EXPLAIN QUERY PLAN " + sql)) {
      StringBuilder plan = new StringBuilder();
      while (rows.next()) {
        plan.append(rows.getString("detail")).append('\n');
      }
      return plan.toString();
    }
  }
}
