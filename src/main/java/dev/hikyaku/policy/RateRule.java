package dev.hikyaku.policy;

import dev.hikyaku.limits.KeptCounters;
import dev.hikyaku.limits.WindowCounter;
import dev.hikyaku.protocol.Replies;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Sending rates per client address and per account, and each account's hourly and daily quota
 * (Postfix anvil's message and recipient rates, and a relay service's sending quota). Transactions
 * are counted at MAIL, recipients at RCPT; a refusal is temporary and says which limit was reached.
 */
public final class RateRule implements Rule {

  /** The limits, from the {@code rates} section of the config. */
  public record Limits(
      int messagesPerMinute,
      int recipientsPerMinute,
      int accountMessagesPerMinute,
      int accountRecipientsPerMinute,
      int accountMessagesPerHour,
      int accountMessagesPerDay) {}

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
        "account-day", new WindowCounter(Duration.ofDays(1), MAX_KEYS, clock));
  }

  private final Limits limits;
  private final KeptCounters counters;

  public RateRule(Limits limits, KeptCounters counters) {
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
    String account = check.principal().get().account();
    if (counters.get("account-hour").count(account) >= limits.accountMessagesPerHour()) {
      return new Verdict.Defer(Replies.quotaExceeded(account, limits.accountMessagesPerHour(), "hour"), "hourly quota of " + account);
    }
    if (counters.get("account-day").count(account) >= limits.accountMessagesPerDay()) {
      return new Verdict.Defer(Replies.quotaExceeded(account, limits.accountMessagesPerDay(), "day"), "daily quota of " + account);
    }
    if (counters.get("account-messages").increment(account) > limits.accountMessagesPerMinute()) {
      return new Verdict.Defer(
          Replies.messageRateExceeded(account, limits.accountMessagesPerMinute()), "message rate of " + account);
    }
    counters.get("account-hour").increment(account);
    counters.get("account-day").increment(account);
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
