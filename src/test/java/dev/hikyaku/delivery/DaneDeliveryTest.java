package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.protocol.DeliveryStatus.Action;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.schedule.RecipientResult;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.DueRecipient;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 7672 on MX delivery, end to end on loopback: the recipient domain's zone DNSSEC-signed in a
 * test DNS server (validated from its own trust anchor, as the root's would be), Hikyaku's own server
 * as the MX with its self-signed certificate, which no WebPKI trust store would take, and the MX
 * host's TLSA record naming that certificate's key or another.
 */
class DaneDeliveryTest {

  private static final String DOMAIN = TestServers.HOSTED_DOMAIN;
  private static final String MX = TestServers.HOSTNAME;

  @TempDir static Path data;
  private static Server mx;
  private static byte[] keyHash; // SHA-256 of the MX certificate's public key: TLSA 3 1 1

  @BeforeAll
  static void start() throws Exception {
    mx = TestServers.start(data);
    TestServers.createMailboxes(mx, "bob@" + DOMAIN);
    keyHash = MessageDigest.getInstance("SHA-256").digest(mx.tls().currentCertificate().getPublicKey().getEncoded());
  }

  @AfterAll
  static void stop() {
    mx.close();
  }

  private static String tlsaName() {
    return "_" + mx.port(ListenerRole.RELAY) + "._tcp." + MX; // the port the MX is reached on (25 in production)
  }

  @Test
  void aMatchingTlsaRecordAuthenticatesACertificateNoCaSigned() {
    try (TestDnsServer dns = zone()) {
      String anchor = dns.sign(DOMAIN);
      dns.tlsa(tlsaName(), 3, 1, 1, keyHash);
      RecipientResult result = deliver(dns, anchor, "");
      assertThat(result.status().action()).as(result.toString()).isIn(Action.DELIVERED, Action.RELAYED);
      assertThat(result.facts().tls()).as("over TLS").isPresent();
    }
  }

  @Test
  void aMismatchingTlsaRecordDefers475RatherThanSendUnauthenticated() {
    try (TestDnsServer dns = zone()) {
      String anchor = dns.sign(DOMAIN);
      dns.tlsa(tlsaName(), 3, 1, 1, new byte[32]); // another key's
      RecipientResult result = deliver(dns, anchor, "");
      assertThat(result.status().action()).as(result.toString()).isEqualTo(Action.DELAYED);
      assertThat(result.status().status()).isEqualTo(EnhancedStatus.of(4, 7, 5));
      assertThat(result.status().diagnostic().field()).contains("(DANE)").contains("TLSA");
    }
  }

  @Test
  void aBogusTlsaAnswerDefersAndNothingIsSent() {
    try (TestDnsServer dns = zone()) {
      String anchor = dns.sign(DOMAIN);
      dns.tlsa(tlsaName(), 3, 1, 1, keyHash).forgeSignatures(tlsaName());
      RecipientResult result = deliver(dns, anchor, "");
      assertThat(result.status().action()).as(result.toString()).isEqualTo(Action.DELAYED);
      assertThat(result.status().status()).isEqualTo(EnhancedStatus.of(4, 4, 3));
      assertThat(result.status().diagnostic().field()).contains("DNSSEC validation failed").contains("RFC 7672");
      assertThat(result.facts().tls()).as("no connection made").isEmpty();
    }
  }

  @Test
  void aBogusMxAnswerDefers() {
    try (TestDnsServer dns = zone()) {
      String anchor = dns.sign(DOMAIN);
      dns.tlsa(tlsaName(), 3, 1, 1, keyHash).forgeSignatures(DOMAIN);
      RecipientResult result = deliver(dns, anchor, "");
      assertThat(result.status().action()).as(result.toString()).isEqualTo(Action.DELAYED);
      assertThat(result.status().diagnostic().field()).contains("DNSSEC validation failed").contains("RFC 7672 §2.2.1");
    }
  }

  @Test
  void aSignedZoneWithoutTlsaRecordsDeliversAsBefore() {
    try (TestDnsServer dns = zone()) {
      String anchor = dns.sign(DOMAIN); // the TLSA name's absence is proven by NSEC records
      RecipientResult result = deliver(dns, anchor, "");
      assertThat(result.status().action()).as(result.toString()).isIn(Action.DELIVERED, Action.RELAYED);
    }
  }

  @Test
  void tlsaRecordsInAnUnsignedZoneAreNotUsed() {
    try (TestDnsServer dns = zone()) {
      String anchor = dns.sign("elsewhere.test"); // validation works, and this domain is under no anchor: insecure
      dns.tlsa(tlsaName(), 3, 1, 1, new byte[32]);
      RecipientResult result = deliver(dns, anchor, "");
      assertThat(result.status().action()).as("an insecure TLSA record is no DANE: " + result).isIn(Action.DELIVERED, Action.RELAYED);
    }
  }

  @Test
  void requireTlsGoesToAHostDaneAuthenticates() {
    try (TestDnsServer dns = zone()) {
      String anchor = dns.sign(DOMAIN);
      dns.tlsa(tlsaName(), 3, 1, 1, keyHash);
      RecipientResult result = deliver(dns, anchor, "REQUIRETLS");
      assertThat(result.status().action()).as(result.toString()).isIn(Action.DELIVERED, Action.RELAYED);
    }
  }

  @Test
  void requireTlsIsReturned5710WhenTheHostsTlsaRecordsAreAllUnusable() {
    try (TestDnsServer dns = zone()) {
      String anchor = dns.sign(DOMAIN);
      dns.tlsa(tlsaName(), 1, 1, 1, keyHash); // PKIX-EE: unusable for SMTP (RFC 7672 §3.1.3)
      RecipientResult plain = deliver(dns, anchor, "");
      assertThat(plain.status().action()).as("TLS required, not authenticated: " + plain).isIn(Action.DELIVERED, Action.RELAYED);
      assertThat(plain.facts().tls()).isPresent();
      RecipientResult required = deliver(dns, anchor, "REQUIRETLS");
      assertThat(required.status().status()).as(required.toString()).isEqualTo(EnhancedStatus.of(5, 7, 10));
    }
  }

  @Test
  void theBuiltInRootAnchorsAreReadAndAskedFor() {
    try (TestDnsServer dns = zone()) {
      DnsjavaResolver root = DnsjavaResolver.validating(
          List.of(dns.address()), Duration.ofSeconds(2), 2, Clock.systemUTC(), DnsjavaResolver.ROOT_TRUST_ANCHORS);
      // This DNS server has no root zone: the root's keys do not validate, so DANE is left aside.
      assertThat(root.isValidating()).isFalse();
      assertThat(dns.queries(".")).as("the root's DNSKEY asked for").isPositive();
      RecipientResult result = deliver(dns, DnsjavaResolver.ROOT_TRUST_ANCHORS, "");
      assertThat(result.status().action()).as(result.toString()).isIn(Action.DELIVERED, Action.RELAYED);
    }
  }

  /** The domain's MX on loopback; unsigned until the test signs it. */
  private static TestDnsServer zone() {
    TestDnsServer dns = TestDnsServer.start();
    dns.mx(DOMAIN, 10, MX).a(MX, "127.0.0.1");
    return dns;
  }

  /** One message to bob@ the domain by MX, opportunistic TLS by default, DANE from {@code anchor}. */
  private static RecipientResult deliver(TestDnsServer dns, String anchor, String mailParameters) {
    DnsjavaResolver resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(2), 2);
    DnsjavaResolver validating = DnsjavaResolver.validating(List.of(dns.address()), Duration.ofSeconds(2), 2, Clock.systemUTC(), anchor);
    DeliveryWorker.Settings settings = new DeliveryWorker.Settings("out.client.example", mx.port(ListenerRole.RELAY),
        TlsPolicy.OPPORTUNISTIC, OutboundSession.Timeouts.defaults(), Optional.empty(), new Routes(Map.of()), Map.of(), 10);
    try (DeliveryWorker worker = new DeliveryWorker(new MxResolver(resolver, new SplittableRandom(1)), settings, Optional.empty(),
        new MaildirDelivery(Clock.systemUTC(), new SecureRandom(), "out.client.example"), ReversePaths.OWN,
        MtaStsPolicies.OFF, Dane.over(validating))) {
      DueDelivery due = new DueDelivery(QueueId.generate(Clock.systemUTC(), new SplittableRandom()), Instant.now(),
          "sender@client.example", mailParameters,
          ("From: sender@client.example\r\nTo: bob@" + DOMAIN + "\r\nSubject: dane\r\n\r\nhi\r\n").getBytes(StandardCharsets.US_ASCII),
          List.of(new DueRecipient("bob@" + DOMAIN, "", 0, Optional.empty(), Optional.empty())));
      return worker.deliver(due).getFirst();
    }
  }
}
