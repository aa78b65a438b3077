package dev.hikyaku.reporting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.app.Server;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.delivery.DeliveryWorker;
import dev.hikyaku.delivery.MaildirDelivery;
import dev.hikyaku.delivery.MtaStsPolicies;
import dev.hikyaku.delivery.MxResolver;
import dev.hikyaku.delivery.OutboundSession;
import dev.hikyaku.delivery.ReversePaths;
import dev.hikyaku.delivery.Routes;
import dev.hikyaku.delivery.TlsPolicy;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.protocol.DeliveryStatus.Action;
import dev.hikyaku.schedule.RecipientResult;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.DueRecipient;
import dev.hikyaku.store.NodeIdentity;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.TlsReports;
import dev.hikyaku.testing.PolicyHost;
import dev.hikyaku.testing.TestServers;
import dev.hikyaku.testing.TestStores;
import jakarta.mail.BodyPart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * RFC 8460 end to end on loopback: delivery counts its TLS sessions under the recipient domain's
 * MTA-STS policy (a `testing` policy whose MX certificate does not name the MX: delivered, and
 * counted as a failure), and a server sends the day's report to the domain's {@code _smtp._tls}
 * destinations once the day is over: by mail through its own queue (here to a hosted mailbox, read
 * back from its Maildir) and by HTTPS POST.
 */
class TlsReportingTest {

  private static final String DOMAIN = TestServers.HOSTED_DOMAIN;
  private static final String GOOD_MX = TestServers.HOSTNAME; // what the MX's certificate names
  private static final String WRONG_MX = "mx2." + DOMAIN;

  @TempDir Path data;

  @Test
  void deliveryCountsItsSessionsUnderThePolicyItApplied() throws Exception {
    try (Server mx = TestServers.start(data.resolve("mx"));
        PolicyHost policyHost = PolicyHost.start(DOMAIN);
        Store sender = TestStores.open(data.resolve("sender"), Clock.systemUTC());
        TestDnsServer dns = TestDnsServer.start()) {
      TestServers.createMailboxes(mx, "bob@" + DOMAIN);
      SSLContext trust = trusting(mx.tls().currentCertificate(), policyHost.trustAnchor());
      dns.mx(DOMAIN, 10, WRONG_MX).a(WRONG_MX, "127.0.0.1").a("mta-sts." + DOMAIN, "127.0.0.1")
          .txt("_mta-sts." + DOMAIN, "v=STSv1; id=" + UUID.randomUUID().toString().replace("-", "") + ";");
      policyHost.serve("version: STSv1\r\nmode: testing\r\nmx: *." + DOMAIN + "\r\nmax_age: 86400\r\n");
      TlsSessionCounts counts = new TlsSessionCounts(sender.tlsReports(), Clock.systemUTC());

      RecipientResult result = deliver(mx, dns, policyHost, trust, counts);
      counts.flush();

      assertThat(result.status().action()).as("mode testing delivers all the same: " + result).isIn(Action.DELIVERED, Action.RELAYED);
      LocalDate today = LocalDate.now(ZoneOffset.UTC);
      List<TlsReports.Count> stored = sender.tlsReports().counts(today, DOMAIN);
      assertThat(stored).singleElement().satisfies(c -> {
        assertThat(c.policyType()).isEqualTo("sts");
        assertThat(c.policyStrings()).containsExactly("version: STSv1", "mode: testing", "mx: *." + DOMAIN, "max_age: 86400");
        assertThat(c.mxHosts()).containsExactly("*." + DOMAIN);
        assertThat(c.resultType()).isEqualTo("certificate-host-mismatch");
        assertThat(c.mxHost()).isEqualTo(WRONG_MX);
        assertThat(c.receivingIp()).isEqualTo("127.0.0.1");
        assertThat(c.sessions()).isEqualTo(1);
      });

      // The MX named in the certificate: a session that succeeds, counted beside the failure.
      try (TestDnsServer good = TestDnsServer.start()) {
        good.mx(DOMAIN, 10, GOOD_MX).a(GOOD_MX, "127.0.0.1").a("mta-sts." + DOMAIN, "127.0.0.1")
            .txt("_mta-sts." + DOMAIN, "v=STSv1; id=" + UUID.randomUUID().toString().replace("-", "") + ";");
        assertThat(deliver(mx, good, policyHost, trust, counts).status().action()).isIn(Action.DELIVERED, Action.RELAYED);
      }
      counts.flush();
      assertThat(sender.tlsReports().counts(today, DOMAIN))
          .anySatisfy(c -> assertThat(c.resultType()).isEqualTo(TlsReports.SUCCESS))
          .hasSize(2);
    }
  }

