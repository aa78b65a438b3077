package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.NodeIdentity;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.Store;
import dev.hikyaku.testing.TestPostgres;
import dev.hikyaku.testing.TestStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hikyaku cluster status} on a PostgreSQL store two nodes joined, as an operator runs it. */
class ClusterCommandTest {

  @TempDir Path data;

  @Test
  void listsEachNodeWithWhatItHoldsAndTheQueueByHolder() throws Exception {
    String jdbc = TestPostgres.freshDatabase();
    String database = jdbc.substring(jdbc.lastIndexOf('/') + 1);
    Store.migratePostgres(TestStores.settings(jdbc));
    Duration lease = Duration.ofMinutes(1);
    try (Store mx1 = Store.openPostgres(TestStores.settings(jdbc), new NodeIdentity("mx1", lease), false, Clock.systemUTC());
        Store mx2 = Store.openPostgres(TestStores.settings(jdbc), new NodeIdentity("mx2", lease), false, Clock.systemUTC())) {
      mx1.nodes().join("mx1.example.net/101", "i1", Instant.now());
      mx2.nodes().join("mx2.example.net/202", "i2", Instant.now());
      SplittableRandom random = new SplittableRandom(5);
      for (int i = 0; i < 3; i++) {
        accept(mx1, random);
      }
      accept(mx2, random);
      mx2.queue().leases().releaseAll(); // what mx2 accepted is free for any node now
    }
    Path config = data.resolve("hikyaku.yaml");
    Files.writeString(config, """
        hostname: mx.example.net
        data-directory: %s
        store:
          url: postgresql://127.0.0.1:%d/%s
          user: %s
          node-id: admin
        """.formatted(data, TestPostgres.port(), database, TestPostgres.USER));

    AdminCommandLine.Result status = AdminCommandLine.runWith(config, "", "cluster", "status");

    assertThat(status.exitCode()).as(status.describe()).isZero();
    assertThat(status.out())
        .containsPattern("mx1 +alive +mx1\\.example\\.net/101 +\\S+ +\\d+s +3\n")
        .containsPattern("mx2 +alive +mx2\\.example\\.net/202 +\\S+ +\\d+s +0\n")
        .contains("2 node(s); 4 message(s) queued: 3 held by a node, 1 free for any node");
  }

  private static void accept(Store store, SplittableRandom random) throws Exception {
    store.queue().accept(new NewMessage(QueueId.generate(Clock.systemUTC(), random), Instant.now(), "alice@example.com", "",
        List.of(new NewRecipient("bob@example.org", "")), new Origin("submission", "127.0.0.1", "client", null, null, null),
        "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)));
  }
}
