package dev.hikyaku.store;

import static dev.hikyaku.store.TestMessages.SUBMISSION_ORIGIN;
import static dev.hikyaku.store.TestMessages.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.testing.TestStores;
import java.nio.file.Path;
import java.sql.DriverManager;
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

/**
 * What V11 keeps for messages sent over the API, on a real SQLite store: tags and metadata in the
 * history, and idempotency records committed with their message, replaced only once stale, pruned
 * after 24 hours, and found again after the store is reopened.
 */
class ApiSendRecordsTest {

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

  private NewMessage message(Instant at, Annotations annotations, Optional<String> scope) {
    NewMessage plain = messages.message(at, "alice@example.org", "bob@example.net");
    return new NewMessage(plain.id(), plain.receivedAt(), plain.reversePath(), plain.mailParameters(), plain.recipients(),
        SUBMISSION_ORIGIN, plain.content(), AcceptedHeaders.NONE, annotations,
        scope.map(s -> new IdempotencyRecord(s, "f1", plain.id(), 202, "{\"id\":\"" + plain.id().value() + "\"}", at)));
  }

  private long count(String table) throws Exception {
    try (var raw = TestStores.raw(dataDirectory);
        var rows = raw.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  @Test
  void tagsAndMetadataAreKeptInOrderWithTheHistoryAndPrunedWithIt() throws Exception {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("order_id", "1042");
    metadata.put("customer", "77");
    NewMessage message = message(T0, new Annotations(List.of("invoice", "spring"), metadata), Optional.empty());
    store.queue().accept(message);
    NewMessage plain = message(T0, Annotations.NONE, Optional.empty());
    store.queue().accept(plain);

    Annotations kept = store.history().show(message.id()).orElseThrow().message().annotations();
    assertThat(kept.tags()).containsExactly("invoice", "spring");
    assertThat(kept.metadata().keySet()).containsExactly("order_id", "customer");
    assertThat(store.history().show(plain.id()).orElseThrow().message().annotations().isEmpty()).isTrue();
    assertThat(store.history().search(HistoryQuery.all())).extracting(m -> m.annotations().tags())
        .containsExactlyInAnyOrder(List.of("invoice", "spring"), List.of());

    store.queue().record(message.id(), List.of(RecipientOutcome.delivered("bob@example.net", "250", T0.plusSeconds(1))));
    assertThat(store.history().prune(T0.plusSeconds(10), 10)).isEqualTo(1);
    assertThat(count("history_tag")).isZero();
    assertThat(count("history_metadata")).isZero();
  }

  @Test
  void anIdempotencyRecordCommitsWithItsMessageAndSurvivesAReopen() throws Exception {
    NewMessage message = message(T0, Annotations.NONE, Optional.of("app POST /v1/messages k1"));
    store.queue().accept(message);

    IdempotencyRecord found = store.idempotency().find("app POST /v1/messages k1").orElseThrow();
    assertThat(found).isEqualTo(message.idempotency().orElseThrow());
    assertThat(found.isCurrentAt(T0.plus(IdempotencyRecord.KEPT_FOR).minusMillis(1))).isTrue();
    assertThat(found.isCurrentAt(T0.plus(IdempotencyRecord.KEPT_FOR))).isFalse();
    assertThat(store.idempotency().find("app POST /v1/messages k2")).isEmpty();

    store.close();
    store = TestStores.open(dataDirectory, Clock.fixed(T0, ZoneOffset.UTC));
    assertThat(store.idempotency().find("app POST /v1/messages k1")).contains(found);
  }

  @Test
  void aCurrentRecordUnderTheSameScopeRefusesTheSecondMessageAndAStaleOneIsReplaced() throws Exception {
    String scope = "app POST /v1/messages k1";
    NewMessage first = message(T0, Annotations.NONE, Optional.of(scope));
    store.queue().accept(first);

    NewMessage twin = message(T0.plusSeconds(60), Annotations.NONE, Optional.of(scope));
    assertThatThrownBy(() -> store.queue().accept(twin))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.CONFLICT));
    assertThat(store.queueAdmin().find(twin.id())).as("nothing of the refused message is kept").isEmpty();
    assertThat(store.history().show(twin.id())).isEmpty();
    assertThat(store.idempotency().find(scope).orElseThrow().queueId()).isEqualTo(first.id());

    NewMessage later = message(T0.plus(IdempotencyRecord.KEPT_FOR), Annotations.NONE, Optional.of(scope));
    store.queue().accept(later);
    assertThat(store.idempotency().find(scope).orElseThrow().queueId()).isEqualTo(later.id());
  }

  @Test
  void pruningRemovesRecordsOlderThanTheCutoffOldestFirst() throws Exception {
    for (int i = 0; i < 3; i++) {
      store.queue().accept(message(T0.plusSeconds(i), Annotations.NONE, Optional.of("app POST /v1/messages old" + i)));
    }
    store.queue().accept(message(T0.plusSeconds(100), Annotations.NONE, Optional.of("app POST /v1/messages new")));

    assertThat(store.idempotency().prune(T0.plusSeconds(50), 2)).isEqualTo(2);
    assertThat(store.idempotency().find("app POST /v1/messages old0")).isEmpty();
    assertThat(store.idempotency().find("app POST /v1/messages old2")).isPresent();
    assertThat(store.idempotency().prune(T0.plusSeconds(50), 2)).isEqualTo(1);
    assertThat(store.idempotency().prune(T0.plusSeconds(50), 2)).isZero();
    assertThat(store.idempotency().find("app POST /v1/messages new")).isPresent();
  }

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void theNewReadsAndDeletesUseIndexes() throws Exception {
    assertThat(QueryPlans.plan(dataDirectory, AnnotationReader.SELECT_TAGS, List.of("X"))).contains("USING INDEX sqlite_autoindex_history_tag_1");
    assertThat(QueryPlans.plan(dataDirectory, AnnotationReader.SELECT_METADATA, List.of("X")))
        .contains("USING INDEX sqlite_autoindex_history_metadata_1");
    assertThat(QueryPlans.plan(dataDirectory, IdempotencyRecords.SELECT, List.of("X")))
        .contains("USING INDEX sqlite_autoindex_idempotency_1");
    assertThat(QueryPlans.plan(dataDirectory, IdempotencyRecords.DELETE_OLD, List.of(1L, 10)))
        .contains("idempotency_created_at").doesNotContain("TEMP B-TREE").doesNotContainPattern("(?m)^SCAN idempotency$");
  }
}
