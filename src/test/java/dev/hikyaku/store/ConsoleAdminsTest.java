package dev.hikyaku.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.testing.TestStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Console admins and their second factors, on either engine (the store-on-postgres execution runs it again). */
class ConsoleAdminsTest {

  private static final Credentials NONE = new Credentials(Optional.empty(), Optional.empty(), Optional.empty());
  private static final byte[] SECRET = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dataDirectory;
  private Store store;
  private ConsoleAdmins admins;

  @BeforeEach
  void open() throws StoreException {
    store = TestStores.open(dataDirectory, Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC));
    store.domains().add("example.com");
    store.accounts().create("alice@example.com", NONE, FromHeaderPolicy.REJECT);
    store.accounts().create("bob@example.com", NONE, FromHeaderPolicy.REJECT);
    admins = store.consoleAdmins();
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void anAccountIsMadeAdminOnceWithItsSecretAndLosesItWithTheAccount() throws Exception {
    ConsoleAdmin alice = admins.add("Alice@Example.com", SECRET);
    assertThat(alice.address()).isEqualTo("alice@example.com");
    assertThat(alice.totpSecret()).isEqualTo(SECRET);
    assertThat(alice.lastStep()).isZero();
    assertThat(alice.toString()).doesNotContain("123456");
    assertThat(admins.find("alice@example.com")).contains(alice);
    assertThat(admins.find("bob@example.com")).isEmpty();
    assertThat(admins.find(null)).isEmpty();
    assertThatThrownBy(() -> admins.add("alice@example.com", SECRET)).isInstanceOf(StoreException.class)
        .hasMessageContaining("is a console admin already");
    assertThatThrownBy(() -> admins.add("nobody@example.com", SECRET)).isInstanceOf(StoreException.class)
        .hasMessageContaining("nobody@example.com");
    assertThatThrownBy(() -> admins.add("bob@example.com", new byte[10])).isInstanceOf(IllegalArgumentException.class);
    admins.add("bob@example.com", SECRET);
    assertThat(admins.list()).extracting(ConsoleAdmin::address).containsExactly("alice@example.com", "bob@example.com");

    admins.remove("bob@example.com");
    assertThatThrownBy(() -> admins.remove("bob@example.com")).isInstanceOf(StoreException.class)
        .hasMessageContaining("is not a console admin");
    store.accounts().delete("alice@example.com");
    assertThat(admins.list()).as("an account's deletion takes its console access").isEmpty();
  }

  @Test
  void aStepIsAcceptedOnceAndNeverAnEarlierOne() throws Exception {
    long id = admins.add("alice@example.com", SECRET).accountId();
    assertThat(admins.acceptStep(id, 60_000_000L)).isTrue();
    assertThat(admins.acceptStep(id, 60_000_000L)).as("the same code again: a replay").isFalse();
    assertThat(admins.acceptStep(id, 59_999_999L)).as("an older code").isFalse();
    assertThat(admins.acceptStep(id, 60_000_001L)).isTrue();
    assertThat(admins.find("alice@example.com").orElseThrow().lastStep()).isEqualTo(60_000_001L);
  }
}
