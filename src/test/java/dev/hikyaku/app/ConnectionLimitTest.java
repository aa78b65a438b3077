package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.Limits;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.testing.TestServers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Connections over the total or per-client limit are told 421 4.7.0 and closed (like Postfix's anvil). */
class ConnectionLimitTest {

  @TempDir Path data;

  @Test
  void perClientAndTotalLimitsRefuseWith421() throws Exception {
    HikyakuConfig base = TestServers.config(data);
    Limits l = base.limits();
    Limits tight = l.toBuilder().maxConnections(3).maxConnectionsPerClient(2).build();
    HikyakuConfig config =
        base.withLimits(tight);
    List<Socket> open = new ArrayList<>();
    try (Server server = TestServers.start(config, UnaryOperator.identity(), List.of())) {
      int port = server.port(ListenerRole.RELAY);
      // Two from 127.0.0.2 are served; the third from it is over the per-client limit.
      open.add(connect("127.0.0.2", port));
      open.add(connect("127.0.0.2", port));
      for (Socket s : open) {
        assertThat(firstLine(s)).startsWith("220 mx.hikyaku.test ESMTP");
      }
      try (Socket third = connect("127.0.0.2", port)) {
        assertThat(firstLine(third)).isEqualTo("421 4.7.0 mx.hikyaku.test Error: too many connections from your address");
        assertThat(third.getInputStream().read()).as("closed after the refusal").isEqualTo(-1);
      }
      // Another client is served until the total (3) is reached.
      Socket other = connect("127.0.0.3", port);
      open.add(other);
      assertThat(firstLine(other)).startsWith("220 ");
      try (Socket fourth = connect("127.0.0.4", port)) {
        assertThat(firstLine(fourth)).isEqualTo("421 4.7.0 mx.hikyaku.test Error: too many connections");
      }
      // Permits come back when connections close.
      open.removeFirst().close();
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        try (Socket again = connect("127.0.0.2", port)) {
          assertThat(firstLine(again)).startsWith("220 ");
        }
      });
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
  }

  private static Socket connect(String from, int port) throws Exception {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(5_000);
    return socket;
  }

  private static String firstLine(Socket socket) throws Exception {
    return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
  }
}
