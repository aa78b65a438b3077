package dev.hikyaku.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.app.Server;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.testing.RelayClient;
import dev.hikyaku.testing.TestServers;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Fault injection in the store's group commit (issue 14): the disk failing between a batch's
 * writes and its COMMIT, with several SMTP clients waiting on that one batch. Every one of them is
 * told 451 4.3.0 (they keep their mail and retry), none of their messages is queued, every message
 * acknowledged with 250 before the fault is still queued after it and after a restart, and the
 * writer takes the next message as soon as the disk works again.
 */
class GroupCommitFaultTest {

  private static final String RECIPIENT = "bob@" + TestServers.HOSTED_DOMAIN;
  private static final int WAITERS = 6;

  @TempDir Path data;

  /** A disk that fails every COMMIT while broken, as SQLITE_IOERR; it counts the writes it refused. */
  private static final class FailingDisk implements GroupCommitWriter.CommitFault {
    final AtomicBoolean isBroken = new AtomicBoolean();
    final AtomicInteger largestRefusedBatch = new AtomicInteger();

    @Override
    public void beforeCommit(int writes) throws SQLiteException {
      if (isBroken.get()) {
        largestRefusedBatch.accumulateAndGet(writes, Math::max);
        throw new SQLiteException("[SQLITE_IOERR] disk I/O error (injected)", SQLiteErrorCode.SQLITE_IOERR);
      }
    }
  }

  /** One message over the relay port; the reply to the end of its data. */
  private static String send(Server server, String subject) throws Exception {
    return RelayClient.send(server.port(ListenerRole.RELAY), "sender@client.example", RECIPIENT,
        "Subject: " + subject + "\r\n\r\nbody of " + subject + "\r\n");
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void diskFailingMidGroupCommitFailsEveryWaiterWith451AndLosesNoAcknowledgedMessage() throws Exception {
    Set<String> acknowledged = new TreeSet<>();
    FailingDisk disk = new FailingDisk();
    try (Server server = TestServers.start(data)) {
      TestServers.createMailboxes(server, RECIPIENT);
      for (int i = 0; i < 4; i++) {
        acknowledged.add(RelayClient.queueIdOf(send(server, "before the fault " + i)));
      }
      GroupCommitWriter writer = server.store().writer();
      writer.commitFault(disk);
      disk.isBroken.set(true);

      // The writer is kept from taking a batch until every client's message waits in it.
      ReentrantLock gate = writer.connectionGate();
      List<Future<String>> replies = new ArrayList<>();
      gate.lock();
      try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
        try {
          for (int i = 0; i < WAITERS; i++) {
            String subject = "during the fault " + i;
            replies.add(clients.submit(() -> send(server, subject)));
          }
          await().atMost(Duration.ofSeconds(30)).until(() -> writer.pendingCount() >= WAITERS);
        } finally {
          gate.unlock();
        }
        for (Future<String> reply : replies) {
          assertThat(reply.get(60, TimeUnit.SECONDS)).startsWith("451 4.3.0 Local error in processing");
        }
      }
      assertThat(disk.largestRefusedBatch.get()).as("one batch held every waiter").isGreaterThanOrEqualTo(WAITERS);
      assertThat(RelayClient.queuedIds(server.store())).isEqualTo(acknowledged);

      disk.isBroken.set(false);
      acknowledged.add(RelayClient.queueIdOf(send(server, "after the fault")));
      assertThat(RelayClient.queuedIds(server.store())).isEqualTo(acknowledged);
    }

    try (Store reopened = Store.openSqlite(data, Clock.systemUTC())) {
      assertThat(RelayClient.queuedIds(reopened)).isEqualTo(acknowledged);
      for (String id : acknowledged) {
        String content = new String(reopened.queue().find(new QueueId(id)).orElseThrow().content(),
            java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(content).contains("body of ").doesNotContain("during the fault");
      }
    }
  }
}