  @Test
  void aServerSendsYesterdaysReportByMailThroughItsQueueAndByHttps() throws Exception {
    String reported = "reported.example";
    LocalDate yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1);
    Path directory = data.resolve("server");
    Files.createDirectories(directory);
    // The server's own store (SQLite in its data directory, whichever engine this run tests).
    try (Store store = Store.openSqlite(directory, Clock.systemUTC(), NodeIdentity.LOCAL)) {
      store.tlsReports().add(List.of(
          new TlsReports.Count(yesterday, reported, "sts", List.of("version: STSv1", "mode: enforce", "mx: mx.reported.example",
              "max_age: 86400"), List.of("mx.reported.example"), TlsReports.SUCCESS, "", "", 12),
          new TlsReports.Count(yesterday, reported, "sts", List.of("version: STSv1", "mode: enforce", "mx: mx.reported.example",
              "max_age: 86400"), List.of("mx.reported.example"), "certificate-expired", "mx.reported.example", "192.0.2.9", 2)));
    }
    try (PolicyHost receiver = PolicyHost.reportReceiver(); TestDnsServer dns = TestDnsServer.start()) {
      dns.txt("_smtp._tls." + reported, "v=TLSRPTv1; rua=mailto:tlsrpt@" + DOMAIN + ",https://localhost:" + receiver.port() + "/tlsrpt");
      HikyakuConfig base = TestServers.config(directory);
      HikyakuConfig config = base.toBuilder()
          .delivery(base.delivery().toBuilder().enabled(true).dnsServers(List.of(dns.address())).build())
          .build();
      try (Server server = Server.start(config, UnaryOperator.identity(), List.of(), Clock.systemUTC(),
          Optional.of(trusting(receiver.trustAnchor())))) {
        TestServers.createMailboxes(server, "tlsrpt@" + DOMAIN);
        Path inbox = directory.resolve("mail").resolve(DOMAIN).resolve("tlsrpt").resolve("new");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
            .until(() -> Files.isDirectory(inbox) && !listed(inbox).isEmpty() && !receiver.reports().isEmpty());

        MimeMessage mail = new MimeMessage(Session.getInstance(new Properties()), Files.newInputStream(listed(inbox).getFirst()));
        assertThat(mail.getContentType()).contains("multipart/report").contains("report-type=\"tlsrpt\"");
        assertThat(mail.getHeader("TLS-Report-Domain", null)).isEqualTo(reported);
        assertThat(mail.getHeader("TLS-Report-Submitter", null)).isEqualTo(TestServers.HOSTNAME);
        assertThat(mail.getSubject()).startsWith("Report Domain: " + reported + " Submitter: " + TestServers.HOSTNAME + " Report-ID: <");
        MimeMultipart parts = (MimeMultipart) mail.getContent();
        BodyPart attachment = parts.getBodyPart(1);
        assertThat(attachment.getContentType()).startsWith("application/tlsrpt+gzip");
        assertThat(attachment.getFileName()).startsWith(TestServers.HOSTNAME + "!" + reported + "!").endsWith(".json.gz");
        byte[] gzip;
        try (InputStream in = attachment.getInputStream()) {
          gzip = in.readAllBytes();
        }
        JsonNode json = TlsReportTest.gunzipped(gzip);
        assertThat(TlsReportTest.schema().validate(json)).as(json.toString()).isEmpty();
        assertThat(json.get("date-range").get("start-datetime").asString()).isEqualTo(yesterday + "T00:00:00Z");
        JsonNode policy = json.get("policies").get(0);
        assertThat(policy.get("summary").get("total-successful-session-count").asLong()).isEqualTo(12);
        assertThat(policy.get("failure-details").get(0).get("result-type").asString()).isEqualTo("certificate-expired");

        PolicyHost.Report posted = receiver.reports().getFirst();
        assertThat(posted.contentType()).isEqualTo("application/tlsrpt+gzip");
        assertThat(TlsReportTest.gunzipped(posted.body())).isEqualTo(json);
        // The outcome is written once both destinations have answered.
        await().atMost(Duration.ofSeconds(10)).until(() ->
            server.store().tlsReports().ledger().outcome(yesterday, reported).filter(o -> !o.isEmpty()).isPresent());
        assertThat(server.store().tlsReports().ledger().outcome(yesterday, reported))
            .hasValueSatisfying(o -> assertThat(o).contains("queued as").contains("posted"));
        assertThat(server.store().tlsReports().ledger().unreported(yesterday)).as("sent once").isEmpty();
      }
    }
  }

  private static List<Path> listed(Path directory) throws Exception {
    try (Stream<Path> files = Files.list(directory)) {
      return files.toList();
    }
  }

  private static SSLContext trusting(java.security.cert.X509Certificate... anchors) throws Exception {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    for (int i = 0; i < anchors.length; i++) {
      trusted.setCertificateEntry("anchor" + i, anchors[i]);
    }
    TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trustManagers.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trustManagers.getTrustManagers(), new SecureRandom());
    return context;
  }

  private static RecipientResult deliver(Server mx, TestDnsServer dns, PolicyHost policyHost, SSLContext trust, TlsSessionCounts counts) {
    DnsjavaResolver resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(2), 2);
    MtaStsPolicies policies = new MtaStsPolicies(resolver, MtaStsPolicies.fetcher(resolver, policyHost.port(), Optional.of(trust)),
        Clock.systemUTC());
    DeliveryWorker.Settings settings = new DeliveryWorker.Settings("out.client.example", mx.port(ListenerRole.RELAY),
        TlsPolicy.OPPORTUNISTIC, OutboundSession.Timeouts.defaults(), Optional.empty(), new Routes(Map.of()), Map.of(), 10);
    try (DeliveryWorker worker = new DeliveryWorker(new MxResolver(resolver, new SplittableRandom(1)), settings, Optional.of(trust),
        new MaildirDelivery(Clock.systemUTC(), new SplittableRandom(2), "out.client.example"), ReversePaths.OWN, policies)
        .reportingTo(counts)) {
      DueDelivery due = new DueDelivery(QueueId.generate(Clock.systemUTC(), new SplittableRandom()), Instant.now(),
          "sender@client.example", "", ("From: sender@client.example\r\nTo: bob@" + DOMAIN + "\r\nSubject: tlsrpt\r\n\r\nhi\r\n")
              .getBytes(StandardCharsets.US_ASCII),
          List.of(new DueRecipient("bob@" + DOMAIN, "", 0, Optional.empty(), Optional.empty())));
      return worker.deliver(due).getFirst();
    }
  }
}
