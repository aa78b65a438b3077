package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.mailauth.DkimAlgorithm;
import dev.hikyaku.mailauth.DkimKey;
import dev.hikyaku.mailauth.DkimKeys;
import dev.hikyaku.net.TestCertificates;
import dev.hikyaku.store.SigningKey;
import dev.hikyaku.store.Store;
import dev.hikyaku.testing.PolicyHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hikyaku dns check}: each record's state, from a test DNS server, and the exact record to publish. */
class DnsCheckCommandTest {

  @TempDir Path data;

  private Path config(TestDnsServer dns) throws Exception {
    return config(dns, 443);
  }

  /** With MTA-STS policy hosts reached on {@code policyPort} (a test's {@link PolicyHost}). */
  private Path config(TestDnsServer dns, int policyPort) throws Exception {
    return Files.writeString(data.resolve("hikyaku.yaml"), "hostname: mx.sender.example\ndata-directory: " + data + "\n"
        + "delivery:\n  dns-servers: [\"127.0.0.1:" + dns.address().getPort() + "\"]\n  dns-timeout: 500ms\n"
        + "  mta-sts-port: " + policyPort + "\n");
  }

  private DkimKey storeKey(String selector, DkimAlgorithm algorithm) throws Exception {
    KeyPair pair = algorithm.generate();
    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      store.signingKeys().add(new SigningKey("sender.example", selector, algorithm.tag(), pair.getPrivate().getEncoded(),
          pair.getPublic().getEncoded(), "active", Instant.now()));
    }
    return DkimKeys.of("sender.example", selector, algorithm, pair);
  }

  @Test
  void aDomainWithEverythingInPlaceIsInOrder() throws Exception {
    try (TestDnsServer dns = TestDnsServer.start();
        PolicyHost policyHost = PolicyHost.start("sender.example")) {
      policyHost.serve("version: STSv1\r\nmode: enforce\r\nmx: mx.sender.example\r\nmax_age: 604800\r\n");
      dns.a("mta-sts.sender.example", "127.0.0.1");
      DkimKey rsa = storeKey("hk1r", DkimAlgorithm.RSA_SHA256);
      dns.a("mx.sender.example", "203.0.113.25");
      dns.mx("sender.example", 10, "mx.sender.example");
      dns.txt("sender.example", "v=spf1 mx -all");
      dns.txt(rsa.recordName(), rsa.record());
      dns.txt("_dmarc.sender.example", "v=DMARC1; p=reject; rua=mailto:d@sender.example");
      dns.txt("_mta-sts.sender.example", "v=STSv1; id=2026112301");
      dns.txt("_smtp._tls.sender.example", "v=TLSRPTv1; rua=mailto:tls@sender.example");

      Path trust = Files.writeString(data.resolve("policy-ca.pem"), policyHost.trustAnchorPem());
      AdminCommandLine.Result run = AdminCommandLine.run("", "dns", "check", "sender.example", "--config",
          config(dns, policyHost.port()).toString(), "--trust", trust.toString());
      assertThat(run.exitCode()).as(run.describe()).isZero();
      assertThat(run.out()).contains("MX       ok       10 mx.sender.example", "SPF      ok       v=spf1 mx -all",
          "DKIM     ok       hk1r._domainkey.sender.example (rsa-sha256)", "DMARC    ok", "MTA-STS  ok", "TLS-RPT  ok",
          "POLICY   ok       mode enforce, mx [mx.sender.example], max_age 604800 s", "all records in order");
    }
  }

  @Test
  void theTlsaRecordForThisServersCertificateIsNamedAndChecked() throws Exception {
    TestCertificates certificate = TestCertificates.ecdsa("mx.sender.example");
    TestCertificates.PemFiles pem = certificate.writeTo(Files.createDirectories(data.resolve("tls-configured")));
    byte[] keyHash = MessageDigest.getInstance("SHA-256").digest(certificate.certificate().getPublicKey().getEncoded());
    String wanted = "3 1 1 " + HexFormat.of().formatHex(keyHash);
    try (TestDnsServer dns = TestDnsServer.start()) {
      Path config = Files.writeString(config(dns), "tls:\n  certificate: " + pem.certificateChain() + "\n  private-key: "
          + pem.privateKey() + "\n", java.nio.file.StandardOpenOption.APPEND);

      AdminCommandLine.Result missing = AdminCommandLine.run("", "dns", "check", "sender.example", "--config", config.toString());
      assertThat(missing.out()).contains("TLSA     missing  _25._tcp.mx.sender.example: none")
          .contains("publish: _25._tcp.mx.sender.example. IN TLSA " + wanted);

      dns.tlsa("_25._tcp.mx.sender.example", 3, 1, 1, new byte[32]); // another key's
      AdminCommandLine.Result wrong = AdminCommandLine.run("", "dns", "check", "sender.example", "--config", config.toString());
      assertThat(wrong.out()).contains("TLSA     wrong    _25._tcp.mx.sender.example has [3 1 1 0000");

      dns.tlsa("_25._tcp.mx.sender.example", 3, 1, 1, keyHash);
      AdminCommandLine.Result ok = AdminCommandLine.run("", "dns", "check", "sender.example", "--config", config.toString());
      assertThat(ok.out()).contains("TLSA     ok       _25._tcp.mx.sender.example " + wanted);
    }
  }

  @Test
  void anMtaStsPolicyThatDoesNotNameAnMxOrCannotBeFetchedIsWrong() throws Exception {
    try (TestDnsServer dns = TestDnsServer.start();
        PolicyHost policyHost = PolicyHost.start("sender.example")) {
      policyHost.serve("version: STSv1\r\nmode: enforce\r\nmx: mx1.sender.example\r\nmax_age: 604800\r\n");
      dns.a("mta-sts.sender.example", "127.0.0.1");
      dns.mx("sender.example", 10, "mx.sender.example");
      dns.txt("_mta-sts.sender.example", "v=STSv1; id=2026112301");
      Path trust = Files.writeString(data.resolve("policy-ca.pem"), policyHost.trustAnchorPem());

      AdminCommandLine.Result run = AdminCommandLine.run("", "dns", "check", "sender.example", "--config",
          config(dns, policyHost.port()).toString(), "--trust", trust.toString());
      assertThat(run.exitCode()).as(run.describe()).isEqualTo(1);
      assertThat(run.out()).contains("POLICY   wrong    mode enforce, mx [mx1.sender.example], max_age 604800 s;"
          + " MX host(s) [mx.sender.example] not named by it: senders will not deliver there")
          .contains("add to the policy: mx: mx.sender.example");

      // Without the private CA the policy host's certificate is not trusted, as by any sender.
      AdminCommandLine.Result untrusted = AdminCommandLine.run("", "dns", "check", "sender.example", "--config",
          config(dns, policyHost.port()).toString());
      assertThat(untrusted.out()).containsPattern("POLICY   wrong    https://mta-sts.sender.example/.well-known/mta-sts.txt: TLS with .* failed");
    }
  }

  @Test
  void missingAndWrongRecordsComeWithTheRecordToPublish() throws Exception {
    try (TestDnsServer dns = TestDnsServer.start()) {
      DkimKey rsa = storeKey("hk1r", DkimAlgorithm.RSA_SHA256);
      DkimKey ed = storeKey("hk1e", DkimAlgorithm.ED25519_SHA256);
      DkimKey other = DkimKeys.of("sender.example", "hk1e", DkimAlgorithm.ED25519_SHA256, DkimAlgorithm.ED25519_SHA256.generate());
      dns.a("mx.sender.example", "203.0.113.25");
      dns.mx("sender.example", 10, "mx.elsewhere.example");
      dns.txt("sender.example", "v=spf1 ip4:198.51.100.0/24 -all"); // not this server
      dns.txt(ed.recordName(), other.record()); // an old key
      dns.txt("_dmarc.sender.example", "v=DMARC1; p=maybe");

      AdminCommandLine.Result run = AdminCommandLine.run("", "dns", "check", "sender.example", "--config", config(dns).toString());
      assertThat(run.exitCode()).as(run.describe()).isEqualTo(1);
      assertThat(run.out())
          .contains("MX       ok       10 mx.elsewhere.example (mail for the domain is received there, not here)")
          .contains("SPF      wrong    does not let 203.0.113.25 (mx.sender.example) send: fail")
          .contains("publish: sender.example. IN TXT \"v=spf1 a:mx.sender.example ip4:198.51.100.0/24 -all\"")
          .contains("DKIM     missing  hk1r._domainkey.sender.example (rsa-sha256) is not published")
          .contains("publish: " + rsa.zoneLine())
          .contains("DKIM     wrong    hk1e._domainkey.sender.example publishes another key")
          .contains("DMARC    wrong    p= must be none, quarantine or reject")
          .contains("publish: _dmarc.sender.example. IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc-reports@sender.example\"")
          .contains("MTA-STS  missing", "publish: _mta-sts.sender.example. IN TXT \"v=STSv1; id=")
          .contains("TLS-RPT  missing", "publish: _smtp._tls.sender.example. IN TXT \"v=TLSRPTv1; rua=mailto:tls-reports@sender.example\"")
          .contains("some records need attention");
    }
  }
}
