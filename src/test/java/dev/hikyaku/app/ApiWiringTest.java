package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.testing.TestServers;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server starts the API with its own certificate when asked, and stops it with itself. */
class ApiWiringTest {

  @TempDir Path data;

  /** One HTTP/1.1 request over TLS, trusting exactly the certificate the SMTP listeners serve. */
  private static String get(Server server, int port) throws Exception {
    SSLContext client = TestServers.clientTrusting(server.tls().currentCertificate());
    try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(
          "GET /v1/messages HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      // Read up to the end of the JSON body: whether the server closes after it is Helidon's business.
      StringBuilder answer = new StringBuilder();
      byte[] buffer = new byte[4096];
      while (!answer.toString().endsWith("}")) {
        int read = socket.getInputStream().read(buffer);
        if (read < 0) {
          break;
        }
        answer.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
      }
      assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
      return answer.toString();
    }
  }

  @Test
  void enabledItServesTheMailCertificateAndRefusesWithoutAKey() throws Exception {
    HikyakuConfig config =
        TestServers.config(data).withApi(TestServers.loopbackApi());
    int port;
    try (Server server = TestServers.start(config, UnaryOperator.identity(), List.of())) {
      port = server.apiPort();
      String answer = get(server, port);
      assertThat(answer)
          .startsWith("HTTP/1.1 401")
          .containsIgnoringCase("content-type: application/problem+json")
          .containsIgnoringCase("www-authenticate: Bearer")
          .contains("\"type\":\"https://hikyaku.dev/problems/unauthorized\"");
    }
    assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
        .as("closed with the server")
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void offByDefault() throws IOException {
    try (Server server = TestServers.start(TestServers.config(data), UnaryOperator.identity(), List.of())) {
      assertThatThrownBy(server::apiPort).isInstanceOf(IllegalStateException.class).hasMessageContaining("api.enabled");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
