package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tls.engine: boringssl} where BoringSSL cannot load refuses to start, naming the key, and
 * never falls back to the JDK behind the operator's back. Netty's own switch
 * ({@code -Dio.netty.handler.ssl.noOpenSsl=true}, through JDK_JAVA_OPTIONS) stands in for a machine
 * without the native library (not linux-x86_64), in a JVM of its own, as the switch is read once.
 */
@Tag("interop")
class BoringSslUnavailableTest {

  @TempDir Path directory;

  @Test
  void theServerRefusesToStartNamingTlsEngine() throws Exception {
    int port = ServerProcess.freePort();
    Path config = Files.writeString(directory.resolve("hikyaku.yaml"), """
        hostname: mx.hikyaku.test
        data-directory: "%s"
        listeners:
          - {role: relay, address: 127.0.0.1, port: %d}
        tls:
          engine: boringssl
        """.formatted(directory.resolve("data"), port), StandardCharsets.UTF_8);
    Path log = directory.resolve("server.log");

    Process server = ServerProcess.start(
        config, log, List.of("env", "JDK_JAVA_OPTIONS=-Dio.netty.handler.ssl.noOpenSsl=true"));
    try {
      assertThat(server.waitFor(60, TimeUnit.SECONDS)).as(ServerProcess.tail(log)).isTrue();
      assertThat(server.exitValue()).as(ServerProcess.tail(log)).isNotZero();
      assertThat(Files.readString(log))
          .contains("tls.engine: boringssl cannot run here: netty-tcnative's BoringSSL did not load")
          .contains("use jdk (the default)")
          .contains("line 6");
    } finally {
      server.destroyForcibly();
    }
  }
}
