package dev.hikyaku.config;

import java.time.Duration;

/**
 * The abuse defences of SMTP AUTH (the {@code abuse} section): tarpit, blocks, spraying and
 * credential-stuffing detection. What each number does is described in docs/configuration.md.
 *
 * @param tarpit the delay before the reply to a failed AUTH; doubles per failure of the same
 *     account from the same network
 * @param tarpitMax the most the doubling may reach
 * @param accountSourceFailures failures of one account from one /24 or /64 before that pair is blocked
 * @param accountFailuresPerHour failures of one account per hour, from networks it never logged in
 *     from, before it is blocked from all of them (NIST SP 800-63B rev. 4 §3.2.2: at most 100)
 * @param sourceAccounts distinct accounts one address may fail on within an hour (password spraying)
 * @param sourceFailuresPerHour failures one address may have within an hour
 * @param blockDuration how long a block lasts
 * @param authPerMinute AUTH commands one address may start per minute
 * @param stuffingFactor how many times its baseline the global failure rate must reach to count as
 *     credential stuffing
 * @param stuffingMinimum failures per minute below which no surge is declared
 * @param stuffingDelay the extra tarpit for every failed AUTH during a surge
 * @param accountTarpitMax the most the account tarpit reaches: the delay for a failure from a
 *     network the account never logged in from, which doubles with the account's failures from all
 *     such networks within {@code accountTarpitWindow} (distributed guessing)
 * @param accountTarpitWindow the window, aligned to the epoch, over which those failures count
 * @param accountAttackFailures failures within the window from such networks at which the account
 *     counts as under distributed guessing: an event is raised, and such networks get one checked
 *     attempt per account tarpit between them
 */
public record AbuseConfig(
    Duration tarpit,
    Duration tarpitMax,
    int accountSourceFailures,
    int accountFailuresPerHour,
    int sourceAccounts,
    int sourceFailuresPerHour,
    Duration blockDuration,
    int authPerMinute,
    int stuffingFactor,
    int stuffingMinimum,
    Duration stuffingDelay,
    Duration accountTarpitMax,
    Duration accountTarpitWindow,
    int accountAttackFailures) {}
