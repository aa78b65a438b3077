package dev.hikyaku.store;

import static dev.hikyaku.store.TestMessages.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.hikyaku.testing.TestStores;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccountsTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  // Distinctive stand-ins for what dev.hikyaku.auth stores; the store treats them as opaque.
  private static final String ARGON2ID =
      "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$SECRETargon2idHASHvalue000000000000000";
  private static final String SCRAM = "SCRAM-SHA-256$4096:c2FsdA==$SECRETstoredKEY=:SECRETserverKEY=";
  private static final String CRAM = "SECRETcramMd5Equivalent";
  private static final Credentials ALL =
      new Credentials(Optional.of(ARGON2ID), Optional.of(SCRAM), Optional.of(CRAM));
  private static final String HASH_A = "a".repeat(32) + "0123456789abcdef0123456789abcdef";
  private static final String HASH_B = "b".repeat(64);

  /** A clock the test moves by hand. */
  private static final class HandClock extends Clock {
    private final AtomicReference<Instant> now = new AtomicReference<>(T0);

    void advance(Duration by) {
      now.updateAndGet(t -> t.plus(by));
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }

  @TempDir Path dataDirectory;

  private final HandClock clock = new HandClock();
  private Store store;
  private Domains domains;
  private Accounts accounts;
  private AppPasswords appPasswords;
  private ServerSecret serverSecret;

  @BeforeEach
  void open() throws StoreException {
    store = TestStores.open(dataDirectory, clock);
    domains = store.domains();
    accounts = store.accounts();
    appPasswords = store.appPasswords();
    serverSecret = store.serverSecret();
  }

  @AfterEach
  void close() {
    store.close();
  }

  private Accounts reopen() throws StoreException {
    store.close();
    open();
    return accounts;
  }

  private static void assertKind(ThrowingCallable call, StoreException.Kind kind, String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(kind))
        .hasMessageContaining(message);
  }

  private long count(String sql) throws Exception {
    try (Connection raw = TestStores.raw(dataDirectory);
        Statement statement = raw.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  // ---- Domains -----------------------------------------------------------------------------------

  @Test
  void domainsAreAddedLowerCaseAndListedSorted() throws Exception {
    domains.add("Example.ORG");
    domains.add("example.com");
    domains.add("b.example.net");

    assertThat(domains.list()).containsExactly("b.example.net", "example.com", "example.org");
    assertKind(() -> domains.add("EXAMPLE.org"), StoreException.Kind.CONFLICT,
        "domain example.org already exists");
  }

  @Test
  void removingADomainNeedsItToExistAndBeEmpty() throws Exception {
    assertKind(() -> domains.remove("nowhere.example"), StoreException.Kind.NOT_FOUND,
        "domain nowhere.example not found");

    domains.add("example.com");
    accounts.create("alice@example.com", Credentials.none(), FromHeaderPolicy.REJECT);
    accounts.create("bob@example.com", Credentials.none(), FromHeaderPolicy.REJECT);
    accounts.create("carol@example.com", Credentials.none(), FromHeaderPolicy.REJECT);
    assertKind(() -> domains.remove("Example.com"), StoreException.Kind.CONFLICT,
        "domain example.com has 3 accounts; delete them first");

    accounts.delete("alice@example.com");
    accounts.delete("bob@example.com");
    assertKind(() -> domains.remove("example.com"), StoreException.Kind.CONFLICT,
        "domain example.com has 1 account; delete them first");

    accounts.delete("carol@example.com");
    domains.remove("EXAMPLE.COM");
    assertThat(domains.list()).isEmpty();
  }

  @Test
  void malformedDomainsAreRefusedByName() {
    for (String bad : List.of("", "a@b.example", "with space.example", ".example.com", "example.com.")) {
      assertThatThrownBy(() -> domains.add(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("\"" + bad + "\"");
    }
  }

  // ---- Accounts ----------------------------------------------------------------------------------

  @Test
  void accountsAreCreatedAndFoundCaseInsensitively() throws Exception {
    domains.add("example.com");
    Account created = accounts.create("Alice@Example.COM", ALL, FromHeaderPolicy.ADD_SENDER);

    assertThat(created.address()).isEqualTo("alice@example.com");
    assertThat(created.domain()).isEqualTo("example.com");
    assertThat(created.credentials()).isEqualTo(ALL);
    assertThat(created.isDisabled()).isFalse();
    assertThat(created.fromHeader()).isEqualTo(FromHeaderPolicy.ADD_SENDER);
    assertThat(created.createdAt()).isEqualTo(T0);
    assertThat(created.lastLoginAt()).isEmpty();
    assertThat(created.credentialGeneration()).isZero();

    assertThat(accounts.find("ALICE@example.com")).contains(created);
    assertThat(accounts.find("alice@example.org")).isEmpty();
    assertThat(accounts.find("not an address")).isEmpty();
    assertKind(() -> accounts.create("alice@EXAMPLE.com", Credentials.none(), FromHeaderPolicy.REJECT),
        StoreException.Kind.CONFLICT, "account alice@example.com already exists");
    // The account may send as its own address from the start.
    assertThat(accounts.senders("alice@example.com")).containsExactly("alice@example.com");
  }

  @Test
  void creatingInADomainNotAddedFails() throws Exception {
    assertKind(() -> accounts.create("alice@example.com", ALL, FromHeaderPolicy.REJECT),
        StoreException.Kind.NOT_FOUND, "domain example.com not found; add it before creating account alice@example.com");
    assertThat(accounts.find("alice@example.com")).isEmpty();

    // A subdomain of a hosted domain is not hosted.
    domains.add("example.com");
    assertKind(() -> accounts.create("alice@mail.example.com", ALL, FromHeaderPolicy.REJECT),
        StoreException.Kind.NOT_FOUND, "domain mail.example.com not found");
  }

  @Test
  void malformedAddressesAreRefusedByName() throws Exception {
    domains.add("example.com");
    for (String bad : List.of("alice", "@example.com", "alice@", "al ice@example.com", "alice@example.com\r\n")) {
      assertThatThrownBy(() -> accounts.create(bad, Credentials.none(), FromHeaderPolicy.REJECT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad.strip());
    }
    assertThat(accounts.list(Optional.empty())).isEmpty();
  }

  @Test
  void listingIsSortedAndFiltersByDomain() throws Exception {
    domains.add("example.com");
    domains.add("example.org");
    accounts.create("zoe@example.com", Credentials.none(), FromHeaderPolicy.REJECT);
    accounts.create("adam@example.org", Credentials.none(), FromHeaderPolicy.REJECT);
    accounts.create("bob@example.com", Credentials.none(), FromHeaderPolicy.REJECT);

    assertThat(accounts.list(Optional.empty())).extracting(Account::address)
        .containsExactly("adam@example.org", "bob@example.com", "zoe@example.com");
    assertThat(accounts.list(Optional.of("EXAMPLE.com"))).extracting(Account::address)
        .containsExactly("bob@example.com", "zoe@example.com");
    assertKind(() -> accounts.list(Optional.of("example.net")), StoreException.Kind.NOT_FOUND,
        "domain example.net not found");
  }

  @Test
  void credentialsRoundTripAndEveryCredentialChangeBumpsTheGeneration() throws Exception {
    domains.add("example.com");
    accounts.create("alice@example.com", ALL, FromHeaderPolicy.REJECT);

    Credentials argonOnly = new Credentials(Optional.of(ARGON2ID + "v2"), Optional.empty(), Optional.empty());
    accounts.setCredentials("Alice@example.com", argonOnly);
    Account afterSet = reopen().find("alice@example.com").orElseThrow();
    assertThat(afterSet.credentials()).isEqualTo(argonOnly);
    assertThat(afterSet.credentialGeneration()).isEqualTo(1);

    accounts.setCredentials("alice@example.com", Credentials.none());
    Account afterClear = accounts.find("alice@example.com").orElseThrow();
    assertThat(afterClear.credentials()).isEqualTo(Credentials.none());
    assertThat(afterClear.credentials().isEmpty()).isTrue();
    assertThat(afterClear.credentialGeneration()).isEqualTo(2);

    // The From: policy decides no login: nothing to invalidate.
    accounts.setFromHeaderPolicy("alice@example.com", FromHeaderPolicy.ADD_SENDER);
    Account afterPolicy = accounts.find("alice@example.com").orElseThrow();
    assertThat(afterPolicy.fromHeader()).isEqualTo(FromHeaderPolicy.ADD_SENDER);
    assertThat(afterPolicy.credentialGeneration()).isEqualTo(2);

    assertKind(() -> accounts.setCredentials("bob@example.com", ALL), StoreException.Kind.NOT_FOUND,
        "account bob@example.com not found");
    assertKind(() -> accounts.setFromHeaderPolicy("bob@example.com", FromHeaderPolicy.REJECT),
        StoreException.Kind.NOT_FOUND, "account bob@example.com not found");
  }

  @Test
  void disablingAndEnablingBumpTheGeneration() throws Exception {
    domains.add("example.com");
    accounts.create("alice@example.com", ALL, FromHeaderPolicy.REJECT);

    accounts.setDisabled("alice@example.com", true);
    Account disabled = accounts.find("alice@example.com").orElseThrow();
    assertThat(disabled.isDisabled()).isTrue();
    assertThat(disabled.credentialGeneration()).isEqualTo(1);
    assertThat(disabled.credentials()).isEqualTo(ALL);

    accounts.setDisabled("ALICE@example.com", false);
    Account enabled = accounts.find("alice@example.com").orElseThrow();
    assertThat(enabled.isDisabled()).isFalse();
    assertThat(enabled.credentialGeneration()).isEqualTo(2);

    assertKind(() -> accounts.setDisabled("bob@example.com", true), StoreException.Kind.NOT_FOUND,
        "account bob@example.com not found");
  }

  @Test
  void deleteCascadesToSendersAndAppPasswords() throws Exception {
    domains.add("example.com");
    accounts.create("alice@example.com", ALL, FromHeaderPolicy.REJECT);
    accounts.create("bob@example.com", ALL, FromHeaderPolicy.REJECT);
    accounts.addSender("alice@example.com", "@example.org");
    appPasswords.add("alice@example.com", "phone", HASH_A);
    appPasswords.add("bob@example.com", "phone", HASH_B);

    accounts.delete("Alice@Example.com");

    assertThat(accounts.find("alice@example.com")).isEmpty();
    assertThat(count("SELECT count(*) FROM account_sender")).isEqualTo(1); // bob's own address
    assertThat(count("SELECT count(*) FROM app_password")).isEqualTo(1);
    assertThat(appPasswords.findActive("bob@example.com", HASH_B)).isPresent();
    assertKind(() -> accounts.delete("alice@example.com"), StoreException.Kind.NOT_FOUND,
        "account alice@example.com not found");
    assertKind(() -> accounts.senders("alice@example.com"), StoreException.Kind.NOT_FOUND,
        "account alice@example.com not found");
  }

  @Test
  void idsAreNeverReusedAfterDelete() throws Exception {
    domains.add("example.com");
    Account first = accounts.create("alice@example.com", ALL, FromHeaderPolicy.REJECT);
    AppPassword firstPassword = appPasswords.add("alice@example.com", "phone", HASH_A);
    accounts.delete("alice@example.com");

    Account second = reopen().create("alice@example.com", ALL, FromHeaderPolicy.REJECT);
    AppPassword secondPassword = appPasswords.add("alice@example.com", "phone", HASH_A);

    // A pending "last used" recording or a cache entry for the old ids must not hit the new rows.
    assertThat(second.id()).isGreaterThan(first.id());
    assertThat(secondPassword.id()).isGreaterThan(firstPassword.id());
  }

  // ---- Senders -----------------------------------------------------------------------------------

  @Test
  void sendersIncludeWholeDomainsAndDecideMaySendAs() throws Exception {
    domains.add("example.com");
    accounts.create("alice@example.com", ALL, FromHeaderPolicy.REJECT);
    accounts.create("bob@example.com", ALL, FromHeaderPolicy.REJECT);
    accounts.addSender("alice@example.com", "Sales@Example.COM");
    accounts.addSender("ALICE@example.com", "@Example.ORG");

    assertThat(accounts.senders("alice@example.com"))
        .containsExactly("@example.org", "alice@example.com", "sales@example.com");
    assertKind(() -> accounts.addSender("alice@example.com", "SALES@example.com"),
        StoreException.Kind.CONFLICT, "account alice@example.com may already send as sales@example.com");
    assertKind(() -> accounts.addSender("carol@example.com", "@example.org"),
        StoreException.Kind.NOT_FOUND, "account carol@example.com not found");

    // Exact, case-insensitive on both sides.
    assertThat(accounts.maySendAs("alice@example.com", "alice@example.com")).isTrue();
    assertThat(accounts.maySendAs("Alice@Example.com", "SALES@example.COM")).isTrue();
    // Domain-wide.
    assertThat(accounts.maySendAs("alice@example.com", "anyone@example.org")).isTrue();
    assertThat(accounts.maySendAs("alice@example.com", "Anyone@EXAMPLE.org")).isTrue();
    // Not a subdomain, not a suffix.
    assertThat(accounts.maySendAs("alice@example.com", "anyone@mail.example.org")).isFalse();
    assertThat(accounts.maySendAs("alice@example.com", "x@badexample.org")).isFalse();
    // Not owned: another account's address, the hosted domain as a whole.
    assertThat(accounts.maySendAs("alice@example.com", "bob@example.com")).isFalse();
    assertThat(accounts.maySendAs("bob@example.com", "sales@example.com")).isFalse();
    assertThat(accounts.maySendAs("bob@example.com", "anyone@example.org")).isFalse();
    // Not an address, null reverse-path, unknown account.
    assertThat(accounts.maySendAs("alice@example.com", "")).isFalse();
    assertThat(accounts.maySendAs("alice@example.com", "@example.org")).isFalse();
    assertThat(accounts.maySendAs("alice@example.com", "example.org")).isFalse();
    assertThat(accounts.maySendAs("carol@example.com", "carol@example.com")).isFalse();

    accounts.removeSender("alice@example.com", "@EXAMPLE.org");
    assertThat(accounts.maySendAs("alice@example.com", "anyone@example.org")).isFalse();
    assertKind(() -> accounts.removeSender("alice@example.com", "@example.org"),
        StoreException.Kind.NOT_FOUND, "account alice@example.com has no sender @example.org");
    assertThat(accounts.senders("alice@example.com"))
        .containsExactly("alice@example.com", "sales@example.com");
  }

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void recipientsAreTheAccountsAndWhatTheyMaySendAs() throws Exception {
    domains.add("example.com");
    accounts.create("alice@example.com", ALL, FromHeaderPolicy.REJECT);
    accounts.addSender("alice@example.com", "sales@example.com");
    accounts.addSender("alice@example.com", "@example.org");
    accounts.setDisabled("alice@example.com", true);

    // The account, its alias and every address of its @domain, in any case; disabled or not.
    assertThat(accounts.isRecipient("alice@example.com")).isTrue();
    assertThat(accounts.isRecipient("ALICE@Example.com")).isTrue();
    assertThat(accounts.isRecipient("Sales@example.com")).isTrue();
    assertThat(accounts.isRecipient("anyone@EXAMPLE.org")).isTrue();
    // Nothing else: another local part, a subdomain, a bare domain, no address at all.
    assertThat(accounts.isRecipient("bob@example.com")).isFalse();
    assertThat(accounts.isRecipient("anyone@mail.example.org")).isFalse();
    assertThat(accounts.isRecipient("@example.org")).isFalse();
    assertThat(accounts.isRecipient("example.org")).isFalse();
    assertThat(accounts.isRecipient("")).isFalse();
    assertThat(accounts.isRecipient(null)).isFalse();
    // An account without its own address among its senders is still a recipient.
    accounts.removeSender("alice@example.com", "alice@example.com");
    assertThat(accounts.isRecipient("alice@example.com")).isTrue();

    // Both halves are index lookups: a stranger's RCPT never scans a table.
    assertThat(QueryPlans.plan(dataDirectory, Accounts.SELECT_RECIPIENT, List.of("x@example.com", "x@example.com", "@example.com")))
        .doesNotContainPattern("(?m)^SCAN ").contains("USING").contains("account_sender_sender");
  }

  @Test
  void malformedSendersAreRefusedByName() throws Exception {
    domains.add("example.com");
    accounts.create("alice@example.com", ALL, FromHeaderPolicy.REJECT);
    for (String bad : List.of("", "sales", "@", "sales@", "@exa mple.org")) {
      assertThatThrownBy(() -> accounts.addSender("alice@example.com", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("\"" + bad + "\"");
    }
    assertThat(accounts.senders("alice@example.com")).containsExactly("alice@example.com");
  }

  // ---- App passwords -----------------------------------------------------------------------------

  @Test
  void appPasswordsAreAddedFoundByHashAndRevoked() throws Exception {
    domains.add("example.com");
    accounts.create("alice@example.com", ALL, FromHeaderPolicy.REJECT);
    accounts.create("bob@example.com", ALL, FromHeaderPolicy.REJECT);

    AppPassword phone = appPasswords.add("alice@example.com", "phone", HASH_A.toUpperCase());
    clock.advance(Duration.ofMinutes(1));
    AppPassword laptop = appPasswords.add("alice@example.com", "laptop", HASH_B);
    assertThat(phone.name()).isEqualTo("phone");
    assertThat(phone.keyedHash()).isEqualTo(HASH_A); // stored lower-case
    assertThat(phone.createdAt()).isEqualTo(T0);
    assertThat(phone.isActive()).isTrue();
    assertThat(phone.lastUsedAt()).isEmpty();
    // Adding an app password invalidates nothing.
    assertThat(accounts.find("alice@example.com").orElseThrow().credentialGeneration()).isZero();

    assertThat(appPasswords.findActive("ALICE@example.com", HASH_A)).contains(phone);
    assertThat(appPasswords.findActive("alice@example.com", HASH_A.toUpperCase())).contains(phone);
    // A hash is looked up only among the account's own app passwords.
    assertThat(appPasswords.findActive("bob@example.com", HASH_A)).isEmpty();
    assertThat(appPasswords.findActive("alice@example.com", "c".repeat(64))).isEmpty();
    assertThat(appPasswords.findActive("nobody@example.com", HASH_A)).isEmpty();

    assertKind(() -> appPasswords.add("alice@example.com", "phone", "d".repeat(64)),
        StoreException.Kind.CONFLICT, "account alice@example.com already has an app password named \"phone\"");
    // The same name under another account is fine.
    appPasswords.add("bob@example.com", "phone", "e".repeat(64));

    clock.advance(Duration.ofMinutes(1));
    appPasswords.revoke("alice@example.com", "phone");
    assertThat(appPasswords.findActive("alice@example.com", HASH_A)).isEmpty();
    assertThat(appPasswords.findActive("alice@example.com", HASH_B)).contains(laptop);
    assertThat(accounts.find("alice@example.com").orElseThrow().credentialGeneration()).isEqualTo(1);
    assertThat(accounts.find("bob@example.com").orElseThrow().credentialGeneration()).isZero();

    reopen();
    List<AppPassword> listed = appPasswords.list("alice@example.com");
    assertThat(listed).extracting(AppPassword::name).containsExactly("phone", "laptop");
    assertThat(listed.get(0).isActive()).isFalse();
    assertThat(listed.get(0).revokedAt()).contains(T0.plus(Duration.ofMinutes(2)));
    assertThat(listed.get(1)).isEqualTo(laptop);

    assertKind(() -> appPasswords.revoke("alice@example.com", "phone"),
        StoreException.Kind.NOT_FOUND, "account alice@example.com has no active app password named \"phone\"");
    assertKind(() -> appPasswords.revoke("alice@example.com", "tablet"),
        StoreException.Kind.NOT_FOUND, "no active app password named \"tablet\"");
    // A revoked name stays taken, so it keeps meaning one password in the history.
    assertKind(() -> appPasswords.add("alice@example.com", "phone", "f".repeat(64)),
        StoreException.Kind.CONFLICT, "already has an app password named \"phone\" (revoked)");
    assertKind(() -> appPasswords.list("carol@example.com"), StoreException.Kind.NOT_FOUND,
        "account carol@example.com not found");
    assertKind(() -> appPasswords.add("carol@example.com", "x", HASH_A),
        StoreException.Kind.NOT_FOUND, "account carol@example.com not found");
  }

  @Test
  void malformedKeyedHashIsRefusedWithoutEchoingIt() throws Exception {
    domains.add("example.com");
    accounts.create("alice@example.com", ALL, FromHeaderPolicy.REJECT);
    String tooShort = "SECRETSECRET0123";
    String notHex = "g".repeat(64);
    String otherDigits = "٣".repeat(64); // ARABIC-INDIC DIGIT THREE: a digit, but not hex
    for (String bad : List.of(tooShort, notHex, otherDigits)) {
      assertThatThrownBy(() -> appPasswords.add("alice@example.com", "phone", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("64 hex digits")
          .hasMessageNotContaining(bad);
    }
    assertThatThrownBy(() -> appPasswords.add("alice@example.com", " ", HASH_A))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(appPasswords.list("alice@example.com")).isEmpty();
  }

  // ---- Last-use recordings -----------------------------------------------------------------------

  @Test
  void recordingsAreFlushedOnCloseAndTheLastOneWins() throws Exception {
    domains.add("example.com");
    accounts.create("alice@example.com", ALL, FromHeaderPolicy.REJECT);
    accounts.create("bob@example.com", ALL, FromHeaderPolicy.REJECT);
    AppPassword phone = appPasswords.add("alice@example.com", "phone", HASH_A);
    Instant t1 = T0.plusSeconds(10);
    Instant t2 = T0.plusSeconds(20);

    accounts.recordLogin("alice@example.com", t1);
    accounts.recordLogin("ALICE@example.com", t2);
    appPasswords.recordUse(phone.id(), t1);
    appPasswords.recordUse(phone.id(), t2);
    // Unknown names are nobody's business but the log's; they never throw.
    accounts.recordLogin("nobody@example.com", t2);
    appPasswords.recordUse(Long.MAX_VALUE, t2);

    Accounts reopened = reopen();
    assertThat(reopened.find("alice@example.com").orElseThrow().lastLoginAt()).contains(t2);
    assertThat(reopened.find("bob@example.com").orElseThrow().lastLoginAt()).isEmpty();
    assertThat(appPasswords.list("alice@example.com").getFirst().lastUsedAt()).contains(t2);
  }

  @Test
  void aBurstOfLoginsFromManyThreadsEndsAsOneValue() throws Exception {
    domains.add("example.com");
    accounts.create("alice@example.com", ALL, FromHeaderPolicy.REJECT);
    Instant last = T0.plusSeconds(1000);
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      IntStream.range(0, 500).forEach(i ->
          threads.submit(() -> accounts.recordLogin("alice@example.com", T0.plusSeconds(i))));
    }
    accounts.recordLogin("alice@example.com", last);

    assertThat(reopen().find("alice@example.com").orElseThrow().lastLoginAt()).contains(last);
  }

  @Tag(TestStores.SQLITE_ONLY)
  @Test
  void recordingsBecomeVisibleWhileOpenWithoutBlockingTheCaller() throws Exception {
    domains.add("example.com");
    accounts.create("alice@example.com", ALL, FromHeaderPolicy.REJECT);
    AppPassword phone = appPasswords.add("alice@example.com", "phone", HASH_A);
    Instant at = T0.plusSeconds(42);

    // Another process holds the write lock: the recorder has to wait, the caller must not.
    try (Connection other = TestStores.raw(dataDirectory);
        Statement statement = other.createStatement()) {
      statement.execute("BEGIN IMMEDIATE");
      assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
        for (int i = 0; i < 1000; i++) {
          accounts.recordLogin("alice@example.com", at);
          appPasswords.recordUse(phone.id(), at);
        }
      });
      statement.execute("COMMIT");
    }

    await().atMost(PATIENCE).untilAsserted(() -> {
      assertThat(accounts.find("alice@example.com").orElseThrow().lastLoginAt()).contains(at);
      assertThat(appPasswords.list("alice@example.com").getFirst().lastUsedAt()).contains(at);
    });
    // 2000 recordings, coalesced: at most the first of each (taken before the lock was seen) and
    // then one for all the rest.
    assertThat(store.lastUses().rowsUpdated()).isBetween(2L, 4L);
  }

  // ---- Server secret -----------------------------------------------------------------------------

  @Test
  void serverSecretIs32BytesAndStableAcrossCallsReopenAndProcesses() throws Exception {
    byte[] first = serverSecret.value();
    assertThat(first).hasSize(32);
    assertThat(first).isNotEqualTo(new byte[32]);
    assertThat(serverSecret.value()).isEqualTo(first);

    // A copy: a caller scribbling on it changes nothing.
    first[0] ^= 1;
    byte[] again = serverSecret.value();
    assertThat(again).isNotEqualTo(first);
    first[0] ^= 1;
    assertThat(again).isEqualTo(first);

    try (Store other = TestStores.open(dataDirectory, clock)) {
      assertThat(other.serverSecret().value()).isEqualTo(first);
    }
    reopen();
    assertThat(serverSecret.value()).isEqualTo(first);
    assertThat(count("SELECT count(*) FROM server_secret")).isEqualTo(1);
  }

  @Test
  void serverSecretsDifferBetweenStores(@TempDir Path elsewhere) throws Exception {
    try (Store other = TestStores.open(elsewhere, clock)) {
      assertThat(other.serverSecret().value()).isNotEqualTo(serverSecret.value());
    }
  }

  @Test
  void aSecondStoreCreatingTheSecretFirstIsTheOneKept() throws Exception {
    try (Store other = TestStores.open(dataDirectory, clock)) {
      byte[] theirs = other.serverSecret().value();
      assertThat(serverSecret.value()).isEqualTo(theirs);
    }
  }

  // ---- Secrets never printed ---------------------------------------------------------------------

  @Test
  void toStringNamesWhichCredentialsArePresentButNeverTheirValues() throws Exception {
    domains.add("example.com");
    Account account = accounts.create("alice@example.com",
        new Credentials(Optional.of(ARGON2ID), Optional.empty(), Optional.of(CRAM)),
        FromHeaderPolicy.ADD_SENDER);
    AppPassword phone = appPasswords.add("alice@example.com", "phone", HASH_A);
    appPasswords.revoke("alice@example.com", "phone");
    AppPassword revoked = appPasswords.list("alice@example.com").getFirst();

    String printed = String.join("\n", ALL.toString(), account.toString(),
        account.credentials().toString(), phone.toString(), revoked.toString(),
        accounts.list(Optional.empty()).toString(), appPasswords.list("alice@example.com").toString());

    for (String secret : List.of(ARGON2ID, SCRAM, CRAM, HASH_A, "SECRET", "argon2id$", "0123456789abcdef")) {
      assertThat(printed).doesNotContain(secret);
    }
    assertThat(account.credentials().toString())
        .isEqualTo("Credentials[argon2id=present, scramSha256=absent, cramMd5=present]");
    assertThat(account.toString())
        .contains("alice@example.com", "argon2id=present", "add-sender", "lastLoginAt=never");
    assertThat(phone.toString()).contains("phone", "revokedAt=active");
    assertThat(revoked.toString()).contains("revokedAt=" + T0);
  }

  @Test
  void emptyCredentialStringsAreRefusedWithoutAValue() {
    assertThatThrownBy(() -> new Credentials(Optional.of(""), Optional.empty(), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("argon2id");
  }

  @Test
  void fromHeaderPolicyHasConfigNames() {
    assertThat(FromHeaderPolicy.REJECT.configName()).isEqualTo("reject");
    assertThat(FromHeaderPolicy.ADD_SENDER.configName()).isEqualTo("add-sender");
    assertThat(FromHeaderPolicy.parse("Add-Sender")).contains(FromHeaderPolicy.ADD_SENDER);
    assertThat(FromHeaderPolicy.parse("reject")).contains(FromHeaderPolicy.REJECT);
    assertThat(FromHeaderPolicy.parse("add_sender")).isEmpty();
    assertThat(FromHeaderPolicy.parse(null)).isEmpty();
  }

  // ---- Another process on the same store ---------------------------------------------------------

  @Test
  void aSecondStoreOnTheSameDirectorySeesTheFirstsChanges() throws Exception {
    try (Store other = TestStores.open(dataDirectory, clock)) {
      Accounts cli = other.accounts();
      // The CLI (another process) adds a domain and an account while the server runs...
      other.domains().add("example.com");
      cli.create("alice@example.com", ALL, FromHeaderPolicy.REJECT);
      cli.addSender("alice@example.com", "@example.org");
      other.appPasswords().add("alice@example.com", "phone", HASH_A);

      // ...and the server sees them at its next read.
      assertThat(domains.list()).containsExactly("example.com");
      assertThat(accounts.find("alice@example.com").orElseThrow().credentials()).isEqualTo(ALL);
      assertThat(accounts.maySendAs("alice@example.com", "x@example.org")).isTrue();
      assertThat(appPasswords.findActive("alice@example.com", HASH_A)).isPresent();

      // Both ways, and conflicts are seen across processes.
      accounts.setDisabled("alice@example.com", true);
      assertThat(cli.find("alice@example.com").orElseThrow().isDisabled()).isTrue();
      assertKind(() -> accounts.create("alice@example.com", ALL, FromHeaderPolicy.REJECT),
          StoreException.Kind.CONFLICT, "account alice@example.com already exists");

      other.appPasswords().revoke("alice@example.com", "phone");
      assertThat(appPasswords.findActive("alice@example.com", HASH_A)).isEmpty();
      assertThat(accounts.find("alice@example.com").orElseThrow().credentialGeneration()).isEqualTo(2);
    }
  }

  // ---- Lifecycle ---------------------------------------------------------------------------------

  @Test
  void afterCloseChangesAndReadsFailAsClosedAndRecordingsAreDropped() throws Exception {
    domains.add("example.com");
    accounts.create("alice@example.com", ALL, FromHeaderPolicy.REJECT);
    store.close();

    assertKind(() -> accounts.create("bob@example.com", ALL, FromHeaderPolicy.REJECT),
        StoreException.Kind.CLOSED, "creating account bob@example.com");
    assertKind(() -> accounts.find("alice@example.com"), StoreException.Kind.CLOSED, "alice@example.com");
    assertKind(() -> domains.list(), StoreException.Kind.CLOSED, "store is closed");
    accounts.recordLogin("alice@example.com", T0); // no exception
    appPasswords.recordUse(1, T0);

    assertThat(reopen().find("alice@example.com").orElseThrow().lastLoginAt()).isEmpty();
  }

  @Test
  void migrationV2IsRecorded() throws Exception {
    try (Connection raw = TestStores.raw(dataDirectory);
        PreparedStatement history = raw.prepareStatement(
            "SELECT description FROM flyway_schema_history WHERE success AND version = '2'");
        ResultSet rows = history.executeQuery()) {
      assertThat(rows.next()).isTrue();
      assertThat(rows.getString(1)).isEqualTo("accounts");
    }
  }
}
