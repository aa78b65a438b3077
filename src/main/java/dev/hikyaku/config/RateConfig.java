package dev.hikyaku.config;

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
    int suspendNewDomains) {}
