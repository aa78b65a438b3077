package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.api.ApiKeyCheck;
import dev.hikyaku.api.ApiServer;
import dev.hikyaku.api.Backends;
import dev.hikyaku.api.PolicyFile;
import dev.hikyaku.net.TlsContexts;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
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

  @Test
  void curlFetchesThePublishedMtaStsPolicyFromTheHostedDomainsPolicyHost() throws Exception {
    ExternalTool curl = ExternalTool.require("curl", "curl");
    String policy = "version: STSv1\r\nmode: enforce\r\nmx: mx.hikyaku.test\r\nmax_age: 604800\r\n";
    try (TlsContexts tls = TlsContexts.selfSigned("mta-sts.hikyaku.test", dir.resolve("tls"), Duration.ZERO);
        ApiServer api = ApiServer.start(InetAddress.getLoopbackAddress(), 0, Optional.of(tls), Backends.NONE,
            PolicyFile.of(Set.of("hikyaku.test"), Optional.of(policy)))) {
      Path ca = dir.resolve("server.pem");
      Files.writeString(ca, "-----BEGIN CERTIFICATE-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(tls.currentCertificate().getEncoded())
          + "\n-----END CERTIFICATE-----\n");
      String resolve = "mta-sts.hikyaku.test:" + api.port() + ":127.0.0.1";
      String url = "https://mta-sts.hikyaku.test:" + api.port() + "/.well-known/mta-sts.txt";
      // As a sender fetches it (RFC 8461 §3.3): no credentials, the certificate verified for the name.
      ExternalTool.Run run = curl.run("--silent", "--show-error", "--max-time", "20", "--cacert", ca.toString(),
          "--resolve", resolve, "--write-out", "%{http_code} %{content_type}", url);
      assertThat(run.exitCode()).as(run.output()).isZero();
      assertThat(run.stdout()).isEqualTo(policy + "200 text/plain; charset=us-ascii");

      // A Host that is not a hosted domain's policy host gets no policy.
      ExternalTool.Run other = curl.run("--silent", "--show-error", "--max-time", "20", "--cacert", ca.toString(),
          "--resolve", resolve, "--header", "Host: mta-sts.other.example", "--write-out", "\n%{http_code}", url);
      assertThat(other.stdout()).endsWith("\n404");
    }
  }
}
