package dev.hikyaku.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.protocol.DeliveryStatus.Action;
import dev.hikyaku.protocol.DeliveryStatus.Diagnostic;
import dev.hikyaku.protocol.DeliveryStatus.Outcome;
import dev.hikyaku.protocol.DeliveryStatus.RemoteMta;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** RFC 3464 §2.3 per-recipient outcome as one typed value, and the catalogue of our own reasons. */
class DeliveryStatusTest {

  private static final RemoteMta MX = new RemoteMta("mx.example.net", Optional.of("192.0.2.1"), 25);
  private static final Diagnostic NO_SUCH_USER = new Diagnostic.RemoteReply(550, "5.1.1 no such user");

  @ParameterizedTest
  @EnumSource(Action.class)
  void anActionTakesOnlyAStatusOfItsClass(Action action) {
    // RFC 3463 §3.1: 2 success, 4 persistent transient, 5 permanent; RFC 3464 §2.3.3 says the same in words.
    int expected = switch (action) {
      case DELIVERED, RELAYED, EXPANDED -> 2;
      case DELAYED -> 4;
      case FAILED -> 5;
    };
    for (int statusClass : new int[] {2, 4, 5}) {
      EnhancedStatus status = EnhancedStatus.of(statusClass, 0, 0);
      if (statusClass == expected) {
        assertThat(new DeliveryStatus(action, status, NO_SUCH_USER, Optional.empty()).status()).isEqualTo(status);
      } else {
        assertThatThrownBy(() -> new DeliveryStatus(action, status, NO_SUCH_USER, Optional.empty()))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(status.toString())
            .hasMessageContaining(action.keyword());
      }
    }
  }

