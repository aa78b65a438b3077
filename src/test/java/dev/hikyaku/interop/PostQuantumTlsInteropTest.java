package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.net.KeyExchange;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsEngineKind;
import dev.hikyaku.testing.TestServers;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 point 6: the hybrid post-quantum key exchange X25519MLKEM768 on the SMTP listeners
 * ({@code tls.key-exchange: hybrid}, BoringSSL), negotiated by a client nobody here wrote: Node.js 24,
 * whose OpenSSL 3.5 has the group (Debian 12's OpenSSL 3.0 has not; {@code .ci/run} fetches Node 24
 * from the npm registry). The client is told to offer one group only, so a handshake that works
 * shows which group it used.
 */
class PostQuantumTlsInteropTest {

  private static final String HYBRID = "X25519MLKEM768";

  @TempDir static Path directory;
  private static ExternalTool node;
  private static Path script;

  @BeforeAll
  static void findNode() throws Exception {
    String given = System.getenv("HIKYAKU_NODE24");
    Path executable = given != null ? Path.of(given) : Path.of(System.getProperty("user.dir"), ".ci", "cache", "node-24", "bin", "node");
    node = ExternalTool.at(executable, "run .ci/run (it fetches Node.js 24 from the npm registry), or set HIKYAKU_NODE24");
    script = directory.resolve("tls-groups-client.js");
    try (InputStream in = PostQuantumTlsInteropTest.class.getResourceAsStream("/interop/tls-groups-client.js")) {
      Files.write(script, in.readAllBytes());
    }
  }

  @Test
  void aHybridServerNegotiatesX25519Mlkem768WithAClientThatOffersOnlyThat() throws Exception {
    try (Server server = start("hybrid", KeyExchange.HYBRID)) {
      ExternalTool.Run hybrid = connect(server, HYBRID);
      assertThat(hybrid.exitCode()).as(hybrid.output()).isZero();
      assertThat(hybrid.stdout()).contains("\"ok\":true").contains("\"protocol\":\"TLSv1.3\"").contains("220 " + TestServers.HOSTNAME)
          .as("the client's own word on the group (OpenSSL's SSL_get_negotiated_group)")
          .contains("\"name\":\"X25519MLKEM768\"");
      // A classic client still gets in: the hybrid group comes first, not alone.
      ExternalTool.Run classic = connect(server, "X25519");
      assertThat(classic.exitCode()).as(classic.output()).isZero();
      assertThat(classic.stdout()).contains("\"ok\":true").contains("\"name\":\"X25519\"");
    }
  }

  @Test
  void aClassicServerRefusesAClientThatOffersOnlyTheHybridGroup() throws Exception {
    // The other half of the proof: without tls.key-exchange: hybrid, the same client gets no handshake.
    try (Server server = start("classic", KeyExchange.CLASSIC)) {
      ExternalTool.Run refused = connect(server, HYBRID);
      assertThat(refused.exitCode()).as(refused.output()).isNotZero();
      assertThat(refused.stdout()).contains("\"ok\":false");
    }
  }

  private static Server start(String name, KeyExchange keyExchange) throws Exception {
    HikyakuConfig base = TestServers.config(directory.resolve(name));
    return Server.start(base.withTls(base.tls().toBuilder().engine(TlsEngineKind.BORINGSSL).keyExchange(keyExchange).build()));
  }

  private static ExternalTool.Run connect(Server server, String groups) throws Exception {
    Path ca = directory.resolve("ca-" + server.port(ListenerRole.SUBMISSIONS) + ".pem");
    Files.writeString(ca, "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(server.tls().currentCertificate().getEncoded())
        + "\n-----END CERTIFICATE-----\n", StandardCharsets.US_ASCII);
    return node.run(script.toString(), "127.0.0.1", Integer.toString(server.port(ListenerRole.SUBMISSIONS)), groups, ca.toString(),
        TestServers.HOSTNAME);
  }
}
