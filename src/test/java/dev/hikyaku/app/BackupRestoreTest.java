package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.testing.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.net.smtp.SMTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 point 6: {@code hikyaku backup} copies the store while the server runs, {@code hikyaku
 * restore} puts the copy into a new data directory, and a server started there delivers what was
 * queued; a backup never overwrites a file, and a restore into a store in use is refused.
 */
class BackupRestoreTest {

  @TempDir Path directory;

  @Test
  void aBackupTakenWhileRunningRestoresIntoANewDirectoryThatDeliversWhatWasQueued() throws Exception {
    Path first = directory.resolve("first");
    Path second = directory.resolve("second");
    Path backup = directory.resolve("hikyaku-backup.db");
    Path firstConfig = config("first", first);
    Path secondConfig = config("second", second);
    try (Server running = TestServers.start(first)) { // delivery off: the message stays queued
      TestServers.createMailboxes(running, "bob@" + TestServers.HOSTED_DOMAIN);
      SMTPClient smtp = new SMTPClient();
      smtp.setDefaultTimeout(15_000);
      smtp.connect("127.0.0.1", running.port(ListenerRole.RELAY));
      try {
        assertThat(smtp.helo("client.example")).isEqualTo(250);
        assertThat(smtp.setSender("alice@client.example")).isTrue();
        assertThat(smtp.addRecipient("bob@" + TestServers.HOSTED_DOMAIN)).isTrue();
        assertThat(smtp.sendShortMessageData("From: alice@client.example\r\nSubject: kept\r\n\r\nkept across a restore\r\n")).isTrue();
        smtp.quit();
      } finally {
        smtp.disconnect();
      }

      AdminCommandLine.Result taken = AdminCommandLine.run("", "backup", backup.toString(), "--config", firstConfig.toString());
      assertThat(taken.exitCode()).as(taken.describe()).isZero();
      assertThat(taken.out()).startsWith("store backed up to " + backup);
      AdminCommandLine.Result again = AdminCommandLine.run("", "backup", backup.toString(), "--config", firstConfig.toString());
      assertThat(again.exitCode()).isEqualTo(2);
      assertThat(again.err()).contains("never overwrites");
      AdminCommandLine.Result inUse = AdminCommandLine.run("", "restore", backup.toString(), "--config", firstConfig.toString());
      assertThat(inUse.exitCode()).as("the running server's store is not replaced").isEqualTo(2);
      assertThat(inUse.err()).contains("stop the server");
    }

    AdminCommandLine.Result restored = AdminCommandLine.run("", "restore", backup.toString(), "--config", secondConfig.toString());
    assertThat(restored.exitCode()).as(restored.describe()).isZero();
    HikyakuConfig base = TestServers.config(second);
    try (Server restarted = Server.start(base.toBuilder().delivery(base.delivery().toBuilder().enabled(true).build()).build())) {
      Path inbox = second.resolve("mail").resolve(TestServers.HOSTED_DOMAIN).resolve("bob").resolve("new");
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> Files.isDirectory(inbox) && !listed(inbox).isEmpty());
      assertThat(Files.readString(listed(inbox).getFirst())).contains("Subject: kept").contains("kept across a restore");
    }
  }

  private Path config(String name, Path data) throws Exception {
    return Files.writeString(directory.resolve(name + ".yaml"), "hostname: " + TestServers.HOSTNAME + "\ndata-directory: " + data + "\n");
  }

  private static List<Path> listed(Path inbox) throws Exception {
    try (Stream<Path> files = Files.list(inbox)) {
      return files.toList();
    }
  }
}