  @Test
  void theOldMistakeOfAFailedFourFourSevenCannotBeMade() {
    assertThatThrownBy(() -> new DeliveryStatus(Action.FAILED, EnhancedStatus.of(4, 4, 7),
        new Diagnostic.LocalReason("delivery time expired"), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4.4.7");
    assertThatThrownBy(() -> DeliveryReasons.noConnection("x").as(Action.DELAYED, EnhancedStatus.of(5, 4, 7)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void everyPartIsRequired() {
    EnhancedStatus status = EnhancedStatus.of(5, 1, 1);
    assertThatThrownBy(() -> new DeliveryStatus(null, status, NO_SUCH_USER, Optional.empty())).hasMessageContaining("action");
    assertThatThrownBy(() -> new DeliveryStatus(Action.FAILED, null, NO_SUCH_USER, Optional.empty())).hasMessageContaining("status");
    assertThatThrownBy(() -> new DeliveryStatus(Action.FAILED, status, null, Optional.empty())).hasMessageContaining("diagnostic");
    assertThatThrownBy(() -> new DeliveryStatus(Action.FAILED, status, NO_SUCH_USER, null)).hasMessageContaining("remoteMta");
  }

  @Test
  void eachActionHasItsOutcomeAndKeyword() {
    // One vocabulary (Postfix's status=sent|deferred|bounced) for delivery, schedule, store and the log.
    assertThat(Arrays.stream(Action.values()).map(a -> a.keyword() + "=" + outcomeOf(a).keyword()))
        .containsExactly("delivered=delivered", "relayed=delivered", "expanded=delivered", "delayed=deferred", "failed=failed");
  }

  private static Outcome outcomeOf(Action action) {
    int statusClass = action == Action.DELAYED ? 4 : action == Action.FAILED ? 5 : 2;
    return new DeliveryStatus(action, EnhancedStatus.of(statusClass, 0, 0), NO_SUCH_USER, Optional.empty()).outcome();
  }

  @Test
  void aRemoteReplyIsTypedSmtpAndOurReasonIsTypedAsOurs() {
    // RFC 3464 §2.3.6: diagnostic-type ";" text; "smtp" only for what an SMTP server said.
    assertThat(new Diagnostic.RemoteReply(550, "5.1.1 <bob@example.net>: no such user").field())
        .isEqualTo("smtp; 550 5.1.1 <bob@example.net>: no such user");
    assertThat(new Diagnostic.RemoteReply(250, "").text()).isEqualTo("250");
    assertThat(new Diagnostic.RemoteReply(250, "").field()).isEqualTo("smtp; 250");
    assertThat(new Diagnostic.LocalReason("example.net accepts no mail (null MX, RFC 7505)").field())
        .isEqualTo("X-Hikyaku; example.net accepts no mail (null MX, RFC 7505)");
  }

  @Test
  void aDiagnosticFieldIsOneLine() {
    // A server's reply must not add header fields to the DSN: CR and LF become spaces.
    assertThat(new Diagnostic.RemoteReply(550, "nope\r\nBcc: victim@example.com\r\n\r\nX: y").field())
        .isEqualTo("smtp; 550 nope  Bcc: victim@example.com    X: y")
        .doesNotContain("\r").doesNotContain("\n");
    assertThat(new Diagnostic.LocalReason("first\nsecond\rthird").field()).isEqualTo("X-Hikyaku; first second third");
  }

  @Test
  void aRemoteReplyHasAReplyCode() {
    assertThatThrownBy(() -> new Diagnostic.RemoteReply(199, "x")).hasMessageContaining("199");
    assertThatThrownBy(() -> new Diagnostic.RemoteReply(600, "x")).hasMessageContaining("600");
    assertThatThrownBy(() -> new Diagnostic.RemoteReply(550, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new Diagnostic.LocalReason(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void aRemoteMtaIsWrittenAsPostfixsRelay() {
    assertThat(MX.relay()).isEqualTo("mx.example.net[192.0.2.1]:25");
    assertThat(new RemoteMta("mx.example.net", Optional.of("2001:db8::25"), 2525).relay()).isEqualTo("mx.example.net[2001:db8::25]:2525");
    assertThat(new RemoteMta("smarthost.example", Optional.empty(), 587).relay()).isEqualTo("smarthost.example[]:587");
  }

  @Test
  void toStringIsTheSendLogsDsnDiagnosticAndRelay() {
    DeliveryStatus failed = new DeliveryStatus(Action.FAILED, EnhancedStatus.of(5, 1, 1), NO_SUCH_USER, Optional.of(MX));
    assertThat(failed).hasToString("failed 5.1.1 (smtp; 550 5.1.1 no such user) at mx.example.net[192.0.2.1]:25");
    assertThat(DeliveryReasons.nullMx("example.net"))
        .hasToString("failed 5.1.10 (X-Hikyaku; example.net accepts no mail (null MX, RFC 7505))");
  }

  @Test
  void atAndAsKeepWhatTheyDoNotChange() {
    DeliveryStatus delayed = DeliveryReasons.tlsFailed("handshake failed");
    DeliveryStatus there = delayed.at(MX);
    assertThat(there.remoteMta()).contains(MX);
    assertThat(there.action()).isEqualTo(delayed.action());
    assertThat(there.status()).isEqualTo(delayed.status());
    assertThat(there.diagnostic()).isEqualTo(delayed.diagnostic());

    DeliveryStatus relayed = new DeliveryStatus(Action.DELIVERED, EnhancedStatus.of(2, 0, 0),
        new Diagnostic.RemoteReply(250, "2.0.0 ok"), Optional.of(MX)).as(Action.RELAYED, EnhancedStatus.of(2, 0, 0));
    assertThat(relayed.action()).isEqualTo(Action.RELAYED);
    assertThat(relayed.outcome()).isEqualTo(Outcome.DELIVERED);
    assertThat(relayed.diagnostic()).isEqualTo(new Diagnostic.RemoteReply(250, "2.0.0 ok"));
    assertThat(relayed.remoteMta()).contains(MX);
  }

  /** Each reason of ours: the action and RFC 3463 status it must have. */
  static Stream<Arguments> reasons() {
    return Stream.of(
        Arguments.of("nullMx", DeliveryReasons.nullMx("nullmx.example"), Action.FAILED, "5.1.10"),
        Arguments.of("noSuchDomain", DeliveryReasons.noSuchDomain("nx.example"), Action.FAILED, "5.1.2"),
        Arguments.of("dnsFailure", DeliveryReasons.dnsFailure("example.net", "SERVFAIL"), Action.DELAYED, "4.4.3"),
        Arguments.of("routingLoop", DeliveryReasons.routingLoop(31), Action.FAILED, "5.4.6"),
        Arguments.of("noConnection", DeliveryReasons.noConnection("connection refused"), Action.DELAYED, "4.4.1"),
        Arguments.of("connectionLost", DeliveryReasons.connectionLost("connection reset"), Action.DELAYED, "4.4.2"),
        Arguments.of("protocolError", DeliveryReasons.protocolError("data before the handshake"), Action.DELAYED, "4.5.0"),
        Arguments.of("congested", DeliveryReasons.congested("all slots taken"), Action.DELAYED, "4.4.5"),
        Arguments.of("tlsNotOffered", DeliveryReasons.tlsNotOffered("no STARTTLS"), Action.DELAYED, "4.7.10"),
        Arguments.of("tlsFailed", DeliveryReasons.tlsFailed("handshake failed"), Action.DELAYED, "4.7.5"),
        Arguments.of("authenticationFailed", DeliveryReasons.authenticationFailed("no AUTH"), Action.DELAYED, "4.7.0"),
        Arguments.of("tooBigForServer", DeliveryReasons.tooBigForServer(2000, 1000), Action.FAILED, "5.3.4"),
        Arguments.of("needsEightBitMime", DeliveryReasons.needsEightBitMime(), Action.FAILED, "5.6.3"),
        Arguments.of("needsSmtpUtf8", DeliveryReasons.needsSmtpUtf8(), Action.FAILED, "5.6.7"),
        Arguments.of("requireTlsNotPossible", DeliveryReasons.requireTlsNotPossible("no REQUIRETLS"), Action.FAILED, "5.7.10"),
        Arguments.of("envelopeUnreadable", DeliveryReasons.envelopeUnreadable("bad xtext"), Action.FAILED, "5.3.0"),
        Arguments.of("localFailure", DeliveryReasons.localFailure("shutting down"), Action.DELAYED, "4.3.0"),
        Arguments.of("misconfigured", DeliveryReasons.misconfigured("bad password encoding"), Action.DELAYED, "4.3.5"),
        Arguments.of("mailboxStorageFull", DeliveryReasons.mailboxStorageFull("No space left"), Action.DELAYED, "4.3.1"),
        Arguments.of("badMailboxName", DeliveryReasons.badMailboxName("../x"), Action.FAILED, "5.1.3"),
        Arguments.of("deliveredToMaildir", DeliveryReasons.deliveredToMaildir("as 1.M2"), Action.DELIVERED, "2.0.0"),
        Arguments.of("readAsReport", DeliveryReasons.readAsReport("a DSN about 06H4V73D4NQ8EMZQ"), Action.DELIVERED, "2.0.0"),
        Arguments.of("expired", DeliveryReasons.expired(DeliveryReasons.noConnection("connection refused")), Action.FAILED, "5.4.7"),
        Arguments.of("returnedByAdmin", DeliveryReasons.returnedByAdmin(), Action.FAILED, "5.0.0"));
  }

  @ParameterizedTest(name = "{0}: {2} {3}")
  @MethodSource("reasons")
  void eachOfOurReasonsHasItsStatusAndIsNeverLabelledSmtp(String name, DeliveryStatus status, Action action, String code) {
    assertThat(status.action()).isEqualTo(action);
    assertThat(status.status()).hasToString(code);
    // RFC 3464 §2.3.6: no server said it.
    assertThat(status.diagnostic()).isInstanceOf(Diagnostic.LocalReason.class);
    assertThat(status.diagnostic().field()).startsWith("X-Hikyaku; ").doesNotContain("smtp;");
    // Delivery adds the server a reason arose at (at()); the catalogue itself names none.
    assertThat(status.remoteMta()).isEmpty();
  }

  @Test
  void theTableCoversTheWholeCatalogue() {
    Set<String> inTable = reasons().map(a -> (String) a.get()[0]).collect(Collectors.toSet());
    Set<String> catalogue = Arrays.stream(DeliveryReasons.class.getDeclaredMethods())
        .filter(m -> Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers()))
        .filter(m -> m.getReturnType() == DeliveryStatus.class)
        .map(Method::getName)
        .collect(Collectors.toSet());
    assertThat(inTable).isEqualTo(catalogue);
  }

  @Test
  void anExpiredRecipientKeepsTheLastDiagnosticAndRemoteMta() {
    // RFC 5321 §4.5.4.1 and RFC 3463 X.4.7: the status says it expired; the diagnostic says why it waited.
    DeliveryStatus greylisted = new DeliveryStatus(Action.DELAYED, EnhancedStatus.of(4, 7, 1),
        new Diagnostic.RemoteReply(451, "4.7.1 greylisted"), Optional.of(MX));
    DeliveryStatus expired = DeliveryReasons.expired(greylisted);
    assertThat(expired).isEqualTo(new DeliveryStatus(Action.FAILED, EnhancedStatus.of(5, 4, 7),
        new Diagnostic.RemoteReply(451, "4.7.1 greylisted"), Optional.of(MX)));
    assertThat(expired.outcome()).isEqualTo(Outcome.FAILED);

    DeliveryStatus unreachable = DeliveryReasons.noConnection("connecting to mx.example.net[192.0.2.1]:25 failed");
    assertThat(DeliveryReasons.expired(unreachable).diagnostic()).isEqualTo(unreachable.diagnostic());
    assertThat(DeliveryReasons.expired(unreachable).remoteMta()).isEmpty();
  }

  @Test
  void ourReasonsSayWhatTheyAreAbout() {
    assertThat(DeliveryReasons.nullMx("nullmx.example").diagnostic().text()).contains("nullmx.example").contains("RFC 7505");
    assertThat(DeliveryReasons.noSuchDomain("nx.example").diagnostic().text()).contains("nx.example");
    assertThat(DeliveryReasons.dnsFailure("example.net", "SERVFAIL").diagnostic().text()).contains("example.net").contains("SERVFAIL");
    assertThat(DeliveryReasons.routingLoop(31).diagnostic().text()).contains("31");
    assertThat(DeliveryReasons.tooBigForServer(2000, 1000).diagnostic().text()).contains("2000").contains("1000").contains("RFC 1870");
  }
}
