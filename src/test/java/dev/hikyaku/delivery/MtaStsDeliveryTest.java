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
import dev.hikyaku.testing.PolicyHost;
import dev.hikyaku.testing.TestServers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 8461 on MX delivery, end to end on loopback: the recipient domain's {@code _mta-sts} record in
 * a test DNS server, its policy served over HTTPS by a policy host for {@code mta-sts.hikyaku.test}
 * (certificate verified), and Hikyaku's own server as the MX, whose certificate names
 * {@code mx.hikyaku.test}. An MX name the certificate does not cover stands for an attacker's MX.
 */
class MtaStsDeliveryTest {

  private static final String DOMAIN = TestServers.HOSTED_DOMAIN;
  private static final String GOOD_MX = TestServers.HOSTNAME; // what the MX's certificate names
  private static final String WRONG_MX = "mx2." + DOMAIN; // resolves to the same server: a name mismatch

  @TempDir static Path data;
  private static Server mx;
  private static PolicyHost policyHost;
  private static SSLContext trust;

  @BeforeAll
  static void start() throws Exception {
    mx = TestServers.start(data);
    TestServers.createMailboxes(mx, "bob@" + DOMAIN);
    policyHost = PolicyHost.start(DOMAIN);
    // The delivery's trust: the MX's certificate and the policy host's, nothing else.
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("mx", mx.tls().currentCertificate());
    trusted.setCertificateEntry("policy", policyHost.trustAnchor());
    TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trustManagers.init(trusted);
    trust = SSLContext.getInstance("TLS");
    trust.init(null, trustManagers.getTrustManagers(), new SecureRandom());
  }

  @AfterAll
  static void stop() {
    policyHost.close();
    mx.close();
  }

  @Test
  void anEnforcedPolicyDeliversToANamedMxWithAVerifiedCertificate() throws Exception {
    policyHost.serve("version: STSv1\r\nmode: enforce\r\nmx: " + GOOD_MX + "\r\nmax_age: 86400\r\n");
    try (TestDnsServer dns = dns(GOOD_MX, true)) {
      RecipientResult result = deliver(dns);
      assertThat(result.status().action()).as(result.toString()).isIn(Action.DELIVERED, Action.RELAYED);
      assertThat(result.facts().tls()).as("over TLS").isPresent();
    }
  }

  @Test
  void anEnforcedPolicyDefersRatherThanTrustAnMxWhoseCertificateDoesNotNameIt() throws Exception {
    policyHost.serve("version: STSv1\r\nmode: enforce\r\nmx: *." + DOMAIN + "\r\nmax_age: 86400\r\n");
    try (TestDnsServer dns = dns(WRONG_MX, true)) {
      RecipientResult result = deliver(dns);
      assertThat(result.status().action()).as(result.toString()).isEqualTo(Action.DELAYED);
      assertThat(result.status().status()).isEqualTo(EnhancedStatus.of(4, 7, 5));
    }
  }

  @Test
  void anEnforcedPolicyDefersWhenItNamesNoneOfTheMxHosts() throws Exception {
    policyHost.serve("version: STSv1\r\nmode: enforce\r\nmx: mail.elsewhere.example\r\nmax_age: 86400\r\n");
    try (TestDnsServer dns = dns(GOOD_MX, true)) {
      RecipientResult result = deliver(dns);
      assertThat(result.status().status()).as(result.toString()).isEqualTo(EnhancedStatus.of(4, 7, 5));
      assertThat(result.status().diagnostic().field()).contains("is named by its enforced MTA-STS policy");
    }
  }

  @Test
  void aTestingPolicyAndNoPolicyDeliverAsBefore() throws Exception {
    policyHost.serve("version: STSv1\r\nmode: testing\r\nmx: *." + DOMAIN + "\r\nmax_age: 86400\r\n");
    try (TestDnsServer dns = dns(WRONG_MX, true)) {
      assertThat(deliver(dns).status().action()).isIn(Action.DELIVERED, Action.RELAYED);
    }
    try (TestDnsServer dns = dns(WRONG_MX, false)) {
      assertThat(deliver(dns).status().action()).isIn(Action.DELIVERED, Action.RELAYED);
    }
  }

  @Test
  void aPolicyIsFetchedOnceWhileItsRecordIdStaysTheSame() throws Exception {
    policyHost.serve("version: STSv1\r\nmode: enforce\r\nmx: " + GOOD_MX + "\r\nmax_age: 86400\r\n");
    try (TestDnsServer dns = dns(GOOD_MX, true)) {
      DnsjavaResolver resolver = resolver(dns);
      MtaStsPolicies policies = new MtaStsPolicies(resolver, MtaStsPolicies.fetcher(resolver, policyHost.port(),
          Optional.of(trust)), Clock.systemUTC());
      int before = policyHost.fetches();
      assertThat(policies.policyOf(DOMAIN)).hasValueSatisfying(p -> assertThat(p.mode()).isEqualTo(MtaStsPolicy.Mode.ENFORCE));
      assertThat(policies.policyOf(DOMAIN)).isPresent();
      assertThat(policyHost.fetches() - before).isEqualTo(1);
    }
  }

