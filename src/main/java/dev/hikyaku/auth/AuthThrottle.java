package dev.hikyaku.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hikyaku.config.AbuseConfig;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.limits.DistinctCounter;
import dev.hikyaku.limits.KeptCounters;
import dev.hikyaku.limits.Networks;
import dev.hikyaku.limits.SurgeDetector;
import dev.hikyaku.limits.WindowCounter;
import dev.hikyaku.store.Block;
import dev.hikyaku.store.Defences;
import dev.hikyaku.store.StoreException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes guessing passwords hopeless without letting an attacker lock the owner out.
 *
 * <ul>
 *   <li>Every failed AUTH costs the client time: a tarpit that doubles with each failure of the same
 *       account from the same network, and grows further during a credential-stuffing surge.
 *   <li>Distributed guessing (one account, many networks, a few tries each): a failure from a
 *       network the account never logged in from also costs a tarpit that doubles with the
 *       account's failures from all such networks within {@code accountTarpitWindow}, up to {@code
 *       accountTarpitMax}. From {@code accountAttackFailures} of them on, an event is raised and such
 *       networks get one checked attempt per account tarpit between them: an attempt that arrives
 *       while another's tarpit runs is refused unchecked, so opening many connections at once buys
 *       nothing. Failures from the owner's known networks keep their own tarpit per network and are
 *       never held back by the account's.
 *   <li>Brute force and dictionary attacks on one account: after {@code accountSourceFailures}
 *       failures from one /24 or /64 within the block window, that account is blocked from that
 *       network. After {@code accountFailuresPerHour} failures in an hour from anywhere (NIST SP
 *       800-63B rev. 4 §3.2.2: at most 100 consecutive failures), it is blocked from every network
 *       it has never logged in from. Networks the owner has logged in from are never blocked for the
 *       account (OWASP: lockout must not become denial of service).
 *   <li>Password spraying (one source, many accounts) and plain hammering: the source address is
 *       blocked after failing on {@code sourceAccounts} different accounts, or {@code
 *       sourceFailuresPerHour} times, within an hour.
 *   <li>Credential stuffing (many sources, few tries each): the global failure rate is compared with
 *       its own baseline; in a surge every failing attempt is slowed further and an event is raised.
 * </ul>
 *
 * Counters live in memory (bounded) and are exchanged with the store every few seconds and at
 * shutdown ({@link KeptCounters}): on several nodes sharing a store they are the cluster's counts, so
 * an attacker gets no more tries from N nodes than from one. Blocks and known networks are durable
 * at once, and every node reads the blocks in force every five seconds: a block made on one node
 * holds on all within that. So the state survives a restart and is the same on every node.
 */
