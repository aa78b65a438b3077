package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.mailauth.ArcSealer;
import dev.hikyaku.mailauth.ArcVerifier;
import dev.hikyaku.mailauth.DkimAlgorithm;
import dev.hikyaku.mailauth.DkimKey;
import dev.hikyaku.mailauth.DkimKeys;
import dev.hikyaku.mailauth.DkimVerifier;
import dev.hikyaku.mailauth.InboundChecks;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ARC (RFC 8617) chains sealed by dkimpy's {@code arcsign} (Debian's python3-dkim, an ARC
 * implementation nobody here wrote), validated by {@link ArcVerifier} against key records in the
 * test DNS server: one set and two sets pass; a body changed after sealing, or a seal of a key the
 * DNS does not hold, fails; a message without sets has none.
 */
class ArcInteropTest {

  @TempDir static Path directory;
  private static ExternalTool arcsign;
  private static Path firstKey;
  private static Path secondKey;
  private static String firstPublic;
  private static String secondPublic;

  @BeforeAll
  static void keys() throws Exception {
    arcsign = ExternalTool.require("arcsign", "python3-dkim");
    ExternalTool openssl = ExternalTool.require("openssl", "openssl");
    firstKey = directory.resolve("first.pem");
    secondKey = directory.resolve("second.pem");
    firstPublic = rsaKey(openssl, firstKey);
    secondPublic = rsaKey(openssl, secondKey);
  }

  /** A PKCS#1 RSA key for dkimpy, written to {@code file}; its public key as a DKIM key record's p=. */
  private static String rsaKey(ExternalTool openssl, Path file) throws Exception {
    ExternalTool.Run generated = openssl.run("genrsa", "-traditional", "-out", file.toString(), "2048");
    assertThat(generated.exitCode()).as(generated.output()).isZero();
    Path der = directory.resolve(file.getFileName() + ".pub.der");
    ExternalTool.Run pub = openssl.run("rsa", "-in", file.toString(), "-pubout", "-outform", "DER", "-out", der.toString());
    assertThat(pub.exitCode()).as(pub.output()).isZero();
    return Base64.getEncoder().encodeToString(Files.readAllBytes(der));
  }

  private static final String MESSAGE = "Authentication-Results: forwarder.example; spf=pass smtp.mailfrom=alice@origin.example\r\n"
      + "From: alice@origin.example\r\nTo: list@forwarder.example\r\nSubject: arc\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n"
      + "Message-ID: <arc-1@origin.example>\r\n\r\nA message passed on by a mailing list.\r\n";

  @Test
  void oneAndTwoSetsSealedByDkimpyPass() throws Exception {
    try (TestDnsServer dns = keysPublished()) {
      byte[] once = seal(MESSAGE.getBytes(StandardCharsets.US_ASCII), "first", "forwarder.example", firstKey, "forwarder.example");
      assertThat(verify(dns, once)).isEqualTo(new ArcVerifier.Chain(ArcVerifier.Result.PASS, 1, "chain of 1 verified"));

      byte[] withResults = ("Authentication-Results: relay.example; arc=pass\r\n" + new String(once, StandardCharsets.US_ASCII))
          .getBytes(StandardCharsets.US_ASCII);
      byte[] twice = seal(withResults, "second", "relay.example", secondKey, "relay.example");
      ArcVerifier.Chain chain = verify(dns, twice);
      assertThat(chain.result()).as(chain.reason()).isEqualTo(ArcVerifier.Result.PASS);
      assertThat(chain.instances()).isEqualTo(2);
    }
  }

