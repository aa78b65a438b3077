package dev.hikyaku.app;

import dev.hikyaku.limits.KeptCounters;
import dev.hikyaku.limits.Networks;
import dev.hikyaku.limits.WindowCounter;
import dev.hikyaku.policy.SuspensionRule;
import dev.hikyaku.store.CounterSnapshot;
import dev.hikyaku.store.Defences;
import dev.hikyaku.store.StoreException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The store behind compromised-account detection and behind kept counters. */
final class StoreSuspensions implements SuspensionRule.Suspensions, KeptCounters.Vault {

  private static final Logger log = LoggerFactory.getLogger(StoreSuspensions.class);

  private final Defences defences;
  private final Clock clock;

  StoreSuspensions(Defences defences, Clock clock) {
    this.defences = defences;
    this.clock = clock;
  }

  @Override
  public Optional<String> reason(String account) {
    try {
      return defences.suspension(account);
    } catch (StoreException e) {
      // Fail open: with the store down nothing is accepted anyway, and a store hiccup must not
      // look like a suspension to the owner.
      return Optional.empty();
    }
  }

  @Override
  public void suspend(String account, String reason) {
    try {
      defences.suspend(account, reason, clock.instant());
    } catch (StoreException e) {
      log.error("could not suspend {} ({}): {}", account, reason, e.getMessage());
    }
  }

  @Override
  public boolean isKnownNetwork(String account, InetAddress client) {
    try {
      return defences.isKnownSource(account, Networks.of(client));
    } catch (StoreException e) {
      return false;
    }
  }

  @Override
  public List<WindowCounter.Entry> load(String group) throws StoreException {
    return defences.savedCounters(group).stream()
        .map(c -> new WindowCounter.Entry(c.name(), c.windowStart(), c.count()))
        .toList();
  }

  @Override
  public List<WindowCounter.Entry> exchange(String group, KeptCounters.Exchange unsent, Instant staleBefore)
      throws StoreException {
    defences.addCounters(group,
        unsent.added().stream().map(e -> new CounterSnapshot(e.key(), e.windowStart(), e.count())).toList(),
        unsent.reset(), staleBefore);
    return load(group);
  }
}
