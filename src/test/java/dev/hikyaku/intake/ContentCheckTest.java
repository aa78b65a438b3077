package dev.hikyaku.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.config.ContentChecksConfig;
import dev.hikyaku.content.ContentScanner;
import dev.hikyaku.content.ScanVerdict;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.MailParams;
import dev.hikyaku.protocol.Mailbox;
import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.protocol.ReversePath;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each verdict of the filters, and what intake makes of it, relayed and submitted. */
class ContentCheckTest {

  private static final byte[] MESSAGE = "From: a@example.org\r\nSubject: Offer\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final ScanVerdict.Score SCORE = new ScanVerdict.Score(7.5, 15, List.of("R1", "R2"));
  private static final Envelope ENVELOPE = new Envelope(
      new ReversePath(Optional.of(new Mailbox("a", "example.org", false))), MailParams.NONE,
      List.of(new Envelope.Recipient(ForwardPath.of("b@example.net"), RcptParams.NONE)));
  private static final MessageSource RELAY = new MessageSource.Smtp("s1", "relay", ListenerRole.RELAY,
      new InetSocketAddress("192.0.2.7", 40000), "client.example", true, Optional.empty(), Optional.empty());
  private static final MessageSource SUBMISSION = new MessageSource.Smtp("s2", "submission", ListenerRole.SUBMISSION,
      new InetSocketAddress("192.0.2.7", 40000), "client.example", true, Optional.empty(), Optional.of(new Principal("a@example.org")));

  private static ContentChecksConfig config(ContentChecksConfig.Fallback fallback, ContentChecksConfig.SubmittedSpam spam) {
    return new ContentChecksConfig(Optional.empty(), Optional.empty(), true, true, Duration.ofSeconds(5), fallback, spam, 3);
  }

  private static ContentCheck.Decision decide(ScanVerdict verdict, MessageSource source, ContentChecksConfig config) {
    ContentScanner filter = request -> verdict;
    return new ContentCheck(Optional.empty(), Optional.of(filter), config).decide(source, ENVELOPE, "Q1", () -> MESSAGE);
  }

  private static ContentCheck.Decision decide(ScanVerdict verdict, MessageSource source) {
    return decide(verdict, source, config(ContentChecksConfig.Fallback.ACCEPT, ContentChecksConfig.SubmittedSpam.HOLD));
  }

  private static String fields(ContentCheck.Decision decision) {
    return new String(((ContentCheck.Decision.Queue) decision).fieldsOnTop(), StandardCharsets.UTF_8);
  }

  @Test
  void aRejectIsRefusedRelayedHeldSubmittedOrRefusedWhenSoConfigured() {
    ScanVerdict reject = new ScanVerdict.Reject(new ScanVerdict.Score(16, 15, List.of("GTUBE")), "Gtube pattern");
    assertThat(decide(reject, RELAY)).isInstanceOfSatisfying(ContentCheck.Decision.Refuse.class,
        r -> assertThat(r.refusal().reply().toString()).startsWith("550 5.7.1 ").contains("Gtube pattern"));
    assertThat(decide(reject, SUBMISSION)).isInstanceOfSatisfying(ContentCheck.Decision.Queue.class, q -> {
      assertThat(q.hold()).hasValue("spam: Gtube pattern (score 16.00/15.00)");
      assertThat(new String(q.fieldsOnTop(), StandardCharsets.UTF_8)).startsWith("X-Spam: Yes\r\nX-Spam-Status: Yes, score=16.00");
    });
    assertThat(decide(reject, SUBMISSION, config(ContentChecksConfig.Fallback.ACCEPT, ContentChecksConfig.SubmittedSpam.REJECT)))
        .isInstanceOf(ContentCheck.Decision.Refuse.class);
  }

  @Test
  void aSoftRejectIsDeferredWithRspamdsReason() {
    assertThat(decide(new ScanVerdict.SoftReject(SCORE, "Try again later"), SUBMISSION))
        .isInstanceOfSatisfying(ContentCheck.Decision.Refuse.class,
            r -> assertThat(r.refusal().reply().toString()).startsWith("451 4.7.1 ").contains("Try again later"));
  }

