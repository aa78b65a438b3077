package dev.hikyaku.reporting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.app.Server;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.store.DmarcReports;
import dev.hikyaku.store.NodeIdentity;
import dev.hikyaku.store.Store;
import dev.hikyaku.testing.TestServers;
import jakarta.mail.BodyPart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import javax.xml.transform.stream.StreamSource;
import org.apache.commons.net.smtp.SMTPClient;
import org.apache.commons.net.smtp.SMTPReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 7489 §7.2 end to end on loopback: a message on port 25 from a domain that asks for aggregate
 * reports is counted (source, From domain, alignments, the SPF result); a server sends yesterday's
 * report once the day is over, by mail through its queue (here to a hosted mailbox, read back from
 * its Maildir and checked against Appendix C's schema), and refuses a destination in another
 * organization that does not say it takes the domain's reports (§7.1).
 */
class DmarcReportingTest {

  private static final String SENDER = "sender.example";
  private static final String RUA = "dmarc-reports@" + TestServers.HOSTED_DOMAIN;

  @TempDir Path data;

  @Test
  void aCheckedMessageIsCountedForTheDomainThatAsks() throws Exception {
    Path directory = data.resolve("counted");
    try (TestDnsServer dns = TestDnsServer.start()) {
      dns.txt("_dmarc." + SENDER, "v=DMARC1; p=none; rua=mailto:" + RUA).txt(SENDER, "v=spf1 ip4:127.0.0.1 -all");
      try (Server server = start(directory, dns)) {
        TestServers.createMailboxes(server, "bob@" + TestServers.HOSTED_DOMAIN);
        SMTPClient smtp = new SMTPClient();
        smtp.setDefaultTimeout(15_000);
        smtp.connect("127.0.0.1", server.port(ListenerRole.RELAY));
        try {
          assertThat(smtp.helo("mail." + SENDER)).isEqualTo(250);
          assertThat(smtp.setSender("alice@" + SENDER)).as(smtp.getReplyString()).isTrue();
          assertThat(smtp.addRecipient("bob@" + TestServers.HOSTED_DOMAIN)).as(smtp.getReplyString()).isTrue();
          assertThat(smtp.sendShortMessageData("From: alice@" + SENDER + "\r\nTo: bob@" + TestServers.HOSTED_DOMAIN
              + "\r\nSubject: counted\r\n\r\nhello\r\n")).as(smtp.getReplyString()).isTrue();
          smtp.quit();
        } finally {
          smtp.disconnect();
        }
      } // closing flushes the counts
      try (Store store = Store.openSqlite(directory.resolve("data"), Clock.systemUTC(), NodeIdentity.LOCAL)) {
        assertThat(store.dmarcReports().counts(LocalDate.now(ZoneOffset.UTC), SENDER)).singleElement().satisfies(c -> {
          assertThat(c.sourceIp()).isEqualTo("127.0.0.1");
          assertThat(c.headerFrom()).isEqualTo(SENDER);
          assertThat(c.policy()).isEqualTo("adkim=r aspf=r p=none pct=100");
          assertThat(c.rua()).containsExactly("mailto:" + RUA);
          assertThat(c.disposition()).isEqualTo("none");
          assertThat(c.spfAligned()).isEqualTo("pass");
          assertThat(c.dkimAligned()).isEqualTo("fail");
          assertThat(c.spfDomain()).isEqualTo(SENDER);
          assertThat(c.spfScope()).isEqualTo("mfrom");
          assertThat(c.spfResult()).isEqualTo("pass");
          assertThat(c.messages()).isEqualTo(1);
        });
      }
    }
  }

  @Test
  void yesterdaysReportGoesByMailThroughTheQueueAndOnlyWhereItIsTaken() throws Exception {
    Path directory = data.resolve("sent");
    LocalDate yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1);
    try (Store store = Store.openSqlite(directory.resolve("data"), Clock.systemUTC(), NodeIdentity.LOCAL)) {
      store.dmarcReports().add(List.of(
          count(yesterday, SENDER, List.of("mailto:" + RUA), "192.0.2.1", "pass", 30),
          count(yesterday, SENDER, List.of("mailto:" + RUA), "192.0.2.9", "fail", 2),
          count(yesterday, "other.example", List.of("mailto:reports@unrelated.example!10m"), "192.0.2.5", "pass", 1)));
    }
    try (TestDnsServer dns = TestDnsServer.start()) {
      // §7.1: the mailbox's domain (another organization) says it takes sender.example's reports.
      dns.txt(SENDER + "._report._dmarc." + TestServers.HOSTED_DOMAIN, "v=DMARC1");
      try (Server server = start(directory, dns)) {
        TestServers.createMailboxes(server, RUA);
        Path inbox = directory.resolve("data").resolve("mail").resolve(TestServers.HOSTED_DOMAIN).resolve("dmarc-reports").resolve("new");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
            .until(() -> Files.isDirectory(inbox) && !listed(inbox).isEmpty());

        MimeMessage mail = new MimeMessage(Session.getInstance(new Properties()), Files.newInputStream(listed(inbox).getFirst()));
        assertThat(mail.getSubject()).startsWith("Report Domain: " + SENDER + " Submitter: " + TestServers.HOSTNAME + " Report-ID: <");
        BodyPart attachment = ((MimeMultipart) mail.getContent()).getBodyPart(1);
        assertThat(attachment.getContentType()).startsWith("application/gzip");
        assertThat(attachment.getFileName()).startsWith(TestServers.HOSTNAME + "!" + SENDER + "!").endsWith(".xml.gz");
        String xml;
        try (InputStream in = attachment.getInputStream()) {
          xml = DmarcReportTest.gunzipped(in.readAllBytes());
        }
        DmarcReportTest.validator().validate(new StreamSource(new StringReader(xml)));
        assertThat(xml).contains("<count>30</count>", "<count>2</count>", "<source_ip>192.0.2.9</source_ip>");

        // The outcomes are written once each report's mail is queued (or not).
        await().atMost(Duration.ofSeconds(10)).until(() ->
            server.store().dmarcReports().ledger().outcome(yesterday, "other.example").filter(o -> !o.isEmpty()).isPresent()
                && server.store().dmarcReports().ledger().outcome(yesterday, SENDER).filter(o -> !o.isEmpty()).isPresent());
        assertThat(server.store().dmarcReports().ledger().outcome(yesterday, "other.example")).hasValueSatisfying(o ->
            assertThat(o).contains("unrelated.example does not take reports for other.example").contains("RFC 7489 §7.1"));
        assertThat(server.store().dmarcReports().ledger().outcome(yesterday, SENDER)).hasValueSatisfying(o -> assertThat(o).contains("queued as"));
        assertThat(server.store().dmarcReports().ledger().unreported(yesterday)).as("each sent once").isEmpty();
      }
    }
  }

  private static Server start(Path directory, TestDnsServer dns) throws Exception {
    HikyakuConfig base = TestServers.config(directory.resolve("data"));
    return Server.start(base.toBuilder()
        .delivery(base.delivery().toBuilder().enabled(true).dnsServers(List.of(dns.address())).build())
        .mailAuth(base.mailAuth().withVerifying(true))
        .build());
  }

  private static DmarcReports.Count count(LocalDate day, String domain, List<String> rua, String ip, String spf, long messages) {
    return new DmarcReports.Count(day, domain, "adkim=r aspf=r p=none pct=100", rua, ip, domain, "none", "fail", spf, List.of(),
        domain, "mfrom", spf, messages);
  }

  private static List<Path> listed(Path directory) throws Exception {
    try (Stream<Path> files = Files.list(directory)) {
      return files.toList();
    }
  }
}
