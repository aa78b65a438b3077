package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.api.ApiKeyCheck;
import dev.hikyaku.api.Backends;
import dev.hikyaku.api.ApiServer;
import dev.hikyaku.net.TlsContexts;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** curl against the API listener: HTTPS with the server's certificate, a problem+json 401. */
class ApiCurlInteropTest {

  @TempDir Path dir;

  @Test
  void curlGetsA401ProblemOverTls() throws Exception {
    ExternalTool curl = ExternalTool.require("curl", "curl");
    try (TlsContexts tls = TlsContexts.selfSigned("localhost", dir.resolve("tls"), Duration.ZERO);
        ApiServer api = ApiServer.start(InetAddress.getLoopbackAddress(), 0, Optional.of(tls), Backends.NONE)) {
      Path ca = dir.resolve("server.pem");
      Files.writeString(
          ca,
          "-----BEGIN CERTIFICATE-----\n"
              + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(tls.currentCertificate().getEncoded())
              + "\n-----END CERTIFICATE-----\n");
      ExternalTool.Run run =
          curl.run(
              "--silent", "--show-error", "--max-time", "20", "--cacert", ca.toString(), "--tlsv1.2",
              "--include", "--write-out", "\n%{http_code} %{content_type}",
              "https://localhost:" + api.port() + "/v1/messages");
      assertThat(run.exitCode()).as(run.output()).isZero();
      assertThat(run.stdout())
          .containsIgnoringCase("www-authenticate: Bearer")
          .contains("\"type\":\"https://hikyaku.dev/problems/unauthorized\"")
          .contains("\"status\":401")
          .endsWith("401 application/problem+json");
    }
  }
}
