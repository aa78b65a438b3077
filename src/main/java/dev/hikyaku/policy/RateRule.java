package dev.hikyaku.policy;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.config.RateConfig;
import dev.hikyaku.limits.KeptCounters;
import dev.hikyaku.limits.WindowCounter;
import dev.hikyaku.protocol.Replies;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Sending rates per client address and per account, and each account's hourly and daily quota
 * (Postfix anvil's message and recipient rates, and a relay service's sending quota). Transactions
 * are counted at MAIL, recipients at RCPT; a refusal is temporary and says which limit was reached.
 *
 * <p>A principal that logged in with an API key (SMTP AUTH or the HTTP API's bearer token) may also
 * carry the key's own message rate and daily quota ({@link Principal#keyLimits()}), counted per key
 * name. They only narrow: the account's limits are checked as well, whichever door the message came
 * in by.
 */
public final class RateRule implements Rule {

  private static final long MAX_KEYS = 100_000;

  /** The counters this rule needs, by name, for {@link KeptCounters}. */
  public static Map<String, WindowCounter> counters(Clock clock) {
    Duration minute = Duration.ofMinutes(1);
    return Map.of(
        "ip-messages", new WindowCounter(minute, MAX_KEYS, clock),
        "ip-recipients", new WindowCounter(minute, MAX_KEYS, clock),
        "account-messages", new WindowCounter(minute, MAX_KEYS, clock),
        "account-recipients", new WindowCounter(minute, MAX_KEYS, clock),
        "account-hour", new WindowCounter(Duration.ofHours(1), MAX_KEYS, clock),
        "account-day", new WindowCounter(Duration.ofDays(1), MAX_KEYS, clock),
        "key-messages", new WindowCounter(minute, MAX_KEYS, clock),
        "key-day", new WindowCounter(Duration.ofDays(1), MAX_KEYS, clock));
  }

  private final RateConfig limits;
  private final KeptCounters counters;

  /** With the limits of the {@code rates} section of the config. */
  public RateRule(RateConfig limits, KeptCounters counters) {
    this.limits = limits;
    this.counters = counters;
  }

  @Override
  public String name() {
    return "rates";
  }

  @Override
  public Verdict onSender(SenderCheck check) {
    String address = check.client().getHostAddress();
    if (counters.get("ip-messages").increment(address) > limits.messagesPerMinute()) {
      return new Verdict.Defer(
          Replies.messageRateExceeded(address, limits.messagesPerMinute()), "message rate of " + address);
    }
    if (check.principal().isEmpty()) {
      return Verdict.CONTINUE;
    }
    Principal principal = check.principal().get();
    String account = principal.account();
    // Quotas are looked at first and used only once every limit has let the message through, so a
    // message refused for a rate does not use up a quota.
    if (counters.get("account-hour").count(account) >= limits.accountMessagesPerHour()) {
      return new Verdict.Defer(Replies.quotaExceeded(account, limits.accountMessagesPerHour(), "hour"), "hourly quota of " + account);
    }
    if (counters.get("account-day").count(account) >= limits.accountMessagesPerDay()) {
      return new Verdict.Defer(Replies.quotaExceeded(account, limits.accountMessagesPerDay(), "day"), "daily quota of " + account);
    }
    // Key limits exist only with a key (Principal says so), and are counted under its name.
    String key = principal.apiKey().orElse("");
    OptionalInt keyDay = principal.keyLimits().messagesPerDay();
    if (keyDay.isPresent() && counters.get("key-day").count(key) >= keyDay.getAsInt()) {
      return new Verdict.Defer(
          Replies.apiKeyQuotaExceeded(key, keyDay.getAsInt()), "daily quota of " + account + " with api key " + key);
    }
    if (counters.get("account-messages").increment(account) > limits.accountMessagesPerMinute()) {
      return new Verdict.Defer(
          Replies.messageRateExceeded(account, limits.accountMessagesPerMinute()), "message rate of " + account);
    }
    OptionalInt keyMinute = principal.keyLimits().messagesPerMinute();
    if (keyMinute.isPresent() && counters.get("key-messages").increment(key) > keyMinute.getAsInt()) {
      return new Verdict.Defer(
          Replies.apiKeyMessageRateExceeded(key, keyMinute.getAsInt()), "message rate of " + account + " with api key " + key);
    }
    counters.get("account-hour").increment(account);
    counters.get("account-day").increment(account);
    if (keyDay.isPresent()) {
      counters.get("key-day").increment(key);
    }
    return Verdict.CONTINUE;
  }

  @Override
  public Verdict onRecipient(RecipientCheck check) {
    String address = check.client().getHostAddress();
    if (counters.get("ip-recipients").increment(address) > limits.recipientsPerMinute()) {
      return new Verdict.Defer(
          Replies.recipientRateExceeded(address, limits.recipientsPerMinute()), "recipient rate of " + address);
    }
    if (check.principal().isPresent()) {
      String account = check.principal().get().account();
      if (counters.get("account-recipients").increment(account) > limits.accountRecipientsPerMinute()) {
        return new Verdict.Defer(
            Replies.recipientRateExceeded(account, limits.accountRecipientsPerMinute()), "recipient rate of " + account);
      }
    }
    return Verdict.CONTINUE;
  }
}
