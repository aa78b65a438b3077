package dev.hikyaku.defence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.auth.AuthThrottle;
import dev.hikyaku.config.AbuseConfig;
import dev.hikyaku.config.ConfigLoader;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.store.Store;
import dev.hikyaku.testing.SettableClock;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guessing one account's password from many networks (issue 14, point 2), against the AUTH
 * throttle with the default {@code abuse} settings and a clock the test moves: each failure moves
 * it by the tarpit the attacker waits, so sums of delays and guesses per hour are exact, and no
 * test waits. "Today" is the same throttle with the account tarpit switched off (at most {@code
 * tarpit}, no turns): the behaviour before it existed.
 */
class DistributedGuessingTest {

  private static final String OWNER = "alice@hikyaku.test";
  private static final InetAddress HOME = address("192.0.2.10");
  private static final int NETWORKS = 40;

  @TempDir Path data;
  private final List<Event> events = new CopyOnWriteArrayList<>();
  // The windows are aligned to the epoch: starting on the hour keeps each hour of a run in one.
  private final SettableClock clock = new SettableClock(Instant.parse("2026-03-02T09:00:00Z"));
  private final List<AutoCloseable> opened = new ArrayList<>();
  private Store store;

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : opened.reversed()) {
      c.close();
    }
  }

  /** A throttle as the server wires it, over a fresh store, with the defaults changed by {@code abuse}. */
  private AuthThrottle throttle(UnaryOperator<AbuseConfig> abuse) throws Exception {
    store = Store.openSqlite(data.resolve("store-" + opened.size()), clock);
    opened.add(store::close);
    return reopen(abuse);
  }

  /** Another throttle over the same store: a restart. */
  private AuthThrottle reopen(UnaryOperator<AbuseConfig> abuse) {
    HikyakuConfig defaults = ConfigLoader.defaults();
    AuthThrottle throttle = Server.throttle(defaults.withAbuse(abuse.apply(defaults.abuse())), store, new Events(List.of(events::add)), clock);
    opened.add(throttle);
    return throttle;
  }

  /** Today's behaviour: the account tarpit never exceeds the first step, and no account is held back. */
  private static AbuseConfig today(AbuseConfig a) {
    return a.toBuilder().accountTarpitMax(a.tarpit()).accountAttackFailures(Integer.MAX_VALUE).build();
  }

  private static InetAddress network(int n) {
    return address("10.0." + n + ".1"); // a /24 each
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }

  /** What one wrong guess cost: whether the password was checked at all, and the tarpit. */
  private record Guess(boolean isChecked, Duration tarpit) {}

  /** A wrong guess from {@code from}, as the session makes it: refused unchecked or checked, then counted. */
  private static Guess guess(AuthThrottle throttle, InetAddress from) {
    boolean isChecked = throttle.refusalBeforeCheck(OWNER, from).isEmpty();
    return new Guess(isChecked, throttle.failed(OWNER, from));
  }

  private static InetAddress fresh(int n) {
    return address("10." + (1 + n / 256) + "." + n % 256 + ".1"); // never one of network(1..40)
  }

  /** Moves the clock to the start of the next hour: the windows start afresh, as for another account. */
  private void nextHour() {
    long now = clock.instant().getEpochSecond();
    clock.advance(Duration.ofSeconds(3600 - now % 3600));
  }

  /** One attacker connection at a time, each guess from the next of {@code NETWORKS}; the clock follows the tarpits. */
  private Duration serialGuesses(AuthThrottle throttle, int guesses) {
    Duration total = Duration.ZERO;
    for (int i = 0; i < guesses; i++) {
      Guess guess = guess(throttle, network(1 + i % NETWORKS));
      assertThat(guess.isChecked()).as("a serial attacker waits out each tarpit, so every guess is checked").isTrue();
      total = total.plus(guess.tarpit());
      clock.advance(guess.tarpit());
    }
    return total;
  }

  private List<Event.AttackSuspected> distributedGuessingEvents() {
    return events.stream()
        .filter(Event.AttackSuspected.class::isInstance)
        .map(Event.AttackSuspected.class::cast)
        .filter(a -> a.kind().equals("distributed-guessing"))
        .toList();
  }

  @Test
  void fortyGuessesFromFortyNetworksTakeOverTenTimesLongerThanToday() throws Exception {
    AuthThrottle before = throttle(DistributedGuessingTest::today);
    Duration today = serialGuesses(before, NETWORKS);
    // Each network's first failure: tarpit × 2^0 = 1 s, forty times.
    assertThat(today).isEqualTo(Duration.ofSeconds(40));

    nextHour();
    AuthThrottle after = throttle(UnaryOperator.identity());
    Duration now = serialGuesses(after, NETWORKS);
    // Hour one: 1 + 2 + … + 256 s (failures 1-9), then 5 min each (10-20): 20 failures, 3811 s.
    // The window then starts again: 19 more in 3511 s, and the fortieth is the first of the third.
    assertThat(now).isEqualTo(Duration.ofSeconds((511 + 11 * 300) + (511 + 10 * 300) + 1));
    assertThat(now.dividedBy(today)).as("times longer than today").isGreaterThanOrEqualTo(10);
    assertThat(distributedGuessingEvents()).as("one event per window in which the account reached 10, not one per failure")
        .hasSize(2)
        .first().satisfies(e -> assertThat(e.detail())
            .startsWith(OWNER + " failed 10 times within 3600 s from networks it never logged in from, the last 10.0.10.0/24"));
  }

  /**
   * The budget against an attacker who never waits for a reply (a failure's reply is late, a
   * success's is not, so a silent connection is a wrong guess): a burst from forty networks at the
   * start of each hour, then one guess a minute from a network it never used before, 99 failures an
   * hour in all, one short of the NIST cap that would block the account everywhere it never logged
   * in from. Today every one is checked; now ten are, the turn of the eleventh, and then one per
   * account tarpit (5 min).
   */
  @Test
  void theBudgetOfAnAttackerWhoDoesNotWait() throws Exception {
    assertThat(impatientBudget(throttle(DistributedGuessingTest::today))).containsExactly(99, 99 * 24);
    assertThat(distributedGuessingEvents()).isEmpty();

    nextHour();
    assertThat(impatientBudget(throttle(UnaryOperator.identity()))).containsExactly(22, 22 * 24);
    assertThat(distributedGuessingEvents()).as("one an hour while it lasts").hasSize(24);
  }

  /** Guesses checked in the first hour and in the first day (from the start of an hour). */
  private int[] impatientBudget(AuthThrottle throttle) {
    int firstHour = 0;
    int day = 0;
    int fresh = 0;
    for (int hour = 0; hour < 24; hour++) {
      int checked = 0;
      for (int n = 1; n <= NETWORKS; n++) {
        checked += throttle.refusalBeforeCheck(OWNER, network(n)).isEmpty() ? 1 : 0;
      }
      for (int n = 1; n <= NETWORKS; n++) {
        throttle.failed(OWNER, network(n));
      }
      for (int minute = 1; minute < 60; minute++) {
        clock.advance(Duration.ofMinutes(1));
        checked += guess(throttle, fresh(fresh++)).isChecked() ? 1 : 0;
      }
      nextHour();
      firstHour = hour == 0 ? checked : firstHour;
      day += checked;
    }
    return new int[] {firstHour, day};
  }

  /**
   * The budget against an attacker who waits out every tarpit, one connection at a time, from forty
   * networks in turn, and stops for the hour at 99 failures.
   */
  @Test
  void theBudgetOfAnAttackerWhoWaits() throws Exception {
    assertThat(patientBudget(throttle(DistributedGuessingTest::today))).containsExactly(99, 99 * 24);

    nextHour();
    // 9 guesses in 511 s, then one per 5 min: 20 in the first hour. The last tarpit of each hour
    // runs into the next, which so has 19 or 20.
    int[] now = patientBudget(throttle(UnaryOperator.identity()));
    assertThat(now[0]).isEqualTo(20);
    assertThat(now[1]).isEqualTo(464);
  }

  /** Guesses checked in the first hour and in the first day (from the start of an hour). */
  private int[] patientBudget(AuthThrottle throttle) {
    Instant start = clock.instant();
    int firstHour = 0;
    int day = 0;
    int next = 0;
    for (int hour = 0; hour < 24; hour++) {
      Instant end = start.plus(Duration.ofHours(hour + 1));
      int checked = 0;
      while (clock.instant().isBefore(end) && checked < 99) {
        Guess guess = guess(throttle, network(1 + next++ % NETWORKS));
        checked += guess.isChecked() ? 1 : 0;
        clock.advance(guess.tarpit());
      }
      if (clock.instant().isBefore(end)) {
        clock.advance(Duration.between(clock.instant(), end));
      }
      firstHour = hour == 0 ? checked : firstHour;
      day += checked;
    }
    return new int[] {firstHour, day};
  }

  @Test
  void theOwnersKnownNetworkKeepsItsOwnTarpitAndIsNeverHeldBack() throws Exception {
    AuthThrottle throttle = throttle(UnaryOperator.identity());
    throttle.succeeded(OWNER, HOME);
    serialGuesses(throttle, 15);
    Guess stranger = guess(throttle, network(77));
    assertThat(stranger.tarpit()).as("the 16th failure from a network the account never used").isEqualTo(Duration.ofMinutes(5));
    assertThat(throttle.refusalBeforeCheck(OWNER, network(78))).as("while that tarpit runs")
        .hasValueSatisfying(reason -> assertThat(reason).startsWith("account under distributed guessing"));

    assertThat(throttle.refusalBeforeCheck(OWNER, HOME)).as("the owner at home is checked at once").isEmpty();
    Guess typo = guess(throttle, HOME);
    assertThat(typo.tarpit()).as("her own typo costs her network's first step, not the account's").isEqualTo(Duration.ofSeconds(1));
    assertThat(throttle.refusalBeforeCheck(OWNER, HOME)).isEmpty();
    throttle.succeeded(OWNER, HOME);
    assertThat(distributedGuessingEvents()).hasSize(1);
  }

  @Test
  void theAccountsFailuresOutliveARestart() throws Exception {
    AuthThrottle first = throttle(UnaryOperator.identity());
    serialGuesses(first, 5); // 1 + 2 + 4 + 8 + 16 s
    first.close();
    AuthThrottle second = reopen(UnaryOperator.identity());
    assertThat(guess(second, network(30)).tarpit()).as("the sixth failure, from yet another network").isEqualTo(Duration.ofSeconds(32));
  }
}
