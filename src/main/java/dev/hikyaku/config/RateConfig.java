package dev.hikyaku.config;

import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * Sending rates and quotas (the {@code rates} section), like Postfix's anvil limits, and the
 * thresholds of compromised-account detection. Described in docs/configuration.md.
 *
 * @param connectionsPerMinute new connections per client address per minute (421 4.7.0)
 * @param messagesPerMinute transactions (MAIL) per client address per minute (450 4.7.1)
 * @param recipientsPerMinute accepted recipients per client address per minute (452 4.5.3)
 * @param accountMessagesPerMinute transactions per account per minute (450 4.7.1)
 * @param accountRecipientsPerMinute recipients per account per minute (452 4.5.3)
 * @param accountMessagesPerHour an account's hourly quota of transactions (451 4.7.1)
 * @param accountMessagesPerDay an account's daily quota of transactions (451 4.7.1)
 * @param suspendVolumeFactor an account is suspended when its messages in an hour exceed this many
 *     times its usual hourly volume ...
 * @param suspendVolumeMinimum ... and at least this many (halved when it sends from a network it
 *     never logged in from)
 * @param suspendNewDomains or when it writes to this many distinct recipient domains within an hour
 */
public record RateConfig(
    int connectionsPerMinute,
    int messagesPerMinute,
    int recipientsPerMinute,
    int accountMessagesPerMinute,
    int accountRecipientsPerMinute,
    int accountMessagesPerHour,
    int accountMessagesPerDay,
    int suspendVolumeFactor,
    int suspendVolumeMinimum,
    int suspendNewDomains) {

  /** The defaults (what an empty section reads as), to change some by name. */
  public static Builder builder() {
    return DEFAULTS.toBuilder();
  }

  /** A builder holding these settings, to change some by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The rates by name: a test changes the one it is about. */
  public static final class Builder {
    private int connectionsPerMinute;
    private int messagesPerMinute;
    private int recipientsPerMinute;
    private int accountMessagesPerMinute;
    private int accountRecipientsPerMinute;
    private int accountMessagesPerHour;
    private int accountMessagesPerDay;
    private int suspendVolumeFactor;
    private int suspendVolumeMinimum;
    private int suspendNewDomains;

    private Builder(RateConfig from) {
      connectionsPerMinute = from.connectionsPerMinute;
      messagesPerMinute = from.messagesPerMinute;
      recipientsPerMinute = from.recipientsPerMinute;
      accountMessagesPerMinute = from.accountMessagesPerMinute;
      accountRecipientsPerMinute = from.accountRecipientsPerMinute;
      accountMessagesPerHour = from.accountMessagesPerHour;
      accountMessagesPerDay = from.accountMessagesPerDay;
      suspendVolumeFactor = from.suspendVolumeFactor;
      suspendVolumeMinimum = from.suspendVolumeMinimum;
      suspendNewDomains = from.suspendNewDomains;
    }

    public Builder connectionsPerMinute(int value) {
      connectionsPerMinute = value;
      return this;
    }

    public Builder messagesPerMinute(int value) {
      messagesPerMinute = value;
      return this;
    }

    public Builder recipientsPerMinute(int value) {
      recipientsPerMinute = value;
      return this;
    }

    public Builder accountMessagesPerMinute(int value) {
      accountMessagesPerMinute = value;
      return this;
    }

    public Builder accountRecipientsPerMinute(int value) {
      accountRecipientsPerMinute = value;
      return this;
    }

    public Builder accountMessagesPerHour(int value) {
      accountMessagesPerHour = value;
      return this;
    }

    public Builder accountMessagesPerDay(int value) {
      accountMessagesPerDay = value;
      return this;
    }

    public Builder suspendVolumeFactor(int value) {
      suspendVolumeFactor = value;
      return this;
    }

    public Builder suspendVolumeMinimum(int value) {
      suspendVolumeMinimum = value;
      return this;
    }

    public Builder suspendNewDomains(int value) {
      suspendNewDomains = value;
      return this;
    }

    public RateConfig build() {
      return new RateConfig(connectionsPerMinute, messagesPerMinute, recipientsPerMinute, accountMessagesPerMinute, accountRecipientsPerMinute, accountMessagesPerHour, accountMessagesPerDay, suspendVolumeFactor, suspendVolumeMinimum, suspendNewDomains);
    }
  }

  static final String SECTION = "rates";

  private static final String CONNECTIONS_PER_MINUTE = "connections-per-minute";
  private static final String MESSAGES_PER_MINUTE = "messages-per-minute";
  private static final String RECIPIENTS_PER_MINUTE = "recipients-per-minute";
  private static final String ACCOUNT_MESSAGES_PER_MINUTE = "account-messages-per-minute";
  private static final String ACCOUNT_RECIPIENTS_PER_MINUTE = "account-recipients-per-minute";
  private static final String ACCOUNT_MESSAGES_PER_HOUR = "account-messages-per-hour";
  private static final String ACCOUNT_MESSAGES_PER_DAY = "account-messages-per-day";
  private static final String SUSPEND_VOLUME_FACTOR = "suspend-volume-factor";
  private static final String SUSPEND_VOLUME_MINIMUM = "suspend-volume-minimum";
  private static final String SUSPEND_NEW_DOMAINS = "suspend-new-domains";

  static final List<String> KEYS = List.of(CONNECTIONS_PER_MINUTE, MESSAGES_PER_MINUTE, RECIPIENTS_PER_MINUTE,
      ACCOUNT_MESSAGES_PER_MINUTE, ACCOUNT_RECIPIENTS_PER_MINUTE, ACCOUNT_MESSAGES_PER_HOUR, ACCOUNT_MESSAGES_PER_DAY,
      SUSPEND_VOLUME_FACTOR, SUSPEND_VOLUME_MINIMUM, SUSPEND_NEW_DOMAINS);

  /**
   * Rates generous enough for an office behind one address and a SaaS account sending
   * transactional mail; quotas an operator should tune per deployment. Suspension needs ten times an
   * account's usual hourly volume and at least 200 messages, or 100 recipient domains in an hour.
   */
  static final RateConfig DEFAULTS = new RateConfig(120, 120, 1000, 60, 600, 1000, 10_000, 10, 200, 100);

  /** The {@code rates} section: every value a whole number of at least 1. */
  static RateConfig read(Section rates) throws ConfigException {
    RateConfig d = DEFAULTS;
    return new RateConfig(
        rates.positive(CONNECTIONS_PER_MINUTE, d.connectionsPerMinute()),
        rates.positive(MESSAGES_PER_MINUTE, d.messagesPerMinute()),
        rates.positive(RECIPIENTS_PER_MINUTE, d.recipientsPerMinute()),
        rates.positive(ACCOUNT_MESSAGES_PER_MINUTE, d.accountMessagesPerMinute()),
        rates.positive(ACCOUNT_RECIPIENTS_PER_MINUTE, d.accountRecipientsPerMinute()),
        rates.positive(ACCOUNT_MESSAGES_PER_HOUR, d.accountMessagesPerHour()),
        rates.positive(ACCOUNT_MESSAGES_PER_DAY, d.accountMessagesPerDay()),
        rates.positive(SUSPEND_VOLUME_FACTOR, d.suspendVolumeFactor()),
        rates.positive(SUSPEND_VOLUME_MINIMUM, d.suspendVolumeMinimum()),
        rates.positive(SUSPEND_NEW_DOMAINS, d.suspendNewDomains()));
  }

  void write(ObjectNode rates) {
    rates.put(CONNECTIONS_PER_MINUTE, connectionsPerMinute);
    rates.put(MESSAGES_PER_MINUTE, messagesPerMinute);
    rates.put(RECIPIENTS_PER_MINUTE, recipientsPerMinute);
    rates.put(ACCOUNT_MESSAGES_PER_MINUTE, accountMessagesPerMinute);
    rates.put(ACCOUNT_RECIPIENTS_PER_MINUTE, accountRecipientsPerMinute);
    rates.put(ACCOUNT_MESSAGES_PER_HOUR, accountMessagesPerHour);
    rates.put(ACCOUNT_MESSAGES_PER_DAY, accountMessagesPerDay);
    rates.put(SUSPEND_VOLUME_FACTOR, suspendVolumeFactor);
    rates.put(SUSPEND_VOLUME_MINIMUM, suspendVolumeMinimum);
    rates.put(SUSPEND_NEW_DOMAINS, suspendNewDomains);
  }
}
