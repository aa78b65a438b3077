package dev.hikyaku.store;

import static dev.hikyaku.store.TestMessages.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The suppression list (issue 12, item 6) on a real SQLite store. */
class SuppressionsTest {

  @TempDir Path dataDirectory;

  private final TestMessages messages = new TestMessages();
  private Store store;
  private Suppressions suppressions;

  @BeforeEach
  void open() throws StoreException {
    store = Store.openSqlite(dataDirectory, Clock.fixed(T0, ZoneOffset.UTC));
    suppressions = store.suppressions();
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void addFindListRemove() throws StoreException {
    suppressions.add(Suppression.manual("example.com", "gone@example.net", T0));
    suppressions.add(Suppression.manual("other.example", "gone@example.net", T0.plusSeconds(1)));

    Optional<Suppression> found = suppressions.find("example.com", "gone@example.net");
    assertThat(found).isPresent();
    assertThat(found.get().reason()).isEqualTo(Suppression.Reason.MANUAL);
    assertThat(found.get().createdAt()).isEqualTo(T0);
    assertThat(found.get().enhancedStatus()).isEmpty();
    assertThat(suppressions.find("example.org", "gone@example.net")).isEmpty();

    assertThat(suppressions.list(Optional.empty(), Optional.empty()))
        .extracting(Suppression::senderDomain).containsExactly("example.com", "other.example");
    assertThat(suppressions.list(Optional.of("OTHER.example"), Optional.empty())).hasSize(1);
    assertThat(suppressions.list(Optional.empty(), Optional.of("GONE@example.net"))).hasSize(2);
    assertThat(suppressions.list(Optional.of("example.com"), Optional.of("gone@example.net"))).hasSize(1);

    suppressions.remove("Example.COM", "Gone@Example.net");
    assertThat(suppressions.find("example.com", "gone@example.net")).isEmpty();
    assertThat(suppressions.find("other.example", "gone@example.net")).isPresent();
  }

  @Test
  void domainAndAddressAreFoldedAsTheQueueFoldsThem() throws StoreException {
    suppressions.add(Suppression.manual("Example.COM", "Gone@Example.NET", T0));
    assertThat(suppressions.find("example.com", "gone@example.net")).isPresent();
    // SQLite's lower() folds ASCII only, as MessageQueue.list does: É and é stay apart.
    suppressions.add(Suppression.manual("example.com", "É@example.net", T0));
    assertThat(suppressions.find("example.com", "é@example.net")).isEmpty();
  }

  @Test
  void addingAListedRecipientIsAConflictAndKeepsTheFirst() throws StoreException {
    suppressions.add(Suppression.manual("example.com", "gone@example.net", T0));
    assertThatThrownBy(() -> suppressions.add(Suppression.manual("EXAMPLE.com", "GONE@example.net", T0.plusSeconds(60))))
        .isInstanceOfSatisfying(StoreException.class, e -> {
          assertThat(e.kind()).isEqualTo(StoreException.Kind.CONFLICT);
          assertThat(e.getMessage()).contains("already suppressed", "manual");
        });
    assertThat(suppressions.find("example.com", "gone@example.net").orElseThrow().createdAt()).isEqualTo(T0);
  }

  @Test
  void removingAnUnlistedRecipientIsNotFound() {
    assertThatThrownBy(() -> suppressions.remove("example.com", "nobody@example.net"))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.NOT_FOUND));
  }

  @Test
  void hardBouncesAreListedInTheTransactionThatRecordsTheFailure() throws StoreException {
    NewMessage message = messages.message(T0, "app@example.com", "gone@example.net", "ok@example.net");
    store.queue().accept(message);
    Suppression bounce = Suppression.hardBounce("example.com", "gone@example.net", "5.1.1",
        "smtp; 550 5.1.1 no such user", message.id(), T0.plusSeconds(5));
    store.queue().record(message.id(),
        List.of(RecipientOutcome.failed("gone@example.net", "5.1.1", T0.plusSeconds(5))), List.of(), List.of(bounce));

    Suppression found = suppressions.find("example.com", "gone@example.net").orElseThrow();
    assertThat(found.reason()).isEqualTo(Suppression.Reason.HARD_BOUNCE);
    assertThat(found.enhancedStatus()).contains("5.1.1");
    assertThat(found.diagnostic()).contains("smtp; 550 5.1.1 no such user");
    assertThat(found.queueId()).contains(message.id());

    // A second bounce of the same address keeps the first time.
    NewMessage again = messages.message(T0.plus(Duration.ofHours(1)), "app@example.com", "gone@example.net");
    store.queue().accept(again);
    store.queue().record(again.id(),
        List.of(RecipientOutcome.failed("gone@example.net", "5.1.1", T0.plus(Duration.ofHours(1)))), List.of(),
        List.of(Suppression.hardBounce("example.com", "GONE@example.net", "5.1.1", "smtp; 550", again.id(), T0.plus(Duration.ofHours(1)))));
    assertThat(suppressions.find("example.com", "gone@example.net").orElseThrow().createdAt()).isEqualTo(T0.plusSeconds(5));
  }

  @Test
  void aFailedRecordListsNothing() throws StoreException {
    NewMessage message = messages.message(T0, "app@example.com", "gone@example.net");
    store.queue().accept(message);
    assertThatThrownBy(() -> store.queue().record(message.id(),
        List.of(RecipientOutcome.failed("stranger@example.net", "5.1.1", T0)), List.of(),
        List.of(Suppression.hardBounce("example.com", "stranger@example.net", "5.1.1", "smtp; 550", message.id(), T0))))
        .isInstanceOf(StoreException.class);
    assertThat(suppressions.find("example.com", "stranger@example.net")).isEmpty();
  }

  @Test
  void theRcptLookupSearchesTheKeyIndex() throws Exception {
    suppressions.add(Suppression.manual("example.com", "gone@example.net", T0));
    assertThat(plan(Suppressions.FIND, List.of("example.com", "gone@example.net")))
        .contains("SEARCH suppression USING INDEX suppression_key")
        .doesNotContainPattern("(?m)^SCAN");
  }

  @Test
  void listingByRecipientSearchesAnIndex() throws Exception {
    assertThat(plan("SELECT * FROM suppression WHERE lower(recipient) = lower(?)", List.of("gone@example.net")))
        .contains("USING INDEX suppression_recipient")
        .doesNotContainPattern("(?m)^SCAN");
  }

  private String plan(String sql, List<Object> arguments) throws Exception {
    return QueryPlans.plan(dataDirectory, sql, arguments);
  }
}
