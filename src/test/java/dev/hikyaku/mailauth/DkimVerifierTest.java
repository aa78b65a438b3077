package dev.hikyaku.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.testing.TestKeys;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The verifier's refusals (RFC 6376 §6.1, RFC 8301), each on a signature field written by hand so
 * that the rule under test, not the cryptography, decides; the keys come from a test DNS server.
 */
class DkimVerifierTest {

  private static final Instant NOW = Instant.parse("2026-11-23T05:00:00Z");
  private static final String BODY = "From: a@example.com\r\nSubject: s\r\n\r\nbody\r\n";
  private static TestDnsServer dns;
  private static DkimVerifier verifier;
  private static DkimKey key;

  @BeforeAll
  static void serveKeys() throws Exception {
    dns = TestDnsServer.start();
    key = DkimKeys.of("example.com", "good", DkimAlgorithm.RSA_SHA256, TestKeys.rsa2048(0));
    dns.txt("good._domainkey.example.com", key.record());
    dns.txt("revoked._domainkey.example.com", "v=DKIM1; k=rsa; p=");
    KeyPairGenerator weak = KeyPairGenerator.getInstance("RSA");
    weak.initialize(512);
    dns.txt("weak._domainkey.example.com",
        "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(weak.generateKeyPair().getPublic().getEncoded()));
    dns.txt("edkey._domainkey.example.com", DkimKeys.of("example.com", "edkey", DkimAlgorithm.ED25519_SHA256,
        DkimAlgorithm.ED25519_SHA256.generate()).record());
    verifier = new DkimVerifier(new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(500), 1),
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @AfterAll
  static void stop() {
    dns.close();
  }

  /** The verdict on a message with one DKIM-Signature field whose tags are {@code tags}. */
  private static DkimVerifier.Signature verdict(String tags) {
    byte[] message = ("DKIM-Signature: " + tags + "\r\n" + BODY).getBytes(StandardCharsets.US_ASCII);
    return verifier.verify(message).getFirst();
  }

  /** Tags with a body hash that matches BODY, and a b= that is valid base64 but no signature. */
  private static String tags(String a, String s, String h, String extra) throws Exception {
    byte[] canonical = Canonical.relaxedBody(BODY.getBytes(StandardCharsets.US_ASCII), BODY.indexOf("\r\n\r\n") + 4);
    String bh = Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256").digest(canonical));
    return "v=1; a=" + a + "; c=relaxed/relaxed; d=example.com; s=" + s + "; h=" + h + "; bh=" + bh + ";" + extra + " b=AAAA";
  }

  @Test
  void eachRuleRefusesOnItsOwn() throws Exception {
    assertThat(verdict(tags("rsa-sha1", "good", "from:subject", ""))).satisfies(v -> {
      assertThat(v.result()).isEqualTo(DkimVerifier.Result.PERMERROR); // RFC 8301 §3.1
      assertThat(v.reason()).contains("rsa-sha1 not accepted");
    });
    assertThat(verdict(tags("rsa-sha256", "good", "subject", "")).reason()).contains("From is not signed"); // §5.4
    assertThat(verdict(tags("rsa-sha256", "good", "from", " i=@other.example;")).reason()).contains("is not within d="); // §3.5
    assertThat(verdict(tags("rsa-sha256", "good", "from", " x=" + NOW.minusSeconds(1).getEpochSecond() + ";")))
        .satisfies(v -> assertThat(v.result()).isEqualTo(DkimVerifier.Result.FAIL)); // §3.5 x=
    assertThat(verdict(tags("rsa-sha256", "good", "from", " l=999;")).reason()).contains("l= longer than the body");
    // Found while writing the fuzz harnesses: "l=-1" reached Arrays.copyOf with a negative length.
    assertThat(verdict(tags("rsa-sha256", "good", "from", " l=-1;")).reason()).contains("bad l= tag");
    assertThat(verdict(tags("rsa-sha256", "revoked", "from", "")).reason()).contains("key revoked"); // §3.6.1
    assertThat(verdict(tags("rsa-sha256", "weak", "from", "")).reason()).contains("512 bits is too short"); // RFC 8301 §3.2
    assertThat(verdict(tags("rsa-sha256", "edkey", "from", "")).reason()).contains("key is k=ed25519");
    assertThat(verdict(tags("rsa-sha256", "absent", "from", "")).reason()).contains("no key record at absent._domainkey.example.com");
    assertThat(verdict("v=1; a=rsa-sha256; d=example.com; s=good; h=from; b=AAAA").reason()).contains("no bh= tag"); // §6.1.1
    // Everything in order but the signature: it fails on the cryptography, last.
    assertThat(verdict(tags("rsa-sha256", "good", "from", ""))).satisfies(v -> {
      assertThat(v.result()).isEqualTo(DkimVerifier.Result.FAIL);
      assertThat(v.reason()).startsWith("signature did not verify");
    });
  }

  @Test
  void noMoreThanFiveSignaturesAreChecked() throws Exception {
    String field = "DKIM-Signature: " + tags("rsa-sha256", "good", "from", "") + "\r\n";
    byte[] message = (field.repeat(7) + BODY).getBytes(StandardCharsets.US_ASCII);
    assertThat(verifier.verify(message)).hasSize(DkimVerifier.MAX_SIGNATURES);
  }
}
