package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.delivery.RecipientCallout.Verification;
import dev.hikyaku.testing.ScriptedLmtp;
import dev.hikyaku.testing.ScriptedMx;
import dev.hikyaku.testing.SettableClock;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The recipient check's network side: a probe to an LMTP or SMTP next hop, its answer mapped and
 * cached (a positive answer longer than a negative one), and a deadline over the whole exchange.
 */
class RecipientCalloutTest {

  private static final Duration TIMEOUT = Duration.ofMillis(400);
  private final SettableClock clock = new SettableClock(Instant.parse("2026-11-23T10:00:00Z"));
  private final RecipientCallout callout = new RecipientCallout(
      new RecipientCallout.Settings("mx.hikyaku.test", TIMEOUT, Duration.ofHours(1), Duration.ofMinutes(10)), Optional.empty(), clock);
  private final ScriptedLmtp lmtp;
  private final Route route;

  RecipientCalloutTest() throws Exception {
    lmtp = new ScriptedLmtp();
    route = new Route.Lmtp("127.0.0.1", lmtp.port());
  }

  @AfterEach
  void stop() throws Exception {
    lmtp.close();
  }

  @Test
  void theNextHopsRcptReplyDecidesAndIsKeptForItsTime() {
    assertThat(callout.verify(route, "alice@lmtp.test")).isEqualTo(new Verification.Exists("250 2.1.5 Ok"));
    assertThat(callout.verify(route, "nobody@lmtp.test"))
        .isEqualTo(new Verification.NoSuchRecipient("550 5.1.1 User unknown in virtual mailbox table"));
    // Asked once each: the answers came from the cache the second time, whatever the case.
    assertThat(callout.verify(route, "ALICE@lmtp.test")).isInstanceOf(Verification.Exists.class);
    assertThat(callout.verify(route, "nobody@lmtp.test")).isInstanceOf(Verification.NoSuchRecipient.class);
    assertThat(lmtp.asked()).containsExactly("alice@lmtp.test", "nobody@lmtp.test");
    // The negative answer is kept ten minutes, the positive an hour.
    clock.advance(Duration.ofMinutes(11));
    assertThat(callout.verify(route, "gone@lmtp.test")).isInstanceOf(Verification.NoSuchRecipient.class);
    assertThat(callout.verify(route, "alice@lmtp.test")).isInstanceOf(Verification.Exists.class);
    assertThat(callout.verify(route, "nobody@lmtp.test")).isInstanceOf(Verification.NoSuchRecipient.class);
    assertThat(lmtp.asked()).containsExactly("alice@lmtp.test", "nobody@lmtp.test", "gone@lmtp.test", "nobody@lmtp.test");
    clock.advance(Duration.ofMinutes(11));
    // gone@ was refused once; asked again after the negative time, the next hop takes it now.
    assertThat(callout.verify(route, "gone@lmtp.test")).isInstanceOf(Verification.Exists.class);
    clock.advance(Duration.ofHours(1));
    assertThat(callout.verify(route, "alice@lmtp.test")).isInstanceOf(Verification.Exists.class);
    assertThat(lmtp.asked()).endsWith("gone@lmtp.test", "alice@lmtp.test");
  }

  @Test
  void noAnswerWithinTheTimeoutIsUndecidedAndNotKept() {
    long started = System.nanoTime();
    Verification slow = callout.verify(route, "slow@lmtp.test");
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    // Either deadline may fire first, the probe's as a whole or the session's read of the RCPT
    // reply (both are the timeout): the reason names the wait either way.
    assertThat(slow).isInstanceOfSatisfying(Verification.Undecided.class,
        u -> assertThat(u.reason()).containsAnyOf("gave no answer within " + TIMEOUT, "gave no reply to RCPT TO within " + TIMEOUT));
    assertThat(took).isGreaterThanOrEqualTo(TIMEOUT).isLessThan(TIMEOUT.plusSeconds(2));
    assertThat(callout.verify(route, "busy@lmtp.test")).isInstanceOfSatisfying(Verification.Undecided.class,
        u -> assertThat(u.reason()).contains("451 4.3.0"));
    assertThat(callout.verify(route, "busy@lmtp.test")).isInstanceOf(Verification.Exists.class);
    assertThat(lmtp.asked()).containsExactly("slow@lmtp.test", "busy@lmtp.test", "busy@lmtp.test");
  }

  @Test
  void aNextHopThatIsNotThereIsUndecided() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    assertThat(callout.verify(new Route.Lmtp("127.0.0.1", closed), "alice@lmtp.test"))
        .isInstanceOf(Verification.Undecided.class);
  }

  @Test
  void anSmtpRouteIsAskedWithEhloAndTheNullSender() throws Exception {
    try (ScriptedMx mx = new ScriptedMx()) {
      Route smtp = new Route.Smtp("127.0.0.1", mx.port(), TlsPolicy.OPPORTUNISTIC);
      assertThat(callout.verify(smtp, "ok@smtp.test")).isInstanceOf(Verification.Exists.class);
      assertThat(callout.verify(smtp, "no@smtp.test")).isInstanceOf(Verification.NoSuchRecipient.class);
      assertThat(callout.verify(smtp, "later@smtp.test")).isInstanceOf(Verification.Undecided.class);
      // RFC 5321 §4.5.5: the probe's reverse-path is null, so nothing it starts can bounce.
      assertThat(mx.reversePaths()).containsOnly("");
    }
  }
}
