package dev.hikyaku.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.app.Server;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.testing.RelayClient;
import dev.hikyaku.testing.TestServers;
import dev.hikyaku.testing.TestStores;
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
        String content = new String(reopened.queueAdmin().find(new QueueId(id)).orElseThrow().content(),
            java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(content).contains("body of ").doesNotContain("during the fault");
      }
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void anErrorMidGroupCommitFailsItsWaitersReleasesTheWriteLockAndShowsInHealth() throws Exception {
    try (Server server = TestServers.start(data)) {
      TestServers.createMailboxes(server, RECIPIENT);
      String before = RelayClient.queueIdOf(send(server, "before the error"));
      GroupCommitWriter writer = server.store().writer();
      AtomicBoolean isThrown = new AtomicBoolean();
      writer.commitFault(writes -> {
        if (isThrown.compareAndSet(false, true)) {
          throw new OutOfMemoryError("injected: Java heap space");
        }
      });

      assertThat(send(server, "when the error strikes")).startsWith("451 4.3.0 ");

      // The transaction the error cut short is rolled back: the accounts' own writing connection is
      // not left waiting for a write lock nobody will release (busy_timeout is 5 s).
      long started = System.nanoTime();
      TestServers.createMailboxes(server, "carol@" + TestServers.HOSTED_DOMAIN);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
      // The writer is gone: every message is refused 451 until a restart, and health says so.
      assertThat(send(server, "after the error")).startsWith("451 4.3.0 ");
      assertThat(server.store().writerFailure()).hasValueSatisfying(reason -> assertThat(reason).contains("OutOfMemoryError"));
      try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
        var health = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + server.httpPort() + "/health")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(health.body()).contains("\"store\":\"DOWN\"");
      }
      assertThat(RelayClient.queuedIds(server.store())).containsExactly(before);
    }
    try (Store reopened = Store.openSqlite(data, Clock.systemUTC())) {
      assertThat(RelayClient.queuedIds(reopened)).hasSize(1);
    }
  }
}
