package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.mailauth.ArcSealer;
import dev.hikyaku.mailauth.ArcVerifier;
import dev.hikyaku.mailauth.DkimAlgorithm;
import dev.hikyaku.mailauth.DkimKey;
import dev.hikyaku.mailauth.DkimKeys;
import dev.hikyaku.mailauth.DkimVerifier;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.protocol.DeliveryStatus.Action;
import dev.hikyaku.schedule.RecipientResult;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.DueRecipient;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.testing.TestKeys;
import dev.hikyaku.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 8617 §5.1 on the way out: mail this server checked on port 25 (its Authentication-Results
 * field under our name) and passes on by SMTP gets our ARC set, which validates at the next hop;
 * mail submitted here, and mail we did not check, goes on without one.
 */
class ArcForwardTest {

  private static final String OURS = "out.client.example";
  private static final String DOMAIN = TestServers.HOSTED_DOMAIN;

  @TempDir Path data;

  @Test
  void checkedMailPassedOnCarriesOurValidSealAndSubmittedMailNone() throws Exception {
    DkimKey key = DkimKeys.of("forwarder.test", "arc", DkimAlgorithm.RSA_SHA256, TestKeys.rsa2048(0));
    try (Server mx = TestServers.start(data); TestDnsServer dns = TestDnsServer.start()) {
      TestServers.createMailboxes(mx, "bob@" + DOMAIN);
      dns.mx(DOMAIN, 10, TestServers.HOSTNAME).a(TestServers.HOSTNAME, "127.0.0.1").txt(key.recordName(), key.record());
      DnsjavaResolver resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(2), 2);
      ArcVerifier verifier = new ArcVerifier(new DkimVerifier(resolver, Clock.systemUTC()));
      ArcSealer sealer = new ArcSealer(Clock.systemUTC(), verifier);
      ArcSeal seal = content -> {
        try {
          return sealer.seal(content, OURS, key);
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException(e);
        }
      };

      deliver(mx, resolver, seal, "checked", false, "Authentication-Results: " + OURS + "; spf=pass smtp.mailfrom=a@origin.example\r\n");
      deliver(mx, resolver, seal, "submitted", true, "Authentication-Results: " + OURS + "; spf=pass\r\n");
      deliver(mx, resolver, seal, "unchecked", false, "");

      QueuedMessage checked = arrived(mx, "checked");
      assertThat(content(checked)).contains("ARC-Seal: i=1; a=rsa-sha256;").contains("cv=none")
          .contains("ARC-Authentication-Results: i=1; " + OURS + "; spf=pass");
      ArcVerifier.Chain chain = verifier.verify(checked.content());
      assertThat(chain.result()).as(chain.reason()).isEqualTo(ArcVerifier.Result.PASS);
      assertThat(content(arrived(mx, "submitted"))).as("submitted here: no forward").doesNotContain("ARC-Seal");
      assertThat(content(arrived(mx, "unchecked"))).as("not checked here: nothing to seal").doesNotContain("ARC-Seal");
    }
  }

  private static void deliver(Server mx, DnsjavaResolver resolver, ArcSeal seal, String subject, boolean isSubmitted,
      String fields) {
    DeliveryWorker.Settings settings = new DeliveryWorker.Settings(OURS, mx.port(ListenerRole.RELAY), TlsPolicy.OPPORTUNISTIC,
        OutboundSession.Timeouts.defaults(), Optional.empty(), new Routes(Map.of()), Map.of(), 10);
    try (DeliveryWorker worker = new DeliveryWorker(new MxResolver(resolver, new SplittableRandom(1)), settings, Optional.empty(),
        new MaildirDelivery(Clock.systemUTC(), new SecureRandom(), OURS)).sealingWith(seal)) {
      DueDelivery due = new DueDelivery(QueueId.generate(Clock.systemUTC(), new SplittableRandom()), Instant.now(),
          "a@origin.example", "", (fields + "From: a@origin.example\r\nTo: bob@" + DOMAIN + "\r\nSubject: " + subject
              + "\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n\r\nforwarded\r\n").getBytes(StandardCharsets.US_ASCII),
          List.of(new DueRecipient("bob@" + DOMAIN, "", 0, Optional.empty(), Optional.empty())), false, isSubmitted);
      RecipientResult result = worker.deliver(due).getFirst();
      assertThat(result.status().action()).as(result.toString()).isIn(Action.DELIVERED, Action.RELAYED);
    }
  }

  private static QueuedMessage arrived(Server mx, String subject) throws Exception {
    for (var entry : mx.store().queueAdmin().list(QueueQuery.all())) {
      QueuedMessage message = mx.store().queueAdmin().find(entry.id()).orElseThrow();
      if (content(message).contains("Subject: " + subject + "\r\n")) {
        return message;
      }
    }
    throw new AssertionError("no message with subject " + subject + " at the MX");
  }

  private static String content(QueuedMessage message) {
    return new String(message.content(), StandardCharsets.ISO_8859_1);
  }
}
