package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.limits.KeptCounters;
import dev.hikyaku.limits.WindowCounter;
import dev.hikyaku.store.NodeIdentity;
import dev.hikyaku.store.Store;
import dev.hikyaku.testing.SettableClock;
import dev.hikyaku.testing.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kept counters of two nodes on one store (issue 16): each node sends what it counted since its
 * last exchange and takes the cluster's totals back, a reset on one node is a reset on all, and
 * what could not be sent (the store away) is sent with the next exchange rather than lost.
 */
class KeptCountersNodesTest {

  // One second into an hour: the test's counts stay in one hour window.
  private final SettableClock clock = new SettableClock(Instant.parse("2026-12-07T10:00:01Z"));

  @TempDir Path dataDirectory;
  private Store storeA;
  private Store storeB;
  private WindowCounter countedOnA;
  private WindowCounter countedOnB;
  private KeptCounters nodeA;
  private KeptCounters nodeB;

  @BeforeEach
  void open() throws Exception {
    storeA = TestStores.open(dataDirectory, clock, new NodeIdentity("a", Duration.ofSeconds(60)));
    storeB = TestStores.open(dataDirectory, clock, new NodeIdentity("b", Duration.ofSeconds(60)));
    countedOnA = new WindowCounter(Duration.ofHours(1), 1_000, clock);
    countedOnB = new WindowCounter(Duration.ofHours(1), 1_000, clock);
    nodeA = kept(storeA, countedOnA);
    nodeB = kept(storeB, countedOnB);
  }

  private KeptCounters kept(Store store, WindowCounter counter) {
    // An interval no test waits for: the exchanges are run by hand.
    return new KeptCounters("test", Map.of("failures", counter), new StoreSuspensions(store.defences(), clock),
        Duration.ofHours(1)).start();
  }

  @AfterEach
  void close() {
    nodeB.close();
    nodeA.close();
    storeB.close();
    storeA.close();
  }

  @Test
  void eachNodeSeesTheClustersCountAfterAnExchange() {
    countedOnA.add("203.0.113.7", 4);
    countedOnB.add("203.0.113.7", 5);
    nodeA.exchange();
    nodeB.exchange();
    nodeA.exchange();

    assertThat(countedOnA.count("203.0.113.7")).isEqualTo(9);
    assertThat(countedOnB.count("203.0.113.7")).isEqualTo(9);

    // Counted again after the exchange: on top of the totals, and sent once.
    countedOnA.increment("203.0.113.7");
    assertThat(countedOnA.count("203.0.113.7")).isEqualTo(10);
    nodeA.exchange();
    nodeA.exchange();
    nodeB.exchange();
    assertThat(countedOnA.count("203.0.113.7")).isEqualTo(10);
    assertThat(countedOnB.count("203.0.113.7")).isEqualTo(10);
  }

  @Test
  void aResetOnOneNodeIsAResetOnAll() {
    countedOnA.add("carol 192.0.2.0/24", 3);
    nodeA.exchange();
    nodeB.exchange();
    assertThat(countedOnB.count("carol 192.0.2.0/24")).isEqualTo(3);

    countedOnB.reset("carol 192.0.2.0/24");
    countedOnB.increment("carol 192.0.2.0/24"); // a failure after the reset counts from zero
    nodeB.exchange();
    nodeA.exchange();

    assertThat(countedOnA.count("carol 192.0.2.0/24")).isEqualTo(1);
    assertThat(countedOnB.count("carol 192.0.2.0/24")).isEqualTo(1);
  }

  @Test
  void whatCouldNotBeSentIsSentWithTheNextExchange() throws Exception {
    countedOnA.add("198.51.100.9", 2);
    storeA.close(); // the exchange fails: the counts are kept, not dropped
    nodeA.exchange();
    assertThat(countedOnA.count("198.51.100.9")).isEqualTo(2);

    storeA = TestStores.open(dataDirectory, clock, new NodeIdentity("a", Duration.ofSeconds(60)));
    KeptCounters reopened = new KeptCounters("test", Map.of("failures", countedOnA),
        new StoreSuspensions(storeA.defences(), clock), Duration.ofHours(1));
    reopened.exchange();
    nodeB.exchange();
    assertThat(countedOnB.count("198.51.100.9")).isEqualTo(2);
  }
}
