package dev.hikyaku.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.config.ConfigLoader;
import dev.hikyaku.limits.KeptCounters;
import dev.hikyaku.limits.WindowCounter;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.protocol.ReversePath;
import dev.hikyaku.store.ApiKey;
import dev.hikyaku.testing.SettableClock;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * An API key's own message rate and daily quota at MAIL, each tested with account and address
 * limits far above it, and then under an account limit that is lower than the key's: key limits
 * only narrow.
 */
class RateRuleTest {

  private static final String ACCOUNT = "app@a.example";
  private static final int PLENTY = 1_000;

  // The windows are aligned to the epoch: a clock one second into a day keeps a test's minutes in
  // one day window.
  private final SettableClock clock = new SettableClock(Instant.parse("2026-05-04T00:00:01Z"));
  private final KeptCounters counters = new KeptCounters("rates", RateRule.counters(clock), new KeptCounters.Vault() {
    @Override
    public List<WindowCounter.Entry> load(String group) {
      return List.of();
    }

    @Override
    public List<WindowCounter.Entry> exchange(String group, KeptCounters.Exchange unsent, Instant staleBefore) {
      return List.of();
    }
  }, Duration.ofSeconds(5));

  private RateRule rule(int accountMessagesPerMinute, int accountMessagesPerDay) {
    return new RateRule(
        ConfigLoader.defaults().rates().toBuilder()
            .messagesPerMinute(PLENTY).recipientsPerMinute(PLENTY).accountMessagesPerMinute(accountMessagesPerMinute)
            .accountRecipientsPerMinute(PLENTY).accountMessagesPerHour(PLENTY).accountMessagesPerDay(accountMessagesPerDay)
            .build(),
        counters);
  }

  private static Principal withKey(String key, OptionalInt perMinute, OptionalInt perDay) {
    return new Principal(ACCOUNT, Optional.of(key), List.of(), new ApiKey.Limits(perMinute, perDay));
  }

  private static Verdict mail(RateRule rule, Principal principal) {
    return rule.onSender(new SenderCheck(
        ListenerRole.SUBMISSION, InetAddress.getLoopbackAddress(), Optional.of(principal), ReversePath.NULL));
  }

  private static void assertDeferred(Verdict verdict, String reply, String reason) {
    assertThat(verdict).isInstanceOfSatisfying(Verdict.Defer.class, defer -> {
      assertThat(defer.reply().toString()).isEqualTo(reply);
      assertThat(defer.reason()).isEqualTo(reason);
    });
  }

  @Test
  void aKeysMessageRateDefersItsMessagesButNotItsAccountsOrAnotherKeys() {
    RateRule rule = rule(PLENTY, PLENTY);
    Principal limited = withKey("billing", OptionalInt.of(2), OptionalInt.empty());

    assertThat(mail(rule, limited)).isEqualTo(Verdict.CONTINUE);
    assertThat(mail(rule, limited)).isEqualTo(Verdict.CONTINUE);
    assertDeferred(mail(rule, limited),
        "450 4.7.1 Message rate limit reached for API key billing: 2 per minute; try again later",
        "message rate of app@a.example with api key billing");
    // The same account with its password, or with another key, is not held back by this key.
    assertThat(mail(rule, new Principal(ACCOUNT))).isEqualTo(Verdict.CONTINUE);
    assertThat(mail(rule, withKey("reports", OptionalInt.empty(), OptionalInt.empty()))).isEqualTo(Verdict.CONTINUE);

    clock.advance(Duration.ofMinutes(1));
    assertThat(mail(rule, limited)).isEqualTo(Verdict.CONTINUE);
  }

  @Test
  void aKeysDailyQuotaLastsTheDayAndARateRefusalDoesNotUseIt() {
    RateRule rule = rule(PLENTY, PLENTY);
    Principal limited = withKey("billing", OptionalInt.of(1), OptionalInt.of(2));

    assertThat(mail(rule, limited)).isEqualTo(Verdict.CONTINUE);
    // Refused for the key's rate: had it counted towards the quota, the next minute's would be too.
    assertThat(mail(rule, limited)).isInstanceOfSatisfying(Verdict.Defer.class,
        defer -> assertThat(defer.reason()).isEqualTo("message rate of app@a.example with api key billing"));
    clock.advance(Duration.ofMinutes(1));
    assertThat(mail(rule, limited)).isEqualTo(Verdict.CONTINUE);
    clock.advance(Duration.ofMinutes(1));
    Verdict overQuota = mail(rule, limited);
    assertDeferred(overQuota,
        "451 4.7.1 Sending quota reached for API key billing: 2 messages per day",
        "daily quota of app@a.example with api key billing");
    clock.advance(Duration.ofHours(12));
    assertThat(mail(rule, limited)).isEqualTo(overQuota);
    assertThat(mail(rule, new Principal(ACCOUNT))).isEqualTo(Verdict.CONTINUE);

    clock.advance(Duration.ofDays(1));
    assertThat(mail(rule, limited)).isEqualTo(Verdict.CONTINUE);
  }

  @Test
  void theAccountsLimitsStillApplyToAKeyWithHigherOnes() {
    RateRule rule = rule(1, 2);
    Principal generous = withKey("bulk", OptionalInt.of(50), OptionalInt.of(500));

    assertThat(mail(rule, generous)).isEqualTo(Verdict.CONTINUE);
    assertDeferred(mail(rule, generous),
        "450 4.7.1 Message rate limit reached for app@a.example: 1 per minute; try again later",
        "message rate of app@a.example");
    clock.advance(Duration.ofMinutes(1));
    assertThat(mail(rule, new Principal(ACCOUNT))).isEqualTo(Verdict.CONTINUE);
    clock.advance(Duration.ofMinutes(1));
    assertDeferred(mail(rule, generous),
        "451 4.7.1 Sending quota reached for app@a.example: 2 messages per day",
        "daily quota of app@a.example");
  }

  @Test
  void keysWithoutLimitsAreNotCounted() {
    RateRule rule = rule(PLENTY, PLENTY);
    assertThat(mail(rule, withKey("free", OptionalInt.empty(), OptionalInt.empty()))).isEqualTo(Verdict.CONTINUE);
    assertThat(mail(rule, new Principal(ACCOUNT))).isEqualTo(Verdict.CONTINUE);
    assertThat(counters.get("key-messages").snapshot()).isEmpty();
    assertThat(counters.get("key-day").snapshot()).isEmpty();
  }
}
