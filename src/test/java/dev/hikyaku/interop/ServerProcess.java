package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code hikyaku serve} in a JVM of its own (the same JDK and the test classpath), for tests that
 * kill it, or run it in a mount namespace of its own. Its output goes to a log file the assertions
 * quote.
 */
final class ServerProcess {

  private ServerProcess() {}

  /** Starts the server with {@code config}, its stdout and stderr appended to {@code log}. */
  static Process start(Path config, Path log) throws IOException {
    return start(config, log, List.of());
  }

  /**
   * As {@link #start(Path, Path)}, with {@code wrapper} in front of the java command (e.g. {@code
   * unshare ... sh -c '... exec "$@"'}).
   */
  static Process start(Path config, Path log, List<String> wrapper) throws IOException {
    return start(config, log, wrapper, List.of());
  }

  /** As {@link #start(Path, Path, List)}, with {@code jvmOptions} for the server's JVM (heap, GC). */
  static Process start(Path config, Path log, List<String> wrapper, List<String> jvmOptions) throws IOException {
    String java = ProcessHandle.current().info().command().orElseThrow();
    List<String> command = new ArrayList<>(wrapper);
    command.add(java);
    command.addAll(jvmOptions);
    command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "dev.hikyaku.app.Main", "serve", "--config", config.toString()));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("HIKYAKU_LOG_LEVEL", "INFO");
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return builder.start();
  }

  /** Waits until {@code port} on 127.0.0.1 takes connections, failing with the log if the server dies. */
  static void awaitListening(Process server, int port, Path log) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(IOException.class).untilAsserted(() -> {
      assertThat(server.isAlive()).as("the server process is running\n" + tail(log)).isTrue();
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      }
    });
  }

  /** A port on 127.0.0.1 that was free a moment ago. */
  static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }

  /** The last lines the server wrote, for assertion messages. */
  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return "--- server log (last 40 lines) ---\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "--- server log unreadable: " + e + " ---";
    }
  }
}
