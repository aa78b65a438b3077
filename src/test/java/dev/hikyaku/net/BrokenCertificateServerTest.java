package dev.hikyaku.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.hikyaku.app.Server;
import dev.hikyaku.testing.TestServers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Fault injection at the certificate files of a running server (issue 14): the served certificate
 * is replaced by a broken file (half written). The file watcher reports it once, the server goes on
 * serving the old certificate to STARTTLS clients over real sockets, and it takes the new one when
 * the file is whole. The kinds of breakage are in {@link TlsContextsReloadTest}.
 */
@ResourceLock(TestServers.CAPTURED_LOGS)
class BrokenCertificateServerTest {

  private static final Duration WATCH_INTERVAL = Duration.ofMillis(25);

  @TempDir Path data;
  @TempDir Path certificates;

  /** RFC 3207 on the relay port: EHLO, STARTTLS, a handshake; the leaf certificate the server showed. */
  private static X509Certificate startTlsLeaf(int port, SSLContext client) throws Exception {
    try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), port)) {
      plain.setSoTimeout(10_000);
      BufferedReader in = new BufferedReader(new InputStreamReader(plain.getInputStream(), StandardCharsets.US_ASCII));
      OutputStream out = plain.getOutputStream();
      assertThat(in.readLine()).startsWith("220 ");
      out.write("EHLO client.example\r\n".getBytes(StandardCharsets.US_ASCII));
      String line;
      do {
        line = in.readLine();
      } while (line.startsWith("250-"));
      out.write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(in.readLine()).startsWith("220 ");
      try (SSLSocket tls = (SSLSocket) client.getSocketFactory().createSocket(plain, TestServers.HOSTNAME, port, true)) {
        tls.startHandshake();
        return (X509Certificate) tls.getSession().getPeerCertificates()[0];
      }
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aHalfWrittenCertificateReplacingAGoodOneKeepsTheOldOneForStartTls() throws Exception {
    TestCertificates before = TestCertificates.ecdsa(TestServers.HOSTNAME);
    TestCertificates after = TestCertificates.ecdsa(TestServers.HOSTNAME);
    TestCertificates.PemFiles files = before.writeTo(certificates);
    SSLContext client = TestCertificates.clientContextTrusting(before.trustAnchor(), after.trustAnchor());
    var base = TestServers.config(data);
    var config = base.withTls(base.tls().toBuilder()
        .certificate(Optional.of(files.certificateChain()))
        .privateKey(Optional.of(files.privateKey()))
        .reloadCheckInterval(WATCH_INTERVAL)
        .build());
    try (CapturedLogs logs = CapturedLogs.of(TlsContexts.class);
        Server server = TestServers.start(config, UnaryOperator.identity(), List.of())) {
      int port = server.port(ListenerRole.RELAY);
      assertThat(startTlsLeaf(port, client)).isEqualTo(before.certificate());

      String newChain = after.certificateChainPem();
      Files.writeString(files.certificateChain(), newChain.substring(0, newChain.length() / 2));

      await().atMost(Duration.ofSeconds(10)).until(() -> !logs.at(Level.ERROR).isEmpty());
      // Said once, however many times the watcher looks at the same broken files.
      await().during(Duration.ofMillis(20 * WATCH_INTERVAL.toMillis())).atMost(Duration.ofSeconds(10))
          .until(() -> logs.at(Level.ERROR).size() == 1);
      assertThat(logs.at(Level.ERROR).getFirst().message())
          .startsWith("TLS reload failed: " + files.certificateChain())
          .contains("still serving the previous certificate");
      assertThat(server.tls().currentCertificate()).isEqualTo(before.certificate());
      assertThat(startTlsLeaf(port, client)).isEqualTo(before.certificate());

      // The operator finishes the job: the new key, then the whole new chain.
      Files.writeString(files.privateKey(), after.privateKeyPem());
      Files.writeString(files.certificateChain(), newChain);
      await().atMost(Duration.ofSeconds(10)).until(() -> server.tls().currentCertificate().equals(after.certificate()));
      assertThat(startTlsLeaf(port, client)).isEqualTo(after.certificate());
    }
  }
}
