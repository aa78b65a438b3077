package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.auth.AuthThrottle;
import dev.hikyaku.config.AbuseConfig;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.events.Events;
import dev.hikyaku.store.NodeIdentity;
import dev.hikyaku.store.Store;
import dev.hikyaku.testing.TestStores;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes' AUTH throttles on one store (issue 16, shared abuse state): an attacker spreading its
 * tries over the nodes is counted once for the cluster, and a block made on one node refuses the
 * attacker on the other. Each throttle is the server's own ({@link DefenceWiring#throttle}); the
 * exchange every node's keeper runs every five seconds is run at once here
 * ({@link AuthThrottle#syncWithStore}), and one test waits for the keeper itself.
 */
class AuthThrottleNodesTest {

  private static final Clock CLOCK = Clock.systemUTC();
  private static final AbuseConfig ABUSE = AbuseConfig.builder()
      .tarpit(Duration.ZERO)
      .sourceFailuresPerHour(10)
      .sourceAccounts(6)
      .authPerMinute(1_000)
      .build();

  @TempDir Path dataDirectory;
  private Store storeA;
  private Store storeB;
  private AuthThrottle nodeA;
  private AuthThrottle nodeB;

  @BeforeEach
  void open() throws Exception {
    HikyakuConfig config = HikyakuConfig.builder().abuse(ABUSE).build();
    storeA = TestStores.open(dataDirectory, CLOCK, new NodeIdentity("a", Duration.ofSeconds(60)));
    storeB = TestStores.open(dataDirectory, CLOCK, new NodeIdentity("b", Duration.ofSeconds(60)));
    nodeA = DefenceWiring.throttle(config, storeA, new Events(List.of()), CLOCK);
    nodeB = DefenceWiring.throttle(config, storeB, new Events(List.of()), CLOCK);
  }

  @AfterEach
  void close() {
    nodeB.close();
    nodeA.close();
    storeB.close();
    storeA.close();
  }

  @Test
  void failuresSpreadOverTwoNodesAreCountedOnceForTheCluster() throws Exception {
    InetAddress attacker = InetAddress.getByName("203.0.113.7");
    // Six failures on each node: below the threshold of ten on either alone.
    for (int i = 0; i < 6; i++) {
      nodeA.failed("alice@example.org", attacker);
      nodeB.failed("alice@example.org", attacker);
    }
    assertThat(nodeA.blockOf(attacker)).isEmpty();
    assertThat(nodeB.blockOf(attacker)).isEmpty();

    nodeA.syncWithStore();
    nodeB.syncWithStore();
    nodeB.failed("alice@example.org", attacker); // the cluster's 13th

    assertThat(nodeB.blockOf(attacker)).hasValueSatisfying(block ->
        assertThat(block.reason()).contains("failed logins within an hour"));
  }

  @Test
  void accountsSprayedOverTwoNodesAreCountedOnceForTheCluster() throws Exception {
    InetAddress sprayer = InetAddress.getByName("198.51.100.9");
    // Three accounts from each node: six distinct accounts, the spraying threshold, only together.
    for (String account : List.of("a1", "a2", "a3")) {
      nodeA.failed(account + "@example.org", sprayer);
    }
    for (String account : List.of("b1", "b2", "b3")) {
      nodeB.failed(account + "@example.org", sprayer);
    }
    assertThat(nodeA.blockOf(sprayer)).isEmpty();

    nodeB.syncWithStore();
    nodeA.syncWithStore();
    nodeA.failed("a4@example.org", sprayer);

    assertThat(nodeA.blockOf(sprayer)).hasValueSatisfying(block ->
        assertThat(block.reason()).contains("password spraying"));
  }

  @Test
  void aBlockMadeOnOneNodeRefusesTheAttackerOnTheOtherWithinFiveSeconds() throws Exception {
    InetAddress attacker = InetAddress.getByName("192.0.2.44");
    for (int i = 0; i < 10; i++) {
      nodeA.failed("bob@example.org", attacker);
    }
    assertThat(nodeA.admit(attacker)).isInstanceOf(AuthThrottle.Admission.Blocked.class);

    // No sync by hand: node B's keeper reads the blocks in force every five seconds.
    long started = System.nanoTime();
    while (!(nodeB.admit(attacker) instanceof AuthThrottle.Admission.Blocked)
        && System.nanoTime() - started < Duration.ofSeconds(7).toNanos()) {
      Thread.sleep(100);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(nodeB.admit(attacker)).isInstanceOf(AuthThrottle.Admission.Blocked.class);
    assertThat(took).isLessThanOrEqualTo(Duration.ofMillis(5_500));
  }
}
