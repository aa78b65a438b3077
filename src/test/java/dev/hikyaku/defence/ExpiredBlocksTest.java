package dev.hikyaku.defence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.auth.AuthThrottle;
import dev.hikyaku.config.ConfigLoader;
import dev.hikyaku.events.Events;
import dev.hikyaku.store.Block;
import dev.hikyaku.store.Store;
import dev.hikyaku.testing.SettableClock;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ended blocks leave the {@code block} table (issue 18 point 5: they stayed there for ever). The
 * throttle deletes them when it starts and once a minute after; what is in force stays, and a
 * block that ended no longer refuses its client.
 */
class ExpiredBlocksTest {

  private static final Instant NOW = Instant.parse("2026-03-02T09:00:00Z");

  @TempDir Path data;
  private final SettableClock clock = new SettableClock(NOW);

  @Test
  void theThrottleDeletesEndedBlocksAndKeepsTheOnesInForce() throws Exception {
    try (Store store = Store.openSqlite(data.resolve("store"), clock)) {
      store.defences().block(new Block("ip", "192.0.2.1", NOW.minus(Duration.ofHours(2)), "old", NOW.minus(Duration.ofHours(3))));
      store.defences().block(new Block("ip", "192.0.2.2", NOW, "ends now", NOW.minus(Duration.ofHours(1))));
      store.defences().block(new Block("ip", "192.0.2.3", NOW.plus(Duration.ofHours(1)), "in force", NOW.minus(Duration.ofMinutes(5))));

      try (AuthThrottle throttle = Server.throttle(ConfigLoader.defaults(), store, new Events(List.of()), clock)) {
        // Every row there is, ended or not: the read counts blocks ending after the epoch.
        assertThat(store.defences().activeBlocks(Instant.EPOCH))
            .extracting(Block::subject)
            .containsExactly("192.0.2.3");
        assertThat(throttle.blockOf(InetAddress.getByName("192.0.2.1"))).isEmpty();
        assertThat(throttle.blockOf(InetAddress.getByName("192.0.2.3"))).isPresent();
      }
    }
  }
}
