package dev.hikyaku.limits;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named window counters that outlive a restart: loaded from a {@link Vault} at start, saved every
 * few seconds and at close. A crash loses at most the last few seconds of counts.
 */
public final class KeptCounters implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KeptCounters.class);

  /** Where counters are kept (the store, wired by the app). */
  public interface Vault {
    List<WindowCounter.Entry> load(String group) throws Exception;

    void save(String group, List<WindowCounter.Entry> entries) throws Exception;
  }

  private final String group;
  private final Map<String, WindowCounter> counters;
  private final Vault vault;
  private final Duration interval;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private Thread keeper;

  /** Keys of the saved entries are "counter-name|key". */
  public KeptCounters(String group, Map<String, WindowCounter> counters, Vault vault, Duration interval) {
    this.group = group;
    this.counters = Map.copyOf(counters);
    this.vault = vault;
    this.interval = interval;
  }

  public KeptCounters start() {
    try {
      for (WindowCounter.Entry saved : vault.load(group)) {
        int bar = saved.key().indexOf('|');
        WindowCounter counter = bar < 0 ? null : counters.get(saved.key().substring(0, bar));
        if (counter != null) {
          counter.restore(List.of(new WindowCounter.Entry(saved.key().substring(bar + 1), saved.windowStart(), saved.count())));
        }
      }
    } catch (Exception e) {
      log.warn("could not load the saved {} counters: {}", group, e.getMessage());
    }
    keeper = Thread.ofVirtual().name("counters-" + group).start(() -> {
      try {
        while (!stopped.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
          save();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    return this;
  }

  public WindowCounter get(String name) {
    WindowCounter counter = counters.get(name);
    if (counter == null) {
      throw new IllegalArgumentException("no counter " + name + " in " + group);
    }
    return counter;
  }

  private void save() {
    List<WindowCounter.Entry> all = new ArrayList<>();
    counters.forEach((name, counter) ->
        counter.snapshot().forEach(e -> all.add(new WindowCounter.Entry(name + "|" + e.key(), e.windowStart(), e.count()))));
    try {
      vault.save(group, all);
    } catch (Exception e) {
      log.warn("could not save the {} counters: {}", group, e.getMessage());
    }
  }

  /** Saves one last time; call before the vault's store closes. */
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
    save();
  }
}
