package dev.hikyaku.auth;

import dev.hikyaku.testing.SettableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class VerificationCacheTest {

  private static final Duration TTL = Duration.ofMinutes(5);

  private final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final VerificationCache cache = new VerificationCache(TTL, 100, clock);

  @Test
  void remembersASuccessForThatAccountGenerationAndSecretOnly() {
    cache.remember("alice@example.com", 1, "hunter2".toCharArray());

    assertThat(cache.isVerified("alice@example.com", 1, "hunter2".toCharArray())).isTrue();
    assertThat(cache.isVerified("alice@example.com", 1, "hunter3".toCharArray())).isFalse();
    assertThat(cache.isVerified("bob@example.com", 1, "hunter2".toCharArray())).isFalse();
    assertThat(cache.isVerified("alice@example.com", 1, new char[0])).isFalse();
  }

  @Test
  void nothingIsVerifiedThatWasNotRemembered() {
    // Failures are never cached: there is no way to add one, and a miss is only a miss.
    assertThat(cache.isVerified("alice@example.com", 1, "hunter2".toCharArray())).isFalse();
    assertThat(cache.size()).isZero();
  }

  @Test
  void expiresAfterTheTtlByTheInjectedClock() {
    cache.remember("alice@example.com", 1, "hunter2".toCharArray());

    clock.advance(TTL.minusNanos(1));
    assertThat(cache.isVerified("alice@example.com", 1, "hunter2".toCharArray())).isTrue();

    clock.advance(Duration.ofNanos(1));
    assertThat(cache.isVerified("alice@example.com", 1, "hunter2".toCharArray())).isFalse();
    assertThat(cache.size()).isZero();
  }

  @Test
  void rememberingAgainRenewsTheTtl() {
    cache.remember("alice@example.com", 1, "hunter2".toCharArray());
    clock.advance(Duration.ofMinutes(4));
    cache.remember("alice@example.com", 1, "hunter2".toCharArray());
    clock.advance(Duration.ofMinutes(4));

    assertThat(cache.isVerified("alice@example.com", 1, "hunter2".toCharArray())).isTrue();
  }

  @Test
  void newCredentialGenerationInvalidatesEarlierSuccesses() {
    cache.remember("alice@example.com", 7, "hunter2".toCharArray());

    assertThat(cache.isVerified("alice@example.com", 8, "hunter2".toCharArray())).isFalse();
    assertThat(cache.isVerified("alice@example.com", 7, "hunter2".toCharArray())).isTrue();
  }

  @Test
  void forgetDropsOneAccountOnly() {
    cache.remember("alice@example.com", 1, "a1".toCharArray());
    cache.remember("alice@example.com", 1, "app-password".toCharArray());
    cache.remember("bob@example.com", 1, "b1".toCharArray());

    cache.forget("alice@example.com");

    assertThat(cache.isVerified("alice@example.com", 1, "a1".toCharArray())).isFalse();
    assertThat(cache.isVerified("alice@example.com", 1, "app-password".toCharArray())).isFalse();
    assertThat(cache.isVerified("bob@example.com", 1, "b1".toCharArray())).isTrue();
  }

  @Test
  void fieldsAreKeptApartInTheKey() {
    // Without length prefixes "ab"+"c" and "a"+"bc" could collide.
    cache.remember("ab", 1, "c".toCharArray());

    assertThat(cache.isVerified("a", 1, "bc".toCharArray())).isFalse();
  }

  @Test
  void holdsAtMostMaxEntriesEvictingTheLeastRecentlyUsed() {
    VerificationCache small = new VerificationCache(TTL, 2, clock);
    small.remember("a", 1, "1".toCharArray());
    small.remember("b", 1, "2".toCharArray());
    assertThat(small.isVerified("a", 1, "1".toCharArray())).isTrue(); // a is now the most recent

    small.remember("c", 1, "3".toCharArray());

    assertThat(small.size()).isEqualTo(2);
    assertThat(small.isVerified("b", 1, "2".toCharArray())).isFalse();
    assertThat(small.isVerified("a", 1, "1".toCharArray())).isTrue();
    assertThat(small.isVerified("c", 1, "3".toCharArray())).isTrue();
  }

  @Test
  void eachCacheHasItsOwnKey() {
    // The same secret gives another tag in another cache (a random HMAC key each), so a tag seen in
    // one process's memory says nothing about the secret elsewhere.
    VerificationCache other = new VerificationCache(TTL, 100, clock);
    assertThat(other.tag("alice@example.com", 1, "hunter2".toCharArray()))
        .isNotEqualTo(cache.tag("alice@example.com", 1, "hunter2".toCharArray()));
    // And within one cache it is stable, or nothing could be found again.
    assertThat(cache.tag("alice@example.com", 1, "hunter2".toCharArray()))
        .isEqualTo(cache.tag("alice@example.com", 1, "hunter2".toCharArray()));
  }

  @Test
  void badSettingsAreRefusedWithTheValueNamed() {
    assertThatThrownBy(() -> new VerificationCache(Duration.ZERO, 10, clock))
        .hasMessageContaining("PT0S");
    assertThatThrownBy(() -> new VerificationCache(TTL, 0, clock)).hasMessageContaining("got 0");
  }

  @Test
  void toStringShowsNoEntries() {
    cache.remember("alice@example.com", 1, "hunter2".toCharArray());

    assertThat(cache.toString()).doesNotContain("alice").doesNotContain("hunter2");
  }
}
