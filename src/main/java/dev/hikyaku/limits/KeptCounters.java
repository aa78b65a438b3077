package dev.hikyaku.limits;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named counters kept in the store and shared by every node on it: loaded at start, and every few
 * seconds (and at close) what this node counted since the last time is added to the shared totals,
 * and the totals, with every other node's counts in them, come back. So on several nodes an
 * attacker's failures and a sender's quota are counted once for the cluster, not once per node
 * (each node lags the others by at most one interval); on one node it is what survives a restart.
 * A crash loses at most the last interval's counts.
 */
public final class KeptCounters implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KeptCounters.class);

  /** A counter whose counts are shared through the store. */
  public interface Shared {
    /** What was counted here since the last exchange, and the keys reset here; taken, so not sent twice. */
    Exchange takeUnsent();

    /** Puts back what {@link #takeUnsent} took when the exchange failed, to be sent with the next. */
    void giveBack(Exchange unsent);

    /** The shared totals (every node's counts, this node's sent ones among them) as this node's counts. */
    void absorb(List<WindowCounter.Entry> totals);

    /** When the current window began: a total from before every counter's current window is stale. */
    Instant windowStart();
  }

  /** Counts to add to the shared totals, and keys whose totals start again from zero (first). */
  public record Exchange(List<WindowCounter.Entry> added, Set<String> reset) {
    public Exchange {
      added = List.copyOf(added);
      reset = Set.copyOf(reset);
    }
  }

  /** Where counters are kept (the store, wired by the app). */
  public interface Vault {
    /** The totals {@code group} holds; keys are "counter-name|key". */
    List<WindowCounter.Entry> load(String group) throws Exception;

    /**
     * In one transaction: deletes the totals of {@code unsent}'s reset keys, adds its counts to the
     * totals (a count for a later window than the total's replaces it), and deletes totals of windows
     * that began before {@code staleBefore}; then returns the group's totals, as {@link #load}.
     */
    List<WindowCounter.Entry> exchange(String group, Exchange unsent, Instant staleBefore) throws Exception;
  }

  private final String group;
  private final Map<String, Shared> counters;
  private final Vault vault;
  private final Duration interval;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private Thread keeper;

  /** Keys of the kept entries are "counter-name|key". */
  public KeptCounters(String group, Map<String, ? extends Shared> counters, Vault vault, Duration interval) {
    this.group = group;
    this.counters = Map.copyOf(counters);
    this.vault = vault;
    this.interval = interval;
  }

  public KeptCounters start() {
    try {
      absorb(vault.load(group));
    } catch (Exception e) {
      log.warn("could not load the kept {} counters: {}", group, e.getMessage());
    }
    keeper = Thread.ofVirtual().name("counters-" + group).start(() -> {
      try {
        while (!stopped.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
          exchange();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    return this;
  }

  public WindowCounter get(String name) {
    if (counters.get(name) instanceof WindowCounter counter) {
      return counter;
    }
    throw new IllegalArgumentException("no window counter " + name + " in " + group);
  }

  /**
   * Sends what was counted here and takes the shared totals back. Called every interval; public so
   * that a test of several nodes need not wait for it.
   */
  public void exchange() {
    Map<String, Exchange> taken = new HashMap<>();
    List<WindowCounter.Entry> added = new ArrayList<>();
    Set<String> reset = new HashSet<>();
    counters.forEach((name, counter) -> {
      Exchange unsent = counter.takeUnsent();
      taken.put(name, unsent);
      unsent.added().forEach(e -> added.add(new WindowCounter.Entry(name + "|" + e.key(), e.windowStart(), e.count())));
      unsent.reset().forEach(key -> reset.add(name + "|" + key));
    });
    Instant staleBefore = counters.values().stream().map(Shared::windowStart).min(Comparator.naturalOrder()).orElse(Instant.EPOCH);
    try {
      absorb(vault.exchange(group, new Exchange(added, reset), staleBefore));
    } catch (Exception e) {
      taken.forEach((name, unsent) -> counters.get(name).giveBack(unsent));
      log.warn("could not exchange the {} counters with the store: {}", group, e.getMessage());
    }
  }

  private void absorb(List<WindowCounter.Entry> totals) {
    Map<String, List<WindowCounter.Entry>> byCounter = new HashMap<>();
    for (WindowCounter.Entry kept : totals) {
      int bar = kept.key().indexOf('|');
      if (bar > 0 && counters.containsKey(kept.key().substring(0, bar))) {
        byCounter.computeIfAbsent(kept.key().substring(0, bar), name -> new ArrayList<>())
            .add(new WindowCounter.Entry(kept.key().substring(bar + 1), kept.windowStart(), kept.count()));
      }
    }
    counters.forEach((name, counter) -> counter.absorb(byCounter.getOrDefault(name, List.of())));
  }

  /** Sends what is left one last time; call before the vault's store closes. */
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
    exchange();
  }
}
