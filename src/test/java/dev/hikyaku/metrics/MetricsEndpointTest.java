package dev.hikyaku.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.app.Server;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.HttpConfig;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.testing.TestServers;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.SMTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real server, real SMTP clients, then {@code /metrics} and {@code /health} over real HTTP. */
class MetricsEndpointTest {

  // Chosen by the client, so it must never reach a label (cardinality, privacy).
  private static final String HOSTILE_ACCOUNT = "mallory{\"x\"=\"1\"}@victim.example";

  @TempDir Path data;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HttpResponse<String> get(Server server, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
            .timeout(Duration.ofSeconds(10))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private Scrape metrics(Server server) throws Exception {
    HttpResponse<String> response = get(server, "/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    return Scrape.parse(response.body());
  }

  @Test
  void countersFollowRealSessionsAndHealthFollowsTheStore() throws Exception {
    try (Server server = TestServers.start(TestServers.config(data), UnaryOperator.identity(), List.of())) {
      TestServers.createMailboxes(server, "bob@hikyaku.test");
      Scrape before = metrics(server);
      assertThat(before.value("hikyaku_connections_total", "listener", "relay", "outcome", "opened")).isZero();
      assertThat(before.value("hikyaku_queue_depth")).isZero();
      // AUTH series start at 0 for the mechanisms each listener offers (relay offers none).
      assertThat(before.value(
              "hikyaku_auth_attempts_total", "listener", "submission", "mechanism", "PLAIN", "result", "rate_limited"))
          .isZero();
      assertThat(before.labelValues("hikyaku_auth_attempts_total", "listener")).containsExactlyInAnyOrder("submission", "submissions");

      // One relay session: a message for a hosted domain, and a recipient elsewhere (relay denial).
      SMTPClient relay = new SMTPClient();
      relay.setDefaultTimeout(10_000);
      relay.connect("127.0.0.1", server.port(ListenerRole.RELAY));
      try {
        assertThat(relay.login("client.example")).isTrue();
        assertThat(relay.setSender("sender@client.example")).isTrue();
        assertThat(relay.addRecipient("bob@hikyaku.test")).isTrue();
        assertThat(relay.addRecipient("carol@elsewhere.example")).isFalse();
        assertThat(relay.getReplyString()).startsWith("554 5.7.1 ");
        assertThat(relay.sendShortMessageData("Subject: metrics\r\n\r\nhello\r\n")).isTrue();
        relay.logout();
      } finally {
        relay.disconnect();
      }

      // A failed connection: plaintext to the implicit-TLS port fails the handshake.
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port(ListenerRole.SUBMISSIONS))) {
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write("EHLO plaintext.example\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        while (in.read() != -1) {
          // The server answers with a TLS alert, if anything, and closes.
        }
      }

      // A failed AUTH under a name the client made up.
      SSLContext trust = TestServers.clientTrusting(server.tls().currentCertificate());
      AuthenticatingSMTPClient submission = new AuthenticatingSMTPClient(false, trust);
      submission.setDefaultTimeout(10_000);
      submission.connect("127.0.0.1", server.port(ListenerRole.SUBMISSION));
      try {
        submission.ehlo("client.example");
        assertThat(submission.execTLS()).isTrue();
        submission.ehlo("client.example");
        assertThat(submission.auth(AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, HOSTILE_ACCOUNT, "wrong password"))
            .isFalse();
        assertThat(submission.getReplyString()).startsWith("535 5.7.8 ");
        submission.logout();
      } finally {
        submission.disconnect();
      }

      // ConnectionClosed is published after the socket closes: wait for all three sessions.
      await().atMost(Duration.ofSeconds(10))
          .until(() -> metrics(server).value("hikyaku_session_duration_seconds_count") == 3);
      Scrape after = metrics(server);
      assertThat(after.value("hikyaku_connections_total", "listener", "relay", "outcome", "opened")).isEqualTo(1);
      assertThat(after.value("hikyaku_connections_total", "listener", "submissions", "outcome", "opened")).isEqualTo(1);
      assertThat(after.value("hikyaku_connections_total", "listener", "submission", "outcome", "opened")).isEqualTo(1);
      assertThat(after.value("hikyaku_messages_accepted_total", "source", "smtp:relay")).isEqualTo(1);
      assertThat(after.value("hikyaku_recipients_rejected_total", "reason", "relay")).isEqualTo(1);
      assertThat(after.value("hikyaku_tls_handshakes_total", "outcome", "failed", "protocol", "none")).isEqualTo(1);
      assertThat(after.value("hikyaku_tls_handshakes_total", "outcome", "ok", "protocol", "TLSv1.3")).isEqualTo(1);
      assertThat(after.value(
              "hikyaku_auth_attempts_total", "listener", "submission", "mechanism", "PLAIN", "result", "invalid_credentials"))
          .isEqualTo(1);
      assertThat(after.value("hikyaku_message_size_bytes_count")).isEqualTo(1);
      assertThat(after.value("hikyaku_message_size_bytes_sum")).isGreaterThan("Subject: metrics\r\n\r\nhello\r\n".length());
      assertThat(after.value("hikyaku_queue_depth")).isEqualTo(1);
      assertThat(after.text()).doesNotContain("mallory", "victim", "client.example", "elsewhere", "bob@", "127.0.0.1");

      HttpResponse<String> healthy = get(server, "/health");
      assertThat(healthy.statusCode()).isEqualTo(200);
      assertThat(healthy.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(healthy.body()).isEqualTo("{\"status\":\"UP\",\"checks\":{\"store\":\"UP\",\"listeners\":\"UP\"}}");

      assertThat(get(server, "/").statusCode()).isEqualTo(404);
      assertThat(get(server, "/metrics/../config").statusCode()).isEqualTo(404);

      server.store().close(); // the database goes away under a running server
      HttpResponse<String> down = get(server, "/health");
      assertThat(down.statusCode()).isEqualTo(503);
      assertThat(down.body()).isEqualTo("{\"status\":\"DOWN\",\"checks\":{\"store\":\"DOWN\",\"listeners\":\"UP\"}}");
      // The reason (which may name paths) goes to the log, not to the unauthenticated client.
      assertThat(down.body()).doesNotContain("closed", data.toString());
      // Counting goes on; the depth the store cannot give is unknown rather than a false zero.
      assertThat(metrics(server).value("hikyaku_queue_depth")).isNaN();
    }
  }

  @Test
  void closingTheServerStopsTheEndpoint() throws Exception {
    Server server = TestServers.start(TestServers.config(data), UnaryOperator.identity(), List.of());
    int port = server.httpPort();
    assertThat(get(server, "/health").statusCode()).isEqualTo(200);
    server.close();
    assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
        .isInstanceOf(java.net.ConnectException.class);
  }

  @Test
  void turnedOffThereIsNoEndpoint() throws Exception {
    HikyakuConfig base = TestServers.config(data);
    HikyakuConfig off = withHttp(base, base.http().toBuilder().enabled(false).build());
    try (Server server = TestServers.start(off, UnaryOperator.identity(), List.of())) {
      assertThatThrownBy(server::httpPort)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("http.enabled: false");
    }
  }

  @Test
  void aTakenPortFailsStartupAndSaysWhere() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      HikyakuConfig base = TestServers.config(data);
      HikyakuConfig config = withHttp(base, base.http().withPort(taken.getLocalPort()));
      assertThatThrownBy(() -> TestServers.start(config, UnaryOperator.identity(), List.of()))
          .isInstanceOf(Server.StartupException.class)
          .hasMessage("cannot serve HTTP on 127.0.0.1:" + taken.getLocalPort()
              + ": Address already in use (set http.port to a free port, or http.enabled: false)");
    }
    // Everything the failed start opened was closed again: the same data directory starts cleanly.
    try (Server server = TestServers.start(TestServers.config(data), UnaryOperator.identity(), List.of())) {
      assertThat(get(server, "/health").statusCode()).isEqualTo(200);
    }
  }

  private static HikyakuConfig withHttp(HikyakuConfig c, HttpConfig http) {
    return c.withHttp(http);
  }
}
