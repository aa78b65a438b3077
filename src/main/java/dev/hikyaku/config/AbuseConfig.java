package dev.hikyaku.config;

import java.time.Duration;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

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
    int accountAttackFailures) {

  /** The defaults (what an empty section reads as), to change some by name. */
  public static Builder builder() {
    return DEFAULTS.toBuilder();
  }

  /** A builder holding these settings, to change some by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The thresholds by name: a test changes the one it is about. */
  public static final class Builder {
    private Duration tarpit;
    private Duration tarpitMax;
    private int accountSourceFailures;
    private int accountFailuresPerHour;
    private int sourceAccounts;
    private int sourceFailuresPerHour;
    private Duration blockDuration;
    private int authPerMinute;
    private int stuffingFactor;
    private int stuffingMinimum;
    private Duration stuffingDelay;
    private Duration accountTarpitMax;
    private Duration accountTarpitWindow;
    private int accountAttackFailures;

    private Builder(AbuseConfig from) {
      tarpit = from.tarpit;
      tarpitMax = from.tarpitMax;
      accountSourceFailures = from.accountSourceFailures;
      accountFailuresPerHour = from.accountFailuresPerHour;
      sourceAccounts = from.sourceAccounts;
      sourceFailuresPerHour = from.sourceFailuresPerHour;
      blockDuration = from.blockDuration;
      authPerMinute = from.authPerMinute;
      stuffingFactor = from.stuffingFactor;
      stuffingMinimum = from.stuffingMinimum;
      stuffingDelay = from.stuffingDelay;
      accountTarpitMax = from.accountTarpitMax;
      accountTarpitWindow = from.accountTarpitWindow;
      accountAttackFailures = from.accountAttackFailures;
    }

    public Builder tarpit(Duration value) {
      tarpit = value;
      return this;
    }

    public Builder tarpitMax(Duration value) {
      tarpitMax = value;
      return this;
    }

    public Builder accountSourceFailures(int value) {
      accountSourceFailures = value;
      return this;
    }

    public Builder accountFailuresPerHour(int value) {
      accountFailuresPerHour = value;
      return this;
    }

    public Builder sourceAccounts(int value) {
      sourceAccounts = value;
      return this;
    }

    public Builder sourceFailuresPerHour(int value) {
      sourceFailuresPerHour = value;
      return this;
    }

    public Builder blockDuration(Duration value) {
      blockDuration = value;
      return this;
    }

    public Builder authPerMinute(int value) {
      authPerMinute = value;
      return this;
    }

    public Builder stuffingFactor(int value) {
      stuffingFactor = value;
      return this;
    }

    public Builder stuffingMinimum(int value) {
      stuffingMinimum = value;
      return this;
    }

    public Builder stuffingDelay(Duration value) {
      stuffingDelay = value;
      return this;
    }

    public Builder accountTarpitMax(Duration value) {
      accountTarpitMax = value;
      return this;
    }

    public Builder accountTarpitWindow(Duration value) {
      accountTarpitWindow = value;
      return this;
    }

    public Builder accountAttackFailures(int value) {
      accountAttackFailures = value;
      return this;
    }

    public AbuseConfig build() {
      return new AbuseConfig(tarpit, tarpitMax, accountSourceFailures, accountFailuresPerHour, sourceAccounts, sourceFailuresPerHour, blockDuration, authPerMinute, stuffingFactor, stuffingMinimum, stuffingDelay, accountTarpitMax, accountTarpitWindow, accountAttackFailures);
    }
  }

  static final String SECTION = "abuse";

  private static final String TARPIT = "tarpit";
  private static final String TARPIT_MAX = "tarpit-max";
  private static final String ACCOUNT_SOURCE_FAILURES = "account-source-failures";
  private static final String ACCOUNT_FAILURES_PER_HOUR = "account-failures-per-hour";
  private static final String SOURCE_ACCOUNTS = "source-accounts";
  private static final String SOURCE_FAILURES_PER_HOUR = "source-failures-per-hour";
  private static final String BLOCK_DURATION = "block-duration";
  private static final String AUTH_PER_MINUTE = "auth-per-minute";
  private static final String STUFFING_FACTOR = "stuffing-factor";
  private static final String STUFFING_MINIMUM = "stuffing-minimum";
  private static final String STUFFING_DELAY = "stuffing-delay";
  private static final String ACCOUNT_TARPIT_MAX = "account-tarpit-max";
  private static final String ACCOUNT_TARPIT_WINDOW = "account-tarpit-window";
  private static final String ACCOUNT_ATTACK_FAILURES = "account-attack-failures";

  static final List<String> KEYS = List.of(TARPIT, TARPIT_MAX, ACCOUNT_SOURCE_FAILURES, ACCOUNT_FAILURES_PER_HOUR,
      SOURCE_ACCOUNTS, SOURCE_FAILURES_PER_HOUR, BLOCK_DURATION, AUTH_PER_MINUTE, STUFFING_FACTOR, STUFFING_MINIMUM,
      STUFFING_DELAY, ACCOUNT_TARPIT_MAX, ACCOUNT_TARPIT_WINDOW, ACCOUNT_ATTACK_FAILURES);

  /**
   * A human gets 10 tries per network per block window with a doubling wait (1+2+4+8+16+20+20+20+20
   * s); an attacker gets no more than the NIST cap of 100 failures per account per hour across every
   * network the owner never used, and, however many networks it has, at most 22 checked guesses per
   * hour (528 a day): the account tarpit doubles with the account's failures from those networks (1,
   * 2, 4 … 256 s, then 5 min each), and from the tenth on they get one checked attempt per tarpit
   * between them.
   */
  static final AbuseConfig DEFAULTS =
      new AbuseConfig(
          Duration.ofSeconds(1),
          Duration.ofSeconds(20),
          10,
          100, // NIST SP 800-63B rev. 4 §3.2.2: no more than 100 consecutive failures
          10,
          30,
          Duration.ofHours(1),
          20,
          10,
          60,
          Duration.ofSeconds(5),
          Duration.ofMinutes(5),
          Duration.ofHours(1),
          10);

  /** The {@code abuse} section; neither tarpit maximum may be below the tarpit. */
  static AbuseConfig read(Section abuse) throws ConfigException {
    AbuseConfig d = DEFAULTS;
    Duration tarpit = abuse.timeout(TARPIT, d.tarpit(), Duration.ZERO);
    Duration tarpitMax = abuse.timeout(TARPIT_MAX, d.tarpitMax(), Duration.ZERO);
    if (tarpitMax.compareTo(tarpit) < 0) {
      throw abuse.orderError(TARPIT, tarpit, TARPIT_MAX, tarpitMax);
    }
    Duration accountTarpitMax = abuse.timeout(ACCOUNT_TARPIT_MAX, d.accountTarpitMax(), Duration.ZERO);
    if (accountTarpitMax.compareTo(tarpit) < 0) {
      throw abuse.orderError(TARPIT, tarpit, ACCOUNT_TARPIT_MAX, accountTarpitMax);
    }
    int accountFailuresPerHour = abuse.integer(ACCOUNT_FAILURES_PER_HOUR, d.accountFailuresPerHour(), 1, 100,
        " (NIST SP 800-63B rev. 4 §3.2.2: at most 100 consecutive failures)");
    return new AbuseConfig(
        tarpit,
        tarpitMax,
        abuse.positive(ACCOUNT_SOURCE_FAILURES, d.accountSourceFailures()),
        accountFailuresPerHour,
        abuse.positive(SOURCE_ACCOUNTS, d.sourceAccounts()),
        abuse.positive(SOURCE_FAILURES_PER_HOUR, d.sourceFailuresPerHour()),
        abuse.timeout(BLOCK_DURATION, d.blockDuration(), Duration.ofMinutes(1)),
        abuse.positive(AUTH_PER_MINUTE, d.authPerMinute()),
        abuse.positive(STUFFING_FACTOR, d.stuffingFactor()),
        abuse.positive(STUFFING_MINIMUM, d.stuffingMinimum()),
        abuse.timeout(STUFFING_DELAY, d.stuffingDelay(), Duration.ZERO),
        accountTarpitMax,
        abuse.timeout(ACCOUNT_TARPIT_WINDOW, d.accountTarpitWindow(), Duration.ofMinutes(1)),
        abuse.positive(ACCOUNT_ATTACK_FAILURES, d.accountAttackFailures()));
  }

  void write(ObjectNode abuse) {
    abuse.put(TARPIT, DurationSyntax.format(tarpit));
    abuse.put(TARPIT_MAX, DurationSyntax.format(tarpitMax));
    abuse.put(ACCOUNT_SOURCE_FAILURES, accountSourceFailures);
    abuse.put(ACCOUNT_FAILURES_PER_HOUR, accountFailuresPerHour);
    abuse.put(SOURCE_ACCOUNTS, sourceAccounts);
    abuse.put(SOURCE_FAILURES_PER_HOUR, sourceFailuresPerHour);
    abuse.put(BLOCK_DURATION, DurationSyntax.format(blockDuration));
    abuse.put(AUTH_PER_MINUTE, authPerMinute);
    abuse.put(STUFFING_FACTOR, stuffingFactor);
    abuse.put(STUFFING_MINIMUM, stuffingMinimum);
    abuse.put(STUFFING_DELAY, DurationSyntax.format(stuffingDelay));
    abuse.put(ACCOUNT_TARPIT_MAX, DurationSyntax.format(accountTarpitMax));
    abuse.put(ACCOUNT_TARPIT_WINDOW, DurationSyntax.format(accountTarpitWindow));
    abuse.put(ACCOUNT_ATTACK_FAILURES, accountAttackFailures);
  }
}
