package dev.hikyaku.net;

import static dev.hikyaku.net.TlsLoopback.HOSTNAME;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link SocketTransport} over both engines with a JDK client: the server speaking first after the
 * handshake (implicit TLS, RFC 8314 §3.3), data larger than a TLS record both ways, close_notify.
 */
class SocketTransportEnginesTest {

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(TlsEngineKind.class)
  void theServerSpeaksFirstThenLargeDataGoesBothWaysThenCloseNotify(TlsEngineKind engine) throws Exception {
    TestCertificates certificates = TestCertificates.ecdsa(HOSTNAME);
    TestCertificates.PemFiles files = certificates.writeTo(dir);
    byte[] big = new byte[100_000];
    Arrays.fill(big, (byte) 'x');
    try (TlsContexts tls = TlsContexts.fromPem(files.certificateChain(), files.privateKey(), Duration.ZERO, engine);
        var listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        var plain = new Socket()) {
      plain.connect(listener.getLocalSocketAddress());
      plain.setSoTimeout(10_000);
      Socket accepted = listener.accept();
      CompletableFuture<TlsFacts> server = CompletableFuture.supplyAsync(() -> {
        try (var transport = new SocketTransport(accepted, tls, Duration.ofSeconds(10))) {
          transport.startTls(Duration.ofSeconds(10));
          transport.setReadTimeout(Duration.ofSeconds(10));
          transport.write("220 greeting\r\n".getBytes(StandardCharsets.US_ASCII));
          transport.flush();
          byte[] received = readFully(transport, big.length);
          transport.write(received);
          transport.flush();
          return transport.tls().orElseThrow();
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      }, command -> Thread.ofVirtual().start(command));
      try (var client = (SSLSocket) certificates.clientContext().getSocketFactory()
          .createSocket(plain, HOSTNAME, listener.getLocalPort(), true)) {
        client.startHandshake();
        InputStream in = client.getInputStream();
        byte[] greeting = in.readNBytes(14);
        assertThat(new String(greeting, StandardCharsets.US_ASCII)).isEqualTo("220 greeting\r\n");
        client.getOutputStream().write(big);
        client.getOutputStream().flush();
        assertThat(in.readNBytes(big.length)).isEqualTo(big);
        assertThat(in.read()).as("close_notify, then end of stream").isEqualTo(-1);
        assertThat(server.get(10, TimeUnit.SECONDS).protocol()).isEqualTo("TLSv1.3");
      }
    }
  }

  private static byte[] readFully(Transport transport, int length) throws Exception {
    var out = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    while (out.size() < length) {
      int n = transport.read(buffer, 0, buffer.length);
      if (n < 0) {
        throw new java.io.EOFException("after " + out.size());
      }
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }
}
