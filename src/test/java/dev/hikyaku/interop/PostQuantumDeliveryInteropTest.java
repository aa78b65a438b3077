package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.delivery.DeliveryWorker;
import dev.hikyaku.delivery.HybridTls;
import dev.hikyaku.delivery.MaildirDelivery;
import dev.hikyaku.delivery.MxResolver;
import dev.hikyaku.delivery.OutboundSession;
import dev.hikyaku.delivery.Route;
import dev.hikyaku.delivery.Routes;
import dev.hikyaku.delivery.TlsPolicy;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.net.TestCertificates;
import dev.hikyaku.protocol.DeliveryStatus.Action;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.schedule.RecipientResult;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.DueRecipient;
import dev.hikyaku.store.QueueId;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 point 6, outbound: {@code delivery.key-exchange: hybrid} (Bouncy Castle's TLS client)
 * delivers over STARTTLS to an SMTP server nobody here wrote — Node.js 24's OpenSSL 3.5, told to
 * accept X25519MLKEM768 only, with an ECDSA P-256 certificate as most MX hosts have — while the
 * JDK's classic client cannot get a handshake from it.
 */
class PostQuantumDeliveryInteropTest {

  private static final String DOMAIN = "pq.example";

  @TempDir Path directory;

  @Test
  void theHybridClientDeliversToAnMxThatTakesOnlyX25519Mlkem768() throws Exception {
    String given = System.getenv("HIKYAKU_NODE24");
    Path node = given != null ? Path.of(given) : Path.of(System.getProperty("user.dir"), ".ci", "cache", "node-24", "bin", "node");
    ExternalTool.at(node, "run .ci/run (it fetches Node.js 24 from the npm registry), or set HIKYAKU_NODE24");
    Path script = Dkimpy.copy("tls-groups-mx.js", directory);
    TestCertificates certificate = TestCertificates.ecdsa("localhost");
    TestCertificates.PemFiles pem = certificate.writeTo(Files.createDirectories(directory.resolve("mx")));
    Path kept = directory.resolve("kept.txt");
    Process mx = new ProcessBuilder(node.toString(), script.toString(), "0", pem.privateKey().toString(),
        pem.certificateChain().toString(), "X25519MLKEM768", kept.toString()).redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(mx.getInputStream(), StandardCharsets.UTF_8));
      String first = out.readLine();
      assertThat(first).as("the node MX started").startsWith("listening ");
      int port = Integer.parseInt(first.substring("listening ".length()).strip());

      RecipientResult hybrid = deliver(port, Optional.of(HybridTls.verifyingContext()), "hybrid");
      assertThat(hybrid.status().action()).as(hybrid.toString()).isIn(Action.DELIVERED, Action.RELAYED);
      assertThat(hybrid.facts().tls()).as("over TLS 1.3").hasValueSatisfying(t -> assertThat(t.toString()).contains("TLSv1.3"));
      assertThat(Files.readString(kept)).contains("Subject: hybrid").contains("--- over TLSv1.3");

      RecipientResult classic = deliver(port, Optional.empty(), "classic");
      assertThat(classic.status().action()).as("the JDK offers no hybrid group: " + classic).isEqualTo(Action.DELAYED);
      assertThat(classic.status().status()).isEqualTo(EnhancedStatus.of(4, 7, 5));
      assertThat(Files.readString(kept)).doesNotContain("Subject: classic");
    } finally {
      mx.destroy();
      mx.waitFor(5, TimeUnit.SECONDS);
    }
  }

  /** One message by an SMTP route that requires TLS (not verified: the certificate is the test's own). */
  private static RecipientResult deliver(int port, Optional<SSLContext> tls, String subject) {
    try (TestDnsServer dns = TestDnsServer.start()) {
      DnsjavaResolver resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(2), 1);
      DeliveryWorker.Settings settings = new DeliveryWorker.Settings("out.client.example", 25, TlsPolicy.OPPORTUNISTIC,
          OutboundSession.Timeouts.defaults(), Optional.empty(),
          new Routes(Map.of(DOMAIN, new Route.Smtp("127.0.0.1", port, TlsPolicy.REQUIRE, Optional.empty()))), Map.of(), 10);
      try (DeliveryWorker worker = new DeliveryWorker(new MxResolver(resolver, new SplittableRandom(1)), settings, tls,
          new MaildirDelivery(Clock.systemUTC(), new SecureRandom(), "out.client.example"))) {
        DueDelivery due = new DueDelivery(QueueId.generate(Clock.systemUTC(), new SplittableRandom()), Instant.now(),
            "sender@client.example", "", ("From: sender@client.example\r\nTo: bob@" + DOMAIN + "\r\nSubject: " + subject
                + "\r\n\r\nhi\r\n").getBytes(StandardCharsets.US_ASCII),
            List.of(new DueRecipient("bob@" + DOMAIN, "", 0, Optional.empty(), Optional.empty())));
        return worker.deliver(due).getFirst();
      }
    }
  }
}