  @Test
  void addHeaderAndRewriteSubjectMarkTheMessage() {
    assertThat(fields(decide(new ScanVerdict.AddHeader(SCORE), RELAY)))
        .isEqualTo("X-Spam: Yes\r\nX-Spam-Status: Yes, score=7.50 required=15.00 tests=R1,R2\r\n");
    assertThat(decide(new ScanVerdict.RewriteSubject(SCORE, Optional.empty()), RELAY))
        .isInstanceOfSatisfying(ContentCheck.Decision.Queue.class, q -> assertThat(q.subject()).hasValue("[SPAM] Offer"));
    assertThat(decide(new ScanVerdict.RewriteSubject(SCORE, Optional.of("***SPAM*** Offer")), RELAY))
        .isInstanceOfSatisfying(ContentCheck.Decision.Queue.class, q -> assertThat(q.subject()).hasValue("***SPAM*** Offer"));
    assertThat(fields(decide(new ScanVerdict.Pass(SCORE), RELAY))).isEqualTo("X-Spam-Status: No, score=7.50 required=15.00 tests=R1,R2\r\n");
  }

  @Test
  void noVerdictIsAcceptedMarkedOrDeferredAsConfigured() {
    ScanVerdict none = new ScanVerdict.Unavailable("rspamd did not answer within 5000 ms");
    assertThat(fields(decide(none, RELAY))).isEqualTo("X-Spam-Status: Unknown, not scanned: rspamd did not answer within 5000 ms\r\n");
    assertThat(decide(none, RELAY, config(ContentChecksConfig.Fallback.DEFER, ContentChecksConfig.SubmittedSpam.HOLD)))
        .isInstanceOfSatisfying(ContentCheck.Decision.Refuse.class,
            r -> assertThat(r.refusal().reply().toString()).startsWith("451 4.7.1 "));
  }

  @Test
  void aVirusIsRefusedFromAnyoneAndTheSpamFilterIsNotAsked() {
    ContentScanner clamd = request -> new ScanVerdict.Infected(new ScanVerdict.Score(0, 0, List.of()), "Eicar-Test-Signature");
    ContentScanner rspamd = request -> {
      throw new AssertionError("the spam filter is not asked about a virus");
    };
    ContentCheck check = new ContentCheck(Optional.of(clamd), Optional.of(rspamd),
        config(ContentChecksConfig.Fallback.ACCEPT, ContentChecksConfig.SubmittedSpam.HOLD));
    for (MessageSource source : List.of(RELAY, SUBMISSION)) {
      assertThat(check.decide(source, ENVELOPE, "Q1", () -> MESSAGE)).isInstanceOfSatisfying(ContentCheck.Decision.Refuse.class,
          r -> assertThat(r.refusal().reply().toString()).startsWith("550 5.7.1 ").contains("Eicar-Test-Signature"));
    }
  }

  @Test
  void bouncesAndUnscannedKindsOfMailAreNotScanned() {
    ContentScanner never = request -> {
      throw new AssertionError("not to be scanned");
    };
    ContentCheck relayOnly = new ContentCheck(Optional.empty(), Optional.of(never), new ContentChecksConfig(Optional.empty(),
        Optional.empty(), false, true, Duration.ofSeconds(5), ContentChecksConfig.Fallback.ACCEPT, ContentChecksConfig.SubmittedSpam.HOLD, 3));
    assertThat(relayOnly.decide(RELAY, ENVELOPE, "Q1", () -> MESSAGE)).isInstanceOf(ContentCheck.Decision.Unscanned.class);
    assertThat(relayOnly.decide(new MessageSource.Bounce("mx.example"), ENVELOPE, "Q1", () -> MESSAGE))
        .isInstanceOf(ContentCheck.Decision.Unscanned.class);
  }
}
