package dev.hikyaku.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.events.Event;
import dev.hikyaku.testing.SettableClock;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Spam from an account counts towards its suspension: so many within the window, and no more. */
class SpamSuspensionTest {

  private final SettableClock clock = new SettableClock(Instant.parse("2026-12-07T10:00:00Z"));
  private final Map<String, String> suspended = new HashMap<>();
  private final List<Event> told = new ArrayList<>();
  private final SuspensionRule.Suspensions store = new SuspensionRule.Suspensions() {
    @Override
    public Optional<String> reason(String account) {
      return Optional.ofNullable(suspended.get(account));
    }

    @Override
    public void suspend(String account, String reason) {
      suspended.put(account, reason);
    }

    @Override
    public boolean isKnownNetwork(String account, InetAddress client) {
      return true;
    }
  };
  private final SpamSuspension rule = new SpamSuspension(store, 3, Duration.ofDays(1), clock, told::add);

  private Event.ContentScanned scanned(Optional<String> account, String action) {
    return new Event.ContentScanned(clock.instant(), "Q" + told.size(), "smtp:submission", "a@example.org", account, action, 16, 15,
        List.of("GTUBE"), "held");
  }

  @Test
  void theThirdSpamMessageWithinADaySuspendsTheAccountOnce() {
    rule.accept(scanned(Optional.of("alice@example.org"), "reject"));
    clock.advance(Duration.ofHours(20));
    rule.accept(scanned(Optional.of("alice@example.org"), "reject"));
    clock.advance(Duration.ofHours(5)); // the first has left the window: two within the day
    rule.accept(scanned(Optional.of("alice@example.org"), "reject"));
    assertThat(suspended).isEmpty();
    rule.accept(scanned(Optional.of("alice@example.org"), "reject"));
    assertThat(suspended).containsOnlyKeys("alice@example.org");
    assertThat(suspended.get("alice@example.org")).startsWith("3 messages rspamd would reject within 24 h");
    assertThat(told).singleElement().isInstanceOf(Event.AccountSuspended.class);
    rule.accept(scanned(Optional.of("alice@example.org"), "reject"));
    assertThat(told).as("suspended once").hasSize(1);
  }

  @Test
  void onlyRejectsFromAnAccountCount() {
    for (int i = 0; i < 5; i++) {
      rule.accept(scanned(Optional.empty(), "reject")); // relayed: refused at DATA, no account to suspend
      rule.accept(scanned(Optional.of("bob@example.org"), "add header"));
      rule.accept(scanned(Optional.of("bob@example.org"), "unavailable: rspamd did not answer within 5000 ms"));
    }
    assertThat(suspended).isEmpty();
    assertThat(told).isEmpty();
  }
}
