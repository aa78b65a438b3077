package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.ListenerConfig;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.testing.TestServers;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start that fails part-way closes what it had opened, in reverse order: no port or store is left behind. */
class FailedStartTest {

  @TempDir Path data;

  @Test
  void aListenerThatCannotBindClosesTheOnesBoundBeforeIt() throws Exception {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    int free;
    try (ServerSocket probe = new ServerSocket(0, 1, loopback)) {
      free = probe.getLocalPort();
    }
    try (ServerSocket taken = new ServerSocket(0, 1, loopback)) {
      HikyakuConfig base = TestServers.config(data);
      HikyakuConfig config = base.withListeners(List.of(
          ListenerConfig.builder(ListenerRole.RELAY).address(loopback).port(free).greetingDelay(Duration.ZERO).build(),
          ListenerConfig.builder(ListenerRole.SUBMISSION).address(loopback).port(taken.getLocalPort())
              .greetingDelay(Duration.ZERO).build()));

      assertThatThrownBy(() -> Server.start(config)).isInstanceOf(Server.StartupException.class)
          .hasMessageContaining("listener 'submission'");

      try (ServerSocket again = new ServerSocket(free, 1, loopback)) {
        assertThat(again.getLocalPort()).as("the relay listener bound first was closed").isEqualTo(free);
      }
      // The same data directory starts at once, on the same ports.
      taken.close();
      try (Server server = Server.start(config)) {
        assertThat(server.port(ListenerRole.RELAY)).isEqualTo(free);
      }
    }
  }

  /** Files of this process open under {@code directory}, from /proc/self/fd. */
  private static List<Path> openFilesUnder(Path directory) throws Exception {
    List<Path> open = new java.util.ArrayList<>();
    try (var fds = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          Path target = java.nio.file.Files.readSymbolicLink(fd);
          if (target.startsWith(directory.toRealPath())) {
            open.add(target);
          }
        } catch (java.io.IOException gone) {
          // closed meanwhile
        }
      }
    }
    return open;
  }

  @Test
  void aDeliveryThatCannotBeSetUpLeavesTheStoreAndTheAuditLogClosed() throws Exception {
    HikyakuConfig base = TestServers.config(data);
    HikyakuConfig config = base.withDelivery(base.delivery().withEnabled(true).withSmarthost(java.util.Optional.of(
        new dev.hikyaku.config.DeliveryConfig.Smarthost("smtp.example.net", 587, dev.hikyaku.delivery.TlsPolicy.VERIFY, java.util.Optional.of("relay-user"),
            java.util.Optional.of(data.resolve("no-such-password-file"))))));

    assertThatThrownBy(() -> Server.start(config)).isInstanceOf(Server.StartupException.class)
        .hasMessageContaining("delivery.smarthost.password-file");

    assertThat(openFilesUnder(data)).as("hikyaku.db, its WAL and audit.log are closed").isEmpty();
  }

  @Test
  void aPasswordFileLongerThanAnyPasswordIsRefusedWithoutReadingItWhole() throws Exception {
    Path huge = data.resolve("not-a-password");
    java.nio.file.Files.write(huge, new byte[10 << 20]);
    HikyakuConfig base = TestServers.config(data);
    HikyakuConfig config = base.withDelivery(base.delivery().withEnabled(true).withSmarthost(java.util.Optional.of(
        new dev.hikyaku.config.DeliveryConfig.Smarthost("smtp.example.net", 587, dev.hikyaku.delivery.TlsPolicy.VERIFY, java.util.Optional.of("relay-user"),
            java.util.Optional.of(huge)))));

    assertThatThrownBy(() -> Server.start(config)).isInstanceOf(Server.StartupException.class)
        .hasMessage("delivery.smarthost.password-file: " + huge + " is longer than 9216 octets; it must hold the password alone");
    assertThat(openFilesUnder(data)).isEmpty();
  }
}
