package dev.hikyaku.store;

import static dev.hikyaku.store.TestMessages.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.testing.TestStores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
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
    store = TestStores.open(dataDirectory, Clock.fixed(T0, ZoneOffset.UTC));
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
    // SQLite's lower() folds ASCII only, as QueueAdmin.list does: É and é stay apart.
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

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void theRcptLookupSearchesTheKeyIndex() throws Exception {
    suppressions.add(Suppression.manual("example.com", "gone@example.net", T0));
    assertThat(plan(Suppressions.FIND, List.of("example.com", "gone@example.net")))
        .contains("SEARCH suppression USING INDEX suppression_key")
        .doesNotContainPattern("(?m)^SCAN");
  }

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void listingByRecipientSearchesAnIndex() throws Exception {
    assertThat(plan("SELECT * FROM suppression WHERE lower(recipient) = lower(?)", List.of("gone@example.net")))
        .contains("USING INDEX suppression_recipient")
        .doesNotContainPattern("(?m)^SCAN");
  }

  @Test
  void pagesWalkTheGivenDomainsInOrderFromWhereThePageBeforeStopped() throws StoreException {
    for (String recipient : List.of("c@x.example", "A@x.example", "b@x.example")) {
      suppressions.add(Suppression.manual("Alpha.example", recipient, T0));
    }
    suppressions.add(Suppression.manual("beta.example", "z@x.example", T0));
    suppressions.add(Suppression.manual("beta.example", "y@x.example", T0));
    suppressions.add(Suppression.manual("gamma.example", "other@x.example", T0)); // not asked for
    List<String> domains = List.of("beta.example", "alpha.example", "ALPHA.example", "empty.example");

    List<String> all = keys(suppressions.page(domains, Optional.empty(), 100));
    assertThat(all).containsExactly("Alpha.example A@x.example", "Alpha.example b@x.example", "Alpha.example c@x.example",
        "beta.example y@x.example", "beta.example z@x.example");

    // Page by page, each from the position of the last entry of the page before: nothing twice, nothing left out.
    for (int limit = 1; limit <= 5; limit++) {
      List<String> walked = new java.util.ArrayList<>();
      Optional<Suppressions.Position> after = Optional.empty();
      while (true) {
        List<Suppression> page = suppressions.page(domains, after, limit);
        assertThat(page.size()).isLessThanOrEqualTo(limit);
        walked.addAll(keys(page));
        if (page.size() < limit) {
          break;
        }
        after = Optional.of(Suppressions.Position.of(page.getLast()));
      }
      assertThat(walked).as("limit %d", limit).isEqualTo(all);
    }
    // A position folds as the index does.
    assertThat(keys(suppressions.page(domains, Optional.of(new Suppressions.Position("ALPHA.EXAMPLE", "B@X.EXAMPLE")), 2)))
        .containsExactly("Alpha.example c@x.example", "beta.example y@x.example");
    assertThat(suppressions.page(List.of(), Optional.empty(), 10)).isEmpty();
    assertThatThrownBy(() -> suppressions.page(domains, Optional.empty(), 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void removeEverywhereTakesTheAddressOffEachGivenDomainAtOnce() throws StoreException {
    suppressions.add(Suppression.manual("a.example", "gone@x.example", T0));
    suppressions.add(Suppression.manual("b.example", "Gone@X.example", T0));
    suppressions.add(Suppression.manual("c.example", "gone@x.example", T0));

    List<Suppression> removed = suppressions.removeEverywhere(List.of("A.example", "b.example", "none.example"), "gone@x.example");

    assertThat(keys(removed)).containsExactly("a.example gone@x.example", "b.example Gone@X.example");
    assertThat(suppressions.find("c.example", "gone@x.example")).isPresent();
    assertThat(suppressions.removeEverywhere(List.of("a.example", "b.example"), "gone@x.example")).isEmpty();
  }

  @Test
  void addAbsentListsOnlyWhatIsNotListedAndKeepsTheFirstReason() throws StoreException {
    suppressions.add(Suppression.manual("a.example", "gone@x.example", T0));

    List<Suppression> added = suppressions.addAbsent(List.of(
        Suppression.manual("A.example", "gone@x.example", T0.plusSeconds(5)),
        Suppression.manual("b.example", "gone@x.example", T0.plusSeconds(5))));

    assertThat(keys(added)).containsExactly("b.example gone@x.example");
    assertThat(suppressions.find("a.example", "gone@x.example").orElseThrow().createdAt()).isEqualTo(T0);
  }

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void aPageIsARangeOfTheKeyIndexInItsOrder() throws Exception {
    for (String sql : List.of(Suppressions.PAGE, Suppressions.PAGE_AFTER)) {
      List<Object> arguments = sql.equals(Suppressions.PAGE) ? List.of("a.example", 10) : List.of("a.example", "b@x", 10);
      assertThat(plan(sql, arguments)).as(sql)
          .contains("SEARCH suppression USING INDEX suppression_key")
          .doesNotContain("TEMP B-TREE")
          .doesNotContainPattern("(?m)^SCAN");
    }
  }

  private static List<String> keys(List<Suppression> entries) {
    return entries.stream().map(s -> s.senderDomain() + " " + s.recipient()).toList();
  }

  private String plan(String sql, List<Object> arguments) throws Exception {
    return QueryPlans.plan(dataDirectory, sql, arguments);
  }
}