  /** DNS for the domain: its MX {@code mxName} on loopback, the policy host, and the record if {@code hasRecord}. */
  private static TestDnsServer dns(String mxName, boolean hasRecord) {
    TestDnsServer dns = TestDnsServer.start();
    dns.mx(DOMAIN, 10, mxName).a(mxName, "127.0.0.1").a("mta-sts." + DOMAIN, "127.0.0.1");
    if (hasRecord) {
      dns.txt("_mta-sts." + DOMAIN, "v=STSv1; id=" + System.nanoTime() + ";");
    }
    return dns;
  }

  private static DnsjavaResolver resolver(TestDnsServer dns) {
    return new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(2), 2);
  }

  @Test
  void requireTlsGoesOnlyToAVouchedForMxThatOffersItOverVerifiedTls() throws Exception {
    policyHost.serve("version: STSv1\r\nmode: testing\r\nmx: " + GOOD_MX + "\r\nmax_age: 86400\r\n");
    try (TestDnsServer dns = dns(GOOD_MX, true)) {
      RecipientResult result = deliver(dns, "REQUIRETLS", "Subject: requiretls-ok\r\n");
      assertThat(result.status().action()).as(result.toString()).isIn(Action.DELIVERED, Action.RELAYED);
      // The next hop got the request on (RFC 8689 §4.2.1): it is in the MAIL parameters it queued.
      assertThat(queuedWithSubject("requiretls-ok").mailParameters()).contains("REQUIRETLS");
    }
  }

  @Test
  void requireTlsIsReturned5710WhenNoPolicyVouchesForTheMx() throws Exception {
    try (TestDnsServer dns = dns(GOOD_MX, false)) {
      RecipientResult result = deliver(dns, "REQUIRETLS", "Subject: requiretls-no-policy\r\n");
      assertThat(result.status().action()).as(result.toString()).isEqualTo(Action.FAILED);
      assertThat(result.status().status()).isEqualTo(EnhancedStatus.of(5, 7, 10));
    }
  }

  @Test
  void requireTlsHoldsATestingPolicyToVerifiedTls() throws Exception {
    policyHost.serve("version: STSv1\r\nmode: testing\r\nmx: *." + DOMAIN + "\r\nmax_age: 86400\r\n");
    try (TestDnsServer dns = dns(WRONG_MX, true)) {
      RecipientResult result = deliver(dns, "REQUIRETLS", "Subject: requiretls-wrong-mx\r\n");
      assertThat(result.status().status()).as(result.toString()).isEqualTo(EnhancedStatus.of(4, 7, 5));
    }
  }

  @Test
  void tlsRequiredNoPassesAnEnforcedPolicyOver() throws Exception {
    policyHost.serve("version: STSv1\r\nmode: enforce\r\nmx: *." + DOMAIN + "\r\nmax_age: 86400\r\n");
    try (TestDnsServer dns = dns(WRONG_MX, true)) {
      RecipientResult result = deliver(dns, "", "TLS-Required: No\r\nSubject: tls-required-no\r\n");
      assertThat(result.status().action()).as(result.toString()).isIn(Action.DELIVERED, Action.RELAYED);
    }
  }

  private static dev.hikyaku.store.QueuedMessage queuedWithSubject(String subject) throws Exception {
    for (var entry : mx.store().queueAdmin().list(dev.hikyaku.store.QueueQuery.all())) {
      var message = mx.store().queueAdmin().find(entry.id()).orElseThrow();
      if (new String(message.content(), StandardCharsets.US_ASCII).contains("Subject: " + subject + "\r\n")) {
        return message;
      }
    }
    throw new AssertionError("no message with subject " + subject + " at the MX");
  }

  /** One message to bob@ the domain by MX, opportunistic TLS by default, MTA-STS on. */
  private static RecipientResult deliver(TestDnsServer dns) {
    return deliver(dns, "", "Subject: mta-sts\r\n");
  }

  /** With these MAIL parameters (as queued) and these header fields. */
  private static RecipientResult deliver(TestDnsServer dns, String mailParameters, String fields) {
    DnsjavaResolver resolver = resolver(dns);
    MtaStsPolicies policies = new MtaStsPolicies(resolver, MtaStsPolicies.fetcher(resolver, policyHost.port(),
        Optional.of(trust)), Clock.systemUTC());
    DeliveryWorker.Settings settings = new DeliveryWorker.Settings("out.client.example", mx.port(ListenerRole.RELAY),
        TlsPolicy.OPPORTUNISTIC, OutboundSession.Timeouts.defaults(), Optional.empty(), new Routes(Map.of()), Map.of(), 10);
    try (DeliveryWorker worker = new DeliveryWorker(new MxResolver(resolver, new SplittableRandom(1)), settings, Optional.of(trust),
        new MaildirDelivery(Clock.systemUTC(), new SplittableRandom(2), "out.client.example"), ReversePaths.OWN, policies)) {
      DueDelivery due = new DueDelivery(QueueId.generate(Clock.systemUTC(), new SplittableRandom()), Instant.now(),
          "sender@client.example", mailParameters, ("From: sender@client.example\r\nTo: bob@" + DOMAIN + "\r\n" + fields + "\r\nhi\r\n")
              .getBytes(StandardCharsets.US_ASCII),
          List.of(new DueRecipient("bob@" + DOMAIN, "", 0, Optional.empty(), Optional.empty())));
      return worker.deliver(due).getFirst();
    }
  }
}
