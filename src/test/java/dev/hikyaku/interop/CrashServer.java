package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.AdminCommandLine;
import dev.hikyaku.testing.TestServers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;

/**
 * The server the crash tests kill ({@link CrashTest}, {@link WebhookCrashTest}): its config (one
 * submissions listener with a loopback certificate, no HTTP endpoint or API, rates out of the way,
 * delivery by MX through a test DNS server to a sink, retries within seconds), an account made with
 * the CLI as an operator would, and a client TLS context that trusts its certificate.
 */
final class CrashServer {

  static final String HOSTNAME = "mx.crash.test";
  static final String DOMAIN = "crash.test";
  static final String SENDER = "alice@crash.test";
  // Meets the default (nist) policy; used only through this JVM and the CLI's standard input.
  static final String PASSWORD = "amber quarry whistle 5183 gently";

  /** The config file and the certificate the server presents. */
  record Config(Path file, Path certificate) {}

  private CrashServer() {}

  /** Writes {@code directory/hikyaku.yaml} (data in {@code directory/data}) and the certificate beside it. */
  static Config write(Path directory, int submissionsPort, int dnsPort, int sinkPort) throws IOException {
    return write(directory, submissionsPort, dnsPort, sinkPort, "");
  }

  /** As {@link #write(Path, int, int, int)}, with {@code moreYaml} (top-level sections) at the end. */
  static Config write(Path directory, int submissionsPort, int dnsPort, int sinkPort, String moreYaml) throws IOException {
    LoopbackCertificate.PemFiles tls = LoopbackCertificate.write(directory, HOSTNAME);
    String yaml =
        """
        hostname: %s
        data-directory: "%s"
        hosted-domains: [%s]
        listeners:
          - role: submissions
            address: 127.0.0.1
            port: %d
            greeting-delay: 0s
        tls:
          certificate: "%s"
          private-key: "%s"
          reload-check-interval: 0s
        limits:
          shutdown-grace: 0s
        http:
          enabled: false
        api:
          enabled: false
        rates:
          connections-per-minute: 100000
          messages-per-minute: 100000
          recipients-per-minute: 100000
          account-messages-per-minute: 100000
          account-recipients-per-minute: 100000
          account-messages-per-hour: 100000
          account-messages-per-day: 100000
          suspend-volume-minimum: 100000
        delivery:
          enabled: true
          dns-servers: ["127.0.0.1:%d"]
          dns-timeout: 1s
          mx-port: %d
          retry-first: 1s
          retry-cap: 2s
        """
            .formatted(HOSTNAME, directory.resolve("data").toAbsolutePath(), DOMAIN, submissionsPort,
                tls.certificate().toAbsolutePath(), tls.privateKey().toAbsolutePath(), dnsPort, sinkPort)
            + moreYaml;
    Path file = directory.resolve("hikyaku.yaml");
    Files.writeString(file, yaml, StandardCharsets.UTF_8);
    return new Config(file, tls.certificate());
  }

  /** {@link #DOMAIN} and {@link #SENDER} with {@link #PASSWORD}, made with the admin CLI. */
  static void createAccount(Path config) {
    AdminCommandLine.Result domain = AdminCommandLine.run("", "domain", "add", DOMAIN, "--config", config.toString());
    assertThat(domain.exitCode()).as(domain.describe()).isZero();
    AdminCommandLine.Result user =
        AdminCommandLine.run(PASSWORD + "\n", "user", "add", SENDER, "--password-stdin", "--config", config.toString());
    assertThat(user.exitCode()).as(user.describe()).isZero();
  }

  /** A client TLS context that trusts exactly the certificate in {@code pem}. */
  static SSLContext trusting(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      return TestServers.clientTrusting((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
  }
}