  @Test
  void theInboundChecksRecordTheChainInAuthenticationResults() throws Exception {
    try (TestDnsServer dns = keysPublished()) {
      byte[] sealed = seal(MESSAGE.getBytes(StandardCharsets.US_ASCII), "first", "forwarder.example", firstKey, "forwarder.example");
      DnsjavaResolver resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(2), 2);
      InboundChecks.Report report = new InboundChecks(resolver, Clock.systemUTC(), "mx.hikyaku.test", Duration.ofSeconds(10))
          .check(sealed, InetAddress.getLoopbackAddress(), "mail.forwarder.example", "list@forwarder.example");
      assertThat(report.arc().result()).isEqualTo(ArcVerifier.Result.PASS);
      assertThat(report.field()).contains("arc=pass (i=1)");
    }
  }

  @Test
  void ourSealOnADkimpySetIsValidatedByDkimpy() throws Exception {
    ExternalTool python = ExternalTool.interpreterOf("dkimverify", "python3-dkim");
    Path script = Dkimpy.copy("arc_verify.py", directory);
    DkimKey ours = DkimKeys.of("hikyaku.test", "arc", DkimAlgorithm.RSA_SHA256, rsaPair());
    try (TestDnsServer dns = keysPublished()) {
      dns.txt(ours.recordName(), ours.record());
      byte[] first = seal(MESSAGE.getBytes(StandardCharsets.US_ASCII), "first", "forwarder.example", firstKey, "forwarder.example");
      // As it arrives here: our checks' field on top (our authserv-id), the chain of one set under it.
      byte[] checked = ("Authentication-Results: mx.hikyaku.test;\r\n\tarc=pass (i=1);\r\n\tdmarc=none\r\n"
          + new String(first, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1);
      DnsjavaResolver resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(2), 2);
      ArcVerifier verifier = new ArcVerifier(new DkimVerifier(resolver, Clock.systemUTC()));
      byte[] set = new ArcSealer(Clock.systemUTC(), verifier).seal(checked, "mx.hikyaku.test", ours).orElseThrow();
      byte[] sealed = concat(set, checked);
      assertThat(new String(set, StandardCharsets.US_ASCII)).contains("ARC-Seal: i=2; a=rsa-sha256;").contains("cv=pass");
      assertThat(verifier.verify(sealed)).as("our own verifier").extracting(ArcVerifier.Chain::result).isEqualTo(ArcVerifier.Result.PASS);

      Path file = Files.write(directory.resolve("sealed.eml"), sealed);
      Path records = Files.writeString(directory.resolve("records.tsv"), "first._domainkey.forwarder.example\tv=DKIM1; k=rsa; p="
          + firstPublic + "\n" + ours.recordName() + "\t" + ours.record() + "\n");
      ExternalTool.Run run = python.run("-I", script.toString(), file.toString(), records.toString());
      assertThat(run.exitCode()).as(run.output()).isZero();
      assertThat(run.stdout()).contains("cv=pass");
    }
  }

  private static KeyPair rsaPair() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private static byte[] concat(byte[] first, byte[] second) {
    byte[] joined = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, joined, first.length, second.length);
    return joined;
  }

  @Test
  void aChangedBodyOrAnUnknownKeyFails() throws Exception {
    try (TestDnsServer dns = keysPublished()) {
      String sealed = new String(seal(MESSAGE.getBytes(StandardCharsets.US_ASCII), "first", "forwarder.example", firstKey,
          "forwarder.example"), StandardCharsets.US_ASCII);
      ArcVerifier.Chain changed = verify(dns, sealed.replace("passed on", "changed by").getBytes(StandardCharsets.US_ASCII));
      assertThat(changed.result()).isEqualTo(ArcVerifier.Result.FAIL);
      assertThat(changed.reason()).contains("ARC-Message-Signature i=1").contains("body hash");

      byte[] unknown = seal(MESSAGE.getBytes(StandardCharsets.US_ASCII), "missing", "forwarder.example", firstKey, "forwarder.example");
      assertThat(verify(dns, unknown).result()).isEqualTo(ArcVerifier.Result.FAIL);
      assertThat(verify(dns, MESSAGE.getBytes(StandardCharsets.US_ASCII)).result()).isEqualTo(ArcVerifier.Result.NONE);
    }
  }

  private static TestDnsServer keysPublished() {
    TestDnsServer dns = TestDnsServer.start();
    dns.txt("first._domainkey.forwarder.example", "v=DKIM1; k=rsa; p=" + firstPublic)
        .txt("second._domainkey.relay.example", "v=DKIM1; k=rsa; p=" + secondPublic);
    return dns;
  }

  private static byte[] seal(byte[] message, String selector, String domain, Path key, String authservId) {
    ExternalTool.Run run = arcsign.runWithInput(message, selector, domain, key.toString(), authservId);
    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(run.stdout()).as("dkimpy added a set").contains("ARC-Seal:");
    return run.stdout().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static ArcVerifier.Chain verify(TestDnsServer dns, byte[] message) {
    DnsjavaResolver resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(2), 2);
    return new ArcVerifier(new DkimVerifier(resolver, Clock.systemUTC())).verify(message);
  }
}
