package dev.hikyaku.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.testing.TestKeys;
import dev.hikyaku.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.commons.net.smtp.SMTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mail arriving on port 25 of a running server gets its Authentication-Results field (RFC 8601),
 * with SPF, DKIM and DMARC looked up in a test DNS server; a DMARC p=reject failure is refused
 * with 550 5.7.1, a p=quarantine one is marked.
 */
class InboundChecksServerTest {

  @TempDir Path data;
  private TestDnsServer dns;
  private Server server;
  private DkimKey key;

  @BeforeEach
  void start() throws Exception {
    dns = TestDnsServer.start();
    key = DkimKeys.of("signed.example", "s1", DkimAlgorithm.RSA_SHA256, TestKeys.rsa2048(0));
    dns.txt("s1._domainkey.signed.example", key.record());
    // Connections come from 127.0.0.1.
    dns.txt("signed.example", "v=spf1 ip4:127.0.0.0/8 -all");
    dns.txt("_dmarc.signed.example", "v=DMARC1; p=reject");
    dns.txt("forged.example", "v=spf1 ip4:192.0.2.0/24 -all");
    dns.txt("_dmarc.forged.example", "v=DMARC1; p=reject");
    dns.txt("quarantine.example", "v=spf1 -all");
    dns.txt("_dmarc.quarantine.example", "v=DMARC1; p=quarantine");
    dns.txt("trial.example", "v=spf1 -all");
    dns.txt("_dmarc.trial.example", "v=DMARC1; p=reject; pct=0"); // a domain trying reject on 0 % of its mail
    HikyakuConfig base = TestServers.config(data);
    HikyakuConfig config = base
        // Not a timeout test: a loaded machine (bin/test --fast runs classes side by side) must not turn answers into temperror.
        .withDelivery(base.delivery().withDns(List.of(dns.address()), Duration.ofSeconds(5)))
        .withMailAuth(base.mailAuth().withVerifying(true));
    server = TestServers.start(config, s -> s, List.of());
    TestServers.createMailboxes(server, "bob@" + TestServers.HOSTED_DOMAIN);
  }

  @AfterEach
  void stop() {
    server.close();
    dns.close();
  }

  /** Sends on the relay port; returns the final reply line. */
  private String send(String from, byte[] message) throws Exception {
    SMTPClient smtp = new SMTPClient();
    smtp.setDefaultTimeout(10_000);
    smtp.connect("127.0.0.1", server.port(ListenerRole.RELAY));
    try {
      smtp.login("mta.sender.example");
      assertThat(smtp.setSender(from)).as(smtp.getReplyString()).isTrue();
      assertThat(smtp.addRecipient("bob@" + TestServers.HOSTED_DOMAIN)).as(smtp.getReplyString()).isTrue();
      smtp.sendShortMessageData(new String(message, StandardCharsets.UTF_8));
      return smtp.getReplyString().strip();
    } finally {
      smtp.disconnect();
    }
  }

  private String onlyQueuedHeader() throws Exception {
    var entries = server.store().queueAdmin().list(QueueQuery.all());
    assertThat(entries).hasSize(1);
    String content = new String(server.store().queueAdmin().find(entries.getFirst().id()).orElseThrow().content(), StandardCharsets.UTF_8);
    return content.substring(0, content.indexOf("\r\n\r\n")).replace("\r\n\t", " ");
  }

  @Test
  void aSignedMessageFromAnAllowedAddressPassesAllThreeAndForgedResultsGo() throws Exception {
    byte[] message = ("Authentication-Results: " + TestServers.HOSTNAME + "; dkim=pass header.d=bank.example\r\n"
        + "Authentication-Results: other.example; spf=pass smtp.mailfrom=x@y.example\r\n"
        + "From: Alice <alice@signed.example>\r\nTo: bob@hikyaku.test\r\nSubject: checked\r\n"
        + "Date: Mon, 23 Nov 2026 04:00:00 +0000\r\nMessage-ID: <a1@signed.example>\r\n\r\nSigned body.\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    byte[] signed = concat(new DkimSigner(Clock.systemUTC()).signatureFields(message, List.of(key)), message);
    assertThat(send("alice@signed.example", signed)).startsWith("250");

    String header = onlyQueuedHeader();
    assertThat(header).contains("Authentication-Results: " + TestServers.HOSTNAME + "; spf=pass (")
        .contains(" smtp.mailfrom=alice@signed.example; dkim=pass header.d=signed.example header.s=s1 header.a=rsa-sha256;"
            + " dmarc=pass (p=reject) header.from=signed.example")
        .doesNotContain("header.d=bank.example")
        .contains("Authentication-Results: other.example; spf=pass");
    assertThat(header.indexOf("Received: ")).isLessThan(header.indexOf("Authentication-Results: " + TestServers.HOSTNAME));
  }

  @Test
  void aForgedFromOfARejectDomainIsRefusedWith550() throws Exception {
    byte[] message = "From: ceo@forged.example\r\nTo: bob@hikyaku.test\r\nSubject: wire money\r\n\r\nNow.\r\n"
        .getBytes(StandardCharsets.US_ASCII);
    assertThat(send("ceo@forged.example", message)).startsWith("550 5.7.1").contains("DMARC policy of forged.example");
    assertThat(server.store().queueAdmin().list(QueueQuery.all())).isEmpty();
  }

  @Test
  void aQuarantineFailureIsMarkedAndATamperedSignatureFails() throws Exception {
    byte[] message = ("From: news@quarantine.example\r\nTo: bob@hikyaku.test\r\nSubject: offers\r\n\r\nBody.\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    // Signed by signed.example, then changed on the way: the signature fails, and it is not aligned anyway.
    byte[] signed = concat(new DkimSigner(Clock.systemUTC()).signatureFields(message, List.of(key)), message);
    byte[] tampered = new String(signed, StandardCharsets.US_ASCII).replace("Body.", "Changed body.").getBytes(StandardCharsets.US_ASCII);
    assertThat(send("news@quarantine.example", tampered)).startsWith("250");
    assertThat(onlyQueuedHeader())
        .contains("spf=fail (")
        .contains("dkim=fail (body hash did not verify) header.d=signed.example header.s=s1")
        .contains("dmarc=fail (p=quarantine) header.from=quarantine.example");
  }

  @Test
  void aRejectPolicyOutsideItsPctIsMarkedWithTheMilderDisposition() throws Exception {
    byte[] message = "From: ops@trial.example\r\nTo: bob@hikyaku.test\r\nSubject: trial\r\n\r\nBody.\r\n"
        .getBytes(StandardCharsets.US_ASCII);
    // RFC 7489 §6.6.4: pct=0 means no failing message gets reject; quarantine is the disposition.
    assertThat(send("ops@trial.example", message)).startsWith("250");
    assertThat(onlyQueuedHeader()).contains("dmarc=fail (p=reject dis=quarantine) header.from=trial.example");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
