package dev.hikyaku.store;

import static dev.hikyaku.store.TestMessages.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.testing.TestStores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
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
    store = TestStores.open(dataDirectory, Clock.fixed(T0, ZoneOffset.UTC));
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
    return store.queueAdmin().list(query).stream().map(QueueEntry::id).toList();
  }

  @Test
  void listsEverythingOldestFirstWithSummaries() throws Exception {
    List<QueueEntry> entries = store.queueAdmin().list(QueueQuery.all());
    assertThat(entries).extracting(QueueEntry::id)
        .containsExactly(first.id(), second.id(), bounce.id(), third.id());
    QueueEntry entry = entries.getFirst();
    assertThat(entry.receivedAt()).isEqualTo(T0);
    assertThat(entry.reversePath()).isEqualTo("alice@example.org");
    assertThat(entry.recipientCount()).isEqualTo(2);
    assertThat(entry.size()).isEqualTo(first.content().length);
    assertThat(entry.state()).isEqualTo(MessageState.QUEUED);
    assertThat(entries.get(1).state()).isEqualTo(MessageState.HELD);
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

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void everyListingIsDrivenByOneIndexAndReadsNoMoreThanItShows() throws Exception {
    // Every combination of filters, as QueueAdmin.list builds it (issue 15 point 5: 100,000
    // messages; bench/README.md "Queue at scale").
    for (int mask = 0; mask < 16; mask++) {
      QueueQuery query = QueueQuery.all().withLimit(1000);
      if ((mask & 1) != 0) query = query.withSender("a@example.org");
      if ((mask & 2) != 0) query = query.withRecipient("b@example.net");
      if ((mask & 4) != 0) query = query.withState("held");
      if ((mask & 8) != 0) query = query.withReceivedBefore(T0);
      QueueAdmin.Listing listing = QueueAdmin.Listing.of(query);
      String plan = QueryPlans.plan(dataDirectory, listing.sql(), listing.arguments());
      assertThat(plan).as("%s%n%s", query, plan).doesNotContainPattern("(?m)^SCAN (?!m USING INDEX message_received_at)");
      String driving = plan.lines().findFirst().orElseThrow();
      if (query.recipient().isPresent()) {
        // The address's own messages, looked up by id and then sorted: never a walk of the queue
        // probing each message's recipients (what the correlated EXISTS did).
        assertThat(plan).as("%s%n%s", query, plan)
            .contains("SEARCH r USING INDEX recipient_forward_path")
            .contains("SEARCH m USING INDEX sqlite_autoindex_message_1 (id=?)");
        continue;
      }
      String expected = query.sender().isPresent() ? "message_reverse_path_received_at"
          : query.state().isPresent() ? "message_state_received_at_id"
          : "message_received_at";
      assertThat(driving).as("%s%n%s", query, plan).containsPattern(" m USING INDEX " + expected + "( |$)").doesNotContain("COVERING");
      // Rows come in the list's order: the oldest N are read, and the query stops.
      assertThat(plan).as("%s%n%s", query, plan).doesNotContain("TEMP B-TREE");
      if (query.receivedBefore().isPresent()) {
        assertThat(driving).as("%s%n%s", query, plan).contains("received_at<?");
      }
    }
  }

  @Test
  void listingCombinesEveryFilterWhicheverDrives() throws Exception {
    assertThat(ids(QueueQuery.all().withRecipient("BOB@example.net"))).containsExactly(first.id(), second.id());
    assertThat(ids(QueueQuery.all().withRecipient("bob@example.net").withState("held"))).containsExactly(second.id());
    assertThat(ids(QueueQuery.all().withRecipient("bob@example.net").withSender("ALICE@example.org")))
        .containsExactly(first.id());
    assertThat(ids(QueueQuery.all().withRecipient("bob@example.net").withReceivedBefore(T0.plusSeconds(10))))
        .containsExactly(first.id());
    assertThat(ids(QueueQuery.all().withRecipient("bob@example.net").withLimit(1))).containsExactly(first.id());
    assertThat(ids(QueueQuery.all().withSender("alice@example.org").withState("queued").withReceivedBefore(T0.plusSeconds(31))))
        .containsExactly(first.id(), third.id());
    assertThat(ids(QueueQuery.all().withState("queued").withReceivedBefore(T0.plusSeconds(20))))
        .containsExactly(first.id());
  }
}