public final class AuthThrottle implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AuthThrottle.class);
  private static final Duration HOUR = Duration.ofHours(1);
  private static final long MAX_KEYS = 100_000;
  private static final String COUNTER_GROUP = "auth";
  /** Ended blocks are deleted once a minute (every twelfth five-second refresh) and at start. */
  private static final int PURGE_EVERY_ROUNDS = 12;
  // A network is blocked for spraying at this many times the per-address number of accounts: one
  // /24 may hold an office's NAT, so it gets more room than a single address.
  private static final int NETWORK_FACTOR = 3;

  /** Whether an AUTH may start from this address. */
  public sealed interface Admission {
    record Allowed() implements Admission {}

    record Blocked(Block block) implements Admission {}

    record TooFast() implements Admission {}
  }

  private final AbuseConfig settings;
  private final Defences defences;
  private final Events events;
  private final Clock clock;
  // The counters, by name (the name prefixes their keys in snapshots).
  private final WindowCounter accountSourceFailures;
  private final WindowCounter accountFailures;
  private final WindowCounter sourceFailures;
  private final WindowCounter authRate;
  // Failures of an account from networks it never logged in from (the account tarpit), and attempts
  // from such networks counted before the credential check, which see a burst before its failures.
  private final WindowCounter accountUnknownFailures;
  private final WindowCounter accountUnknownAttempts;
  private final DistinctCounter sourceAccounts;
  private final DistinctCounter networkAccounts;
  private final KeptCounters kept;
  private final SurgeDetector stuffing;
  private final Cache<String, Boolean> knownSources =
      Caffeine.newBuilder().maximumSize(MAX_KEYS).expireAfterWrite(Duration.ofMinutes(10)).build();
  private final Map<String, Block> blocks = new ConcurrentHashMap<>();
  // An account under distributed guessing: when the next attempt from a network it never used may be checked.
  private final Cache<String, Instant> accountTurns;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean isSurge;
  private Thread keeper;

  /**
   * @param settings the thresholds: the {@code abuse} section of the config
   * @param vault where the failure counters are kept across restarts (the store, wired by the app)
   */
  public AuthThrottle(AbuseConfig settings, Defences defences, KeptCounters.Vault vault, Events events, Clock clock) {
    this.settings = settings;
    this.defences = defences;
    this.events = events;
    this.clock = clock;
    this.accountSourceFailures = new WindowCounter(settings.blockDuration(), MAX_KEYS, clock);
    this.accountFailures = new WindowCounter(HOUR, MAX_KEYS, clock);
    this.sourceFailures = new WindowCounter(HOUR, MAX_KEYS, clock);
    this.authRate = new WindowCounter(Duration.ofMinutes(1), MAX_KEYS, clock);
    this.accountUnknownFailures = new WindowCounter(settings.accountTarpitWindow(), MAX_KEYS, clock);
    this.accountUnknownAttempts = new WindowCounter(settings.accountTarpitWindow(), MAX_KEYS, clock);
    // A turn matters until the clock passes it; the expiry (in the cache's own time) only bounds memory.
    this.accountTurns =
        Caffeine.newBuilder()
            .maximumSize(MAX_KEYS)
            .expireAfterWrite(settings.accountTarpitMax().plus(settings.accountTarpitWindow()))
            .build();
    this.sourceAccounts = new DistinctCounter(HOUR, MAX_KEYS, settings.sourceAccounts() + 1, clock);
    this.networkAccounts = new DistinctCounter(HOUR, MAX_KEYS, NETWORK_FACTOR * settings.sourceAccounts() + 1, clock);
    this.kept =
        new KeptCounters(
            COUNTER_GROUP,
            Map.of(
                "account-source-failures", accountSourceFailures,
                "account-failures", accountFailures,
                "account-unknown-failures", accountUnknownFailures,
                "account-unknown-attempts", accountUnknownAttempts,
                "source-failures", sourceFailures,
                "source-accounts", sourceAccounts,
                "network-accounts", networkAccounts),
            vault,
            Duration.ofSeconds(5));
    this.stuffing = new SurgeDetector(settings.stuffingFactor(), settings.stuffingMinimum(), 0.2, clock);
  }

  /** Loads blocks and saved counters, then keeps them in step with the store every few seconds. */
  public AuthThrottle start() {
    refreshBlocks();
    purgeExpiredBlocks();
    kept.start();
    keeper = Thread.ofVirtual().name("auth-throttle").start(this::keep);
    return this;
  }

  /** Exchanges counters and reads blocks now, as the keeper does every five seconds (for tests of several nodes). */
  public void syncWithStore() {
    kept.exchange();
    refreshBlocks();
  }

  private void keep() {
    try {
      for (long round = 1; !stopped.await(5, TimeUnit.SECONDS); round++) {
        refreshBlocks(); // picks up blocks removed by the CLI or added by another node
        if (round % PURGE_EVERY_ROUNDS == 0) {
          purgeExpiredBlocks();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Deletes the rows of blocks that have ended, so the table holds what is in force (the audit log
   * keeps the history: {@code ClientBlocked}, then {@code ClientUnblocked} with reason "expiry").
   * Every node may run it; deleting an ended block twice is harmless.
   */
  private void purgeExpiredBlocks() {
    try {
      int purged = defences.purgeExpiredBlocks(clock.instant());
      if (purged > 0) {
        log.debug("purged {} expired block(s)", purged);
      }
    } catch (StoreException e) {
      log.warn("could not purge expired blocks: {}", e.getMessage());
    }
  }

  // ---- Questions the session asks --------------------------------------------------------------

  /** The block on this client's address or network, if one is in force. */
  public Optional<Block> blockOf(InetAddress client) {
    Instant now = clock.instant();
    for (String key : List.of("ip " + client.getHostAddress(), Networks.scope(client) + " " + Networks.of(client))) {
      Block block = blocks.get(key);
      if (block != null && block.isActiveAt(now)) {
        return Optional.of(block);
      }
    }
    return Optional.empty();
  }

  /** Before an AUTH exchange: the address is neither blocked nor over its AUTH rate. */
  public Admission admit(InetAddress client) {
    Optional<Block> block = blockOf(client);
    if (block.isPresent()) {
      return new Admission.Blocked(block.get());
    }
    if (authRate.increment(client.getHostAddress()) > settings.authPerMinute()) {
      return new Admission.TooFast();
    }
    return new Admission.Allowed();
  }

  /**
   * Before the credentials of {@code account} are checked for {@code client}: why the attempt is
   * refused unchecked, if it is. It is when the account is blocked for that network, or blocked
   * everywhere it never logged in from, or under distributed guessing while the tarpit of the last
   * checked attempt from such a network runs. An attempt let through from such a network takes the
   * account's turn: call this once per exchange.
   */
  public Optional<String> refusalBeforeCheck(String account, InetAddress client) {
    String login = account.toLowerCase(Locale.ROOT);
    String network = Networks.of(client);
    Instant now = clock.instant();
    Block here = blocks.get("account-from-source " + login + " from " + network);
    if (here != null && here.isActiveAt(now)) {
      return Optional.of(BLOCKED);
    }
    if (login.isEmpty() || isKnownSource(login, network)) {
      return Optional.empty(); // the owner's networks: never blocked, never held back for the account
    }
    Block everywhere = blocks.get("account " + login);
    if (everywhere != null && everywhere.isActiveAt(now)) {
      return Optional.of(BLOCKED);
    }
    // Counted before the check (one increment, so parallel attempts each see a different number): a
    // burst of attempts is seen before its failures are, and gets no more than the threshold and one.
    long earlier = accountUnknownAttempts.increment(login) - 1;
    long seen = Math.max(accountUnknownFailures.count(login), earlier);
    if (seen >= settings.accountAttackFailures() && !tookTurn(login, doubling(seen, settings.accountTarpitMax()), now)) {
      return Optional.of(HELD_BACK);
    }
    return Optional.empty();
  }

  private static final String BLOCKED = "account blocked from this network after repeated failures";
  private static final String HELD_BACK =
      "account under distributed guessing: another attempt from a network it never used is in its tarpit";

  /** Takes the account's turn if it is free: the next waits {@code wait} from now. */
  private boolean tookTurn(String login, Duration wait, Instant now) {
    boolean[] isTaken = {false};
    accountTurns.asMap().compute(login, (key, next) -> {
      if (next != null && now.isBefore(next)) {
        return next;
      }
      isTaken[0] = true;
      return now.plus(wait);
    });
    return isTaken[0];
  }

  // ---- What happened ---------------------------------------------------------------------------

  /**
   * Records a failed attempt and returns how long the client must wait for its reply (the tarpit).
   *
   * @param account the account tried, or "" when the client never named one
   */
  public Duration failed(String account, InetAddress client) {
    String login = account.toLowerCase(Locale.ROOT);
    String address = client.getHostAddress();
    String network = Networks.of(client);
    boolean isKnown = !login.isEmpty() && isKnownSource(login, network);
    long unknownFailures = 0;

    long pairFailures = login.isEmpty() ? sourceFailures.count(address) + 1 : accountSourceFailures.increment(login + " " + network);
    long bySource = sourceFailures.increment(address);
    int distinct = login.isEmpty() ? 0 : sourceAccounts.add(address, login);
    int distinctInNetwork = login.isEmpty() ? 0 : networkAccounts.add(network, login);

    // Spraying or hammering from one address: block the address.
    if (distinct >= settings.sourceAccounts() || bySource >= settings.sourceFailuresPerHour()) {
      block("ip", address, distinct >= settings.sourceAccounts()
          ? "failed logins on " + distinct + " accounts within an hour (password spraying)"
          : bySource + " failed logins within an hour");
      if (distinct >= settings.sourceAccounts()) {
        attack("password-spraying", address + " failed on " + distinct + " accounts");
      }
    }
    // Spraying spread over many addresses of one /24 or /64: block the network.
    if (distinctInNetwork >= NETWORK_FACTOR * settings.sourceAccounts()) {
      block(Networks.scope(client), network, "failed logins on " + distinctInNetwork + " accounts within an hour from this network");
      attack("password-spraying", network + " failed on " + distinctInNetwork + " accounts");
    }
    if (!login.isEmpty() && !isKnown) {
      // Brute force on one account from one network: block that pair.
      if (pairFailures >= settings.accountSourceFailures()) {
        block("account-from-source", login + " from " + network, pairFailures + " failed logins from " + network);
      }
      // NIST cap: no more than so many failures per account per hour from unknown networks.
      long byAccount = accountFailures.increment(login);
      if (byAccount >= settings.accountFailuresPerHour()) {
        block("account", login, byAccount + " failed logins within an hour from networks it never used");
        attack("brute-force", login + " failed " + byAccount + " times within an hour");
      }
      // Distributed guessing: the account's tarpit grows with its failures from every such network.
      unknownFailures = accountUnknownFailures.increment(login);
      if (unknownFailures == settings.accountAttackFailures()) {
        attack(
            "distributed-guessing",
            login + " failed " + unknownFailures + " times within " + settings.accountTarpitWindow().toSeconds()
                + " s from networks it never logged in from, the last " + network
                + "; such networks now get one checked attempt per account tarpit (up to "
                + settings.accountTarpitMax().toSeconds() + " s)");
      }
    }
    boolean wasSurge = isSurge;
    isSurge = stuffing.record();
    if (isSurge && !wasSurge) {
      attack(
          "credential-stuffing",
          "failed logins this minute far above the baseline of " + String.format(Locale.ROOT, "%.1f", stuffing.baseline()) + " per minute");
    }
    return tarpit(pairFailures, unknownFailures);
  }

  /** Records a success: the network becomes known for the account, its failure counts reset. */
  public void succeeded(String account, InetAddress client) {
    String login = account.toLowerCase(Locale.ROOT);
    String network = Networks.of(client);
    accountSourceFailures.reset(login + " " + network);
    if (knownSources.getIfPresent(login + " " + network) == null) {
      if (!isKnownSource(login, network) && accountUnknownAttempts.count(login) > 0) {
        // The owner's first login from here was counted as an attempt from a network she never
        // used; it was hers, not the attacker's.
        accountUnknownAttempts.add(login, -1);
      }
      try {
        defences.rememberSource(login, network, clock.instant());
        knownSources.put(login + " " + network, true);
      } catch (StoreException e) {
        log.warn("could not remember a login network of {}: {}", login, e.getMessage());
      }
    }
  }

  /**
   * The delay before a failed attempt's reply: the longer of the doubling per (account, network)
   * and the doubling per account over networks it never used, plus the surge penalty.
   */
  Duration tarpit(long pairFailures, long unknownFailures) {
    Duration pair = doubling(Math.max(pairFailures, 1), settings.tarpitMax());
    Duration account = doubling(unknownFailures, settings.accountTarpitMax());
    Duration delay = account.compareTo(pair) > 0 ? account : pair;
    return isSurge ? delay.plus(settings.stuffingDelay()) : delay;
  }

  /** {@code tarpit} × 2^(failures − 1), at most {@code max}; none before the first failure. */
  private Duration doubling(long failures, Duration max) {
    if (failures <= 0) {
      return Duration.ZERO;
    }
    Duration delay = settings.tarpit().multipliedBy(1L << Math.min(failures - 1, 30));
    return delay.compareTo(max) > 0 ? max : delay;
  }

  // ---- Blocks ----------------------------------------------------------------------------------

  /**
   * Blocks {@code client}'s network (its /24 or /64) for the block duration, for abuse seen outside
   * AUTH (a directory harvest at RCPT, {@code policy.DirectoryHarvest}): the same blocks as AUTH's,
   * in force at once for new connections, durable, and listed and lifted by {@code hikyaku blocks}.
   */
  public void blockNetwork(InetAddress client, String reason) {
    block(Networks.scope(client), Networks.of(client), reason);
  }

  /** Blocks in memory whose store write has not (yet) succeeded: see {@link #refreshBlocks}. */
  private final Set<String> unpersisted = ConcurrentHashMap.newKeySet();
  /** When (in blocks made) each block this process made was made: see {@link #refreshBlocks}. */
  private final Map<String, Long> madeAt = new ConcurrentHashMap<>();
  private final AtomicLong blocksMade = new AtomicLong();

  private void block(String scope, String subject, String reason) {
    Instant now = clock.instant();
    String key = scope + " " + subject;
    Block existing = blocks.get(key);
    if (existing != null && existing.isActiveAt(now)) {
      return;
    }
    Block block = new Block(scope, subject, now.plus(settings.blockDuration()), reason, now);
    // Marked before it is in memory, so that a refresh running now keeps it.
    unpersisted.add(key);
    madeAt.put(key, blocksMade.incrementAndGet());
    blocks.put(key, block);
    try {
      defences.block(block);
      unpersisted.remove(key);
    } catch (StoreException e) {
      log.warn("block of {} {} kept in memory only, until it ends: {}", scope, subject, e.getMessage());
    }
    events.publish(new Event.ClientBlocked(now, scope, subject, block.until(), reason));
  }

  private void attack(String kind, String detail) {
    events.publish(new Event.AttackSuspected(clock.instant(), kind, detail));
  }

  private void refreshBlocks() {
    try {
      Instant now = clock.instant();
      // Blocks whose store write may not be in what the read below sees: a block made while the
      // refresh runs, or one the store refused. They are not the admin's removals.
      Set<String> pending = Set.copyOf(unpersisted);
      long madeBeforeRead = blocksMade.get();
      Map<String, Block> fresh = new ConcurrentHashMap<>();
      for (Block block : defences.activeBlocks(now)) {
        fresh.put(block.scope() + " " + block.subject(), block);
      }
      // Blocks that ended or were removed by an admin leave memory too.
      for (Map.Entry<String, Block> entry : blocks.entrySet()) {
        String key = entry.getKey();
        Block gone = entry.getValue();
        // Made after the read began, or not yet (or never) written: the read cannot speak for it.
        boolean isUnconfirmed = pending.contains(key) || unpersisted.contains(key)
            || madeAt.getOrDefault(key, 0L) > madeBeforeRead;
        if (fresh.containsKey(key) || (isUnconfirmed && gone.isActiveAt(now))) {
          continue;
        }
        blocks.remove(key);
        unpersisted.remove(key);
        madeAt.remove(key);
        events.publish(
            new Event.ClientUnblocked(now, gone.scope(), gone.subject(), gone.isActiveAt(now) ? "admin" : "expiry"));
      }
      blocks.putAll(fresh);
    } catch (StoreException e) {
      log.warn("could not refresh blocks from the store: {}", e.getMessage());
    }
  }

  private boolean isKnownSource(String login, String network) {
    String key = login + " " + network;
    if (knownSources.getIfPresent(key) != null) {
      return true;
    }
    try {
      boolean isKnown = defences.isKnownSource(login, network);
      if (isKnown) {
        knownSources.put(key, true);
      }
      return isKnown;
    } catch (StoreException e) {
      return false;
    }
  }

  /** Saves the counters one last time; call before the store closes. */
  @Override
  public void close() {
    stopped.countDown();
    if (keeper != null) {
      try {
        keeper.join(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    kept.close();
  }
}
