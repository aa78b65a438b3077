package dev.hikyaku.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.testing.TestStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {

  private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");

  @TempDir Path dataDirectory;

  private Store store;
  private ApiKeys keys;
  private byte[] secret;

  @BeforeEach
  void open() throws StoreException {
    store = TestStores.open(dataDirectory, Clock.fixed(T0, ZoneOffset.UTC));
    keys = store.apiKeys();
    Accounts accounts = store.accounts();
    if (store.domains().list().isEmpty()) {
      store.domains().add("a.example");
      accounts.create("app@a.example", Credentials.none(), FromHeaderPolicy.REJECT);
      accounts.addSender("app@a.example", "@a.example");
      accounts.addSender("app@a.example", "news@b.example");
    }
    secret = store.serverSecret().value();
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static void assertKind(ThrowingCallable call, StoreException.Kind kind, String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(kind))
        .hasMessageContaining(message);
  }

  private ApiKey add(String name, String key, Set<ApiKey.Scope> scopes, List<String> senders, List<String> networks)
      throws StoreException {
    return keys.add("App@A.example", name, GeneratedSecrets.keyedHash(secret, key), scopes, senders, networks,
        ApiKey.Limits.NONE);
  }

  @Test
  void storesTheKeyedHashAndFindsTheKeyByIt() throws Exception {
    String key = GeneratedSecrets.newApiKey(new Random(1));
    ApiKey added = add("ci", key, EnumSet.of(ApiKey.Scope.SEND, ApiKey.Scope.READ), List.of("@A.example"),
        List.of("192.0.2.0/24"));

    assertThat(added.account()).isEqualTo("app@a.example");
    assertThat(added.scopes()).containsExactlyInAnyOrder(ApiKey.Scope.SEND, ApiKey.Scope.READ);
    assertThat(added.senders()).containsExactly("@a.example");
    assertThat(added.allowedNetworks()).containsExactly("192.0.2.0/24");
    assertThat(added.keyedHash()).isEqualTo(GeneratedSecrets.keyedHash(secret, key)).isNotEqualTo(key);
    assertThat(added.toString()).doesNotContain(added.keyedHash());
    assertThat(keys.findActive(GeneratedSecrets.keyedHash(secret, key))).contains(added);
    assertThat(keys.findActive(GeneratedSecrets.keyedHash(secret, GeneratedSecrets.newApiKey(new Random(2))))).isEmpty();

    store.close();
    String stored = storedText();
    assertThat(stored).contains(added.keyedHash()).doesNotContain(key).doesNotContain(key.substring(3));
    open();
  }

  @Test
  void aKeysOwnLimitsSurviveTheRoundTripAndNoneIsStoredAsNone() throws Exception {
    String key = GeneratedSecrets.newApiKey(new Random(12));
    ApiKey.Limits limits = new ApiKey.Limits(OptionalInt.of(30), OptionalInt.of(5_000));
    keys.add("App@A.example", "limited", GeneratedSecrets.keyedHash(secret, key), EnumSet.of(ApiKey.Scope.SEND),
        List.of(), List.of(), limits);
    keys.add("App@A.example", "daily-only", "d".repeat(64), EnumSet.of(ApiKey.Scope.SEND), List.of(), List.of(),
        new ApiKey.Limits(OptionalInt.empty(), OptionalInt.of(1)));
    add("unlimited", GeneratedSecrets.newApiKey(new Random(13)), EnumSet.of(ApiKey.Scope.SEND), List.of(), List.of());

    store.close();
    open();

    assertThat(keys.findActive(GeneratedSecrets.keyedHash(secret, key)).orElseThrow().limits()).isEqualTo(limits);
    assertThat(keys.list(Optional.empty())).extracting(ApiKey::limits).containsExactly(
        limits, new ApiKey.Limits(OptionalInt.empty(), OptionalInt.of(1)), ApiKey.Limits.NONE);
    ApiKey stored = keys.list(Optional.empty()).getFirst();
    assertThat(stored.toString()).contains("limits=").doesNotContain(stored.keyedHash());
    assertThatThrownBy(() -> new ApiKey.Limits(OptionalInt.of(0), OptionalInt.empty()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void revokedKeysAreNotFoundAndKeepTheirName() throws Exception {
    String key = GeneratedSecrets.newApiKey(new Random(3));
    add("deploy", key, EnumSet.of(ApiKey.Scope.SEND), List.of(), List.of());

    ApiKey revoked = keys.revoke("deploy");

    assertThat(revoked.isActive()).isFalse();
    assertThat(revoked.revokedAt()).contains(T0);
    assertThat(keys.findActive(GeneratedSecrets.keyedHash(secret, key))).isEmpty();
    assertKind(() -> keys.revoke("deploy"), StoreException.Kind.NOT_FOUND, "no active API key named \"deploy\"");
    assertKind(() -> add("deploy", GeneratedSecrets.newApiKey(new Random(4)), EnumSet.of(ApiKey.Scope.READ), List.of(), List.of()),
        StoreException.Kind.CONFLICT, "already exists (revoked)");
    assertThat(keys.list(Optional.of("app@a.example"))).extracting(ApiKey::name).containsExactly("deploy");
  }

  @Test
  void aKeyNarrowsItsAccountNeverWidensIt() throws Exception {
    Set<ApiKey.Scope> send = EnumSet.of(ApiKey.Scope.SEND);
    add("one", GeneratedSecrets.newApiKey(new Random(5)), send, List.of("x@a.example", "news@b.example"), List.of());

    assertKind(() -> add("two", GeneratedSecrets.newApiKey(new Random(6)), send, List.of("@b.example"), List.of()),
        StoreException.Kind.CONFLICT, "may not send as @b.example");
    assertKind(() -> add("three", GeneratedSecrets.newApiKey(new Random(7)), send, List.of("other@c.example"), List.of()),
        StoreException.Kind.CONFLICT, "may not send as other@c.example");
    assertKind(() -> keys.add("nobody@a.example", "four", "c".repeat(64), send, List.of(), List.of(), ApiKey.Limits.NONE),
        StoreException.Kind.NOT_FOUND, "account nobody@a.example not found");
    assertThatThrownBy(() -> add("five", "k", Set.of(), List.of(), List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> add("has space", "k", send, List.of(), List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void listsAllKeysOrOneAccountsAndRecordsUse() throws Exception {
    ApiKey first = add("first", GeneratedSecrets.newApiKey(new Random(8)), EnumSet.of(ApiKey.Scope.ADMIN), List.of(), List.of());
    add("second", GeneratedSecrets.newApiKey(new Random(9)), EnumSet.of(ApiKey.Scope.READ), List.of(), List.of());

    keys.recordUse(first.id(), T0.plusSeconds(5));
    store.close();
    open();

    assertThat(keys.list(Optional.empty())).extracting(ApiKey::name).containsExactly("first", "second");
    assertThat(keys.list(Optional.of("app@a.example")).getFirst().lastUsedAt()).contains(T0.plusSeconds(5));
    assertKind(() -> keys.list(Optional.of("nobody@a.example")), StoreException.Kind.NOT_FOUND, "not found");
  }

  @Test
  void apiKeysHaveAPrefixAndAtLeast128Bits() {
    String key = GeneratedSecrets.newApiKey(new Random(10));
    assertThat(key).startsWith("hk_").hasSize(3 + 32);
    assertThat(GeneratedSecrets.looksLikeApiKey(key)).isTrue();
    assertThat(GeneratedSecrets.looksLikeApiKey(key.toUpperCase(java.util.Locale.ROOT).replace("HK_", "hk_"))).isTrue();
    assertThat(GeneratedSecrets.looksLikeApiKey(GeneratedSecrets.newAppPassword(new Random(11)))).isFalse();
    assertThat(GeneratedSecrets.looksLikeAppPassword(key)).isFalse();
  }

  /** Everything the store holds as text: the database file on SQLite, every row of every table on PostgreSQL. */
  private String storedText() throws Exception {
    if (!TestStores.onPostgres()) {
      return new String(Files.readAllBytes(dataDirectory.resolve(Store.SQLITE_FILE_NAME)), StandardCharsets.ISO_8859_1);
    }
    StringBuilder text = new StringBuilder();
    try (Connection raw = TestStores.raw(dataDirectory);
        Statement statement = raw.createStatement();
        ResultSet tables = statement.executeQuery(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")) {
      List<String> names = new ArrayList<>();
      while (tables.next()) {
        names.add(tables.getString(1));
      }
      for (String table : names) {
        try (Statement each = raw.createStatement(); ResultSet rows = each.executeQuery("SELECT t::text FROM " + table + " t")) {
          while (rows.next()) {
            text.append(rows.getString(1)).append('\n');
          }
        }
      }
    }
    return text.toString();
  }
}
