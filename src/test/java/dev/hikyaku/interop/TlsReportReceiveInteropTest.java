package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.AdminCommandLine;
import dev.hikyaku.app.Server;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.testing.TestServers;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 point 3, the receiving side: another sender POSTs its TLS report (RFC 8460 §5.4) about
 * mail to one of our hosted domains to the API listener's {@code /tlsrpt}, without a key, as curl
 * does here; the report is kept once, a report about another domain or in another format is
 * refused, and {@code hikyaku tls-reports list} shows what came.
 */
class TlsReportReceiveInteropTest {

  @TempDir Path directory;

  private static final String REPORT = """
      {"organization-name":"Example Receiver Inc.","date-range":{"start-datetime":"2026-12-06T00:00:00Z",
       "end-datetime":"2026-12-06T23:59:59Z"},"contact-info":"tls-reports@receiver.example","report-id":"2026-12-06.r1",
       "policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: mx.hikyaku.test",
       "max_age: 86400"],"policy-domain":"%s","mx-host":["mx.hikyaku.test"]},
       "summary":{"total-successful-session-count":97,"total-failure-session-count":3},
       "failure-details":[{"result-type":"certificate-expired","receiving-mx-hostname":"mx.hikyaku.test","failed-session-count":3}]}]}
      """;

  @Test
  void aReportAboutAHostedDomainIsKeptOnceAndListed() throws Exception {
    ExternalTool curl = ExternalTool.require("curl", "curl");
    HikyakuConfig base = TestServers.config(directory.resolve("data"));
    try (Server server = Server.start(base.toBuilder().api(TestServers.loopbackApi()).build())) {
      Path ca = Files.writeString(directory.resolve("server.pem"), "-----BEGIN CERTIFICATE-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(server.tls().currentCertificate().getEncoded())
          + "\n-----END CERTIFICATE-----\n");
      String url = "https://" + TestServers.HOSTNAME + ":" + server.apiPort() + "/tlsrpt";
      String resolve = TestServers.HOSTNAME + ":" + server.apiPort() + ":127.0.0.1";
      Path gzip = directory.resolve("report.json.gz");
      Files.write(gzip, gzipped(REPORT.formatted(TestServers.HOSTED_DOMAIN)));

      ExternalTool.Run kept = post(curl, ca, resolve, url, gzip, "application/tlsrpt+gzip");
      assertThat(kept.exitCode()).as(kept.output()).isZero();
      assertThat(kept.stdout()).contains("\"report-id\":\"2026-12-06.r1\"").endsWith("\n201");
      ExternalTool.Run again = post(curl, ca, resolve, url, gzip, "application/tlsrpt+gzip");
      assertThat(again.stdout()).as("the same report again: kept once").endsWith("\n200");

      Path json = Files.writeString(directory.resolve("other.json"), REPORT.formatted("someone-else.example"));
      ExternalTool.Run notOurs = post(curl, ca, resolve, url, json, "application/tlsrpt+json");
      assertThat(notOurs.stdout()).contains("someone-else.example is not a domain this server receives mail for").endsWith("\n422");
      ExternalTool.Run wrongType = post(curl, ca, resolve, url, json, "application/json");
      assertThat(wrongType.stdout()).endsWith("\n415");
      Path broken = Files.writeString(directory.resolve("broken.json"), "{\"organization-name\":\"x\"}");
      ExternalTool.Run incomplete = post(curl, ca, resolve, url, broken, "application/tlsrpt+json");
      assertThat(incomplete.stdout()).contains("/report-id").contains("/policies").endsWith("\n422");

      Path config = Files.writeString(directory.resolve("hikyaku.yaml"),
          "hostname: " + TestServers.HOSTNAME + "\ndata-directory: " + directory.resolve("data") + "\n");
      AdminCommandLine.Result listed = AdminCommandLine.runWith(config, "", "tls-reports", "list", "--days", "3650");
      assertThat(listed.exitCode()).as(listed.describe()).isZero();
      assertThat(listed.out()).contains(TestServers.HOSTED_DOMAIN).contains("97").contains("Example Receiver Inc. (2026-12-06.r1)")
          .contains("1 report(s)");
      AdminCommandLine.Result asJson = AdminCommandLine.runWith(config, "", "tls-reports", "list", "--days", "3650", "--json");
      assertThat(asJson.out()).contains("\"result-type\":\"certificate-expired\"");
    }
  }

  private static ExternalTool.Run post(ExternalTool curl, Path ca, String resolve, String url, Path body, String type) {
    return curl.run("--silent", "--show-error", "--max-time", "20", "--cacert", ca.toString(), "--resolve", resolve,
        "--header", "Content-Type: " + type, "--data-binary", "@" + body, "--write-out", "\n%{http_code}", url);
  }

  private static byte[] gzipped(String text) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }
}
