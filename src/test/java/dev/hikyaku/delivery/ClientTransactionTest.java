package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.Notify;
import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.protocol.Ret;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the replies of one mail transaction make of its recipients (RFC 5321 §3.3, RFC 2920 §3.1),
 * decided without a socket: a table of replies to MAIL, each RCPT and DATA, and of the reply to the
 * end of the data, with the outcome each recipient gets.
 */
class ClientTransactionTest {

  private static final DeliveryStatus.RemoteMta MX = new DeliveryStatus.RemoteMta("mx.example.test", Optional.of("192.0.2.25"), 25);
  private static final List<String> RECIPIENTS = List.of("a@example.test", "b@example.test", "c@example.test");

  /** A reply from its wire form, one line: {@code "550 5.1.1 no such user"}; null for "none". */
  private static SmtpReply reply(String wire) {
    if (wire == null) {
      return null;
    }
    return SmtpReply.of(Integer.parseInt(wire.substring(0, 3)), List.of(wire.length() > 4 ? wire.substring(4) : ""));
  }

  /** An attempt as the table writes it: {@code "failed 5.1.1"}, or "waits" while the content decides. */
  private static String described(Attempt attempt) {
    return attempt == null ? "waits" : attempt.outcome().keyword() + " " + attempt.status().status();
  }

  /**
   * One row: the replies before the content, the reply to its end (null when none is read), what
   * each recipient becomes, and what the session does after DATA.
   */
  record Row(
      String rule,
      String mail,
      List<String> rcpts,
      String data,
      String end,
      List<String> outcomes,
      ClientTransaction.Content content,
      boolean isClosing) {
    @Override
    public String toString() {
      return rule;
    }
  }

  static Stream<Row> table() {
    return Stream.of(
        new Row("a refused MAIL decides everyone (the pipelined RCPT replies are then 503s)",
            "550 5.7.1 sender refused", List.of("503 5.5.1 no MAIL", "503 5.5.1 no MAIL", "503 5.5.1 no MAIL"),
            "503 5.5.1 no valid recipients", null,
            List.of("failed 5.7.1", "failed 5.7.1", "failed 5.7.1"), ClientTransaction.Content.NONE, false),
        new Row("a MAIL refused for now defers everyone; nothing more is read without pipelining",
            "451 4.3.0 try again later", Arrays.asList(null, null, null), null, null,
            List.of("deferred 4.3.0", "deferred 4.3.0", "deferred 4.3.0"), ClientTransaction.Content.NONE, false),
        new Row("a refused RCPT decides its recipient; the accepted ones wait on the content and its 250 delivers them",
            "250 2.1.0 ok", List.of("250 2.1.5 ok", "550 5.1.1 no such user", "452 4.2.2 mailbox full"),
            "354 go ahead", "250 2.0.0 queued as 1234",
            List.of("delivered 2.0.0", "failed 5.1.1", "deferred 4.2.2"), ClientTransaction.Content.SEND, false),
        new Row("a 5yz to the end of the data fails the accepted recipients only",
            "250 2.1.0 ok", List.of("250 2.1.5 ok", "250 2.1.5 ok", "450 4.2.1 try later"),
            "354 go ahead", "552 5.3.4 message too big",
            List.of("failed 5.3.4", "failed 5.3.4", "deferred 4.2.1"), ClientTransaction.Content.SEND, false),
        new Row("a 4yz to the end of the data defers the accepted recipients",
            "250 2.1.0 ok", List.of("250 2.1.5 ok", "250 2.1.5 ok", "250 2.1.5 ok"),
            "354 go ahead", "451 4.3.0 local error",
            List.of("deferred 4.3.0", "deferred 4.3.0", "deferred 4.3.0"), ClientTransaction.Content.SEND, false),
        new Row("a 5yz to DATA fails the accepted recipients; the refused keep their own reply",
            "250 2.1.0 ok", List.of("250 2.1.5 ok", "550 5.1.1 no such user", "250 2.1.5 ok"),
            "554 5.5.1 no valid recipients", null,
            List.of("failed 5.5.1", "failed 5.1.1", "failed 5.5.1"), ClientTransaction.Content.NONE, false),
        new Row("a 4yz to DATA defers the accepted recipients",
            "250 2.1.0 ok", List.of("250 2.1.5 ok", "250 2.1.5 ok", "550 5.1.1 no such user"),
            "451 4.3.0 try again later", null,
            List.of("deferred 4.3.0", "deferred 4.3.0", "failed 5.1.1"), ClientTransaction.Content.NONE, false),
        new Row("DATA answered 250 instead of 354 delivered nothing: a protocol error, deferred (RFC 3463 X.5.0)",
            "250 2.1.0 ok", List.of("250 2.1.5 ok", "250 2.1.5 ok", "250 2.1.5 ok"),
            "250 2.0.0 ok", null,
            List.of("deferred 4.5.0", "deferred 4.5.0", "deferred 4.5.0"), ClientTransaction.Content.NONE, false),
        new Row("DATA accepted though no recipient was (RFC 2920 §3.1): the data is ended at once, empty",
            "250 2.1.0 ok", List.of("550 5.1.1 no such user", "550 5.1.1 no such user", "450 4.2.1 try later"),
            "354 go ahead", null,
            List.of("failed 5.1.1", "failed 5.1.1", "deferred 4.2.1"), ClientTransaction.Content.END_EMPTY, false),
        new Row("421 to a RCPT closes the connection (RFC 5321 §3.8): the recipients after it were never asked",
            "250 2.1.0 ok", Arrays.asList("250 2.1.5 ok", "421 4.3.2 closing", null),
            "354 go ahead", "250 2.0.0 queued",
            List.of("delivered 2.0.0", "deferred 4.3.2", "deferred 4.4.2"), ClientTransaction.Content.SEND, true),
        new Row("a recipient accepted but no reply to DATA read: deferred as a lost connection (RFC 3463 X.4.2)",
            "250 2.1.0 ok", List.of("250 2.1.5 ok", "550 5.1.1 no such user", "550 5.1.1 no such user"),
            null, null,
            List.of("deferred 4.4.2", "failed 5.1.1", "failed 5.1.1"), ClientTransaction.Content.NONE, false),
        new Row("421 to DATA closes the connection and defers the accepted recipients",
            "250 2.1.0 ok", List.of("250 2.1.5 ok", "250 2.1.5 ok", "250 2.1.5 ok"),
            "421 4.3.2 shutting down", null,
            List.of("deferred 4.3.2", "deferred 4.3.2", "deferred 4.3.2"), ClientTransaction.Content.NONE, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void repliesDecideEachRecipient(Row row) {
    SmtpReply[] rcpts = row.rcpts().stream().map(ClientTransactionTest::reply).toArray(SmtpReply[]::new);
    ClientTransaction.BeforeContent decided =
        ClientTransaction.beforeContent(RECIPIENTS, reply(row.mail()), rcpts, reply(row.data()), MX);
    assertThat(decided.content()).isEqualTo(row.content());
    Attempt[] attempts = decided.attempts().clone();
    if (row.end() != null) {
      for (int i : decided.accepted()) {
        attempts[i] = ClientTransaction.afterContent(RECIPIENTS.get(i), reply(row.end()), MX);
      }
    }
    assertThat(Arrays.stream(attempts).map(ClientTransactionTest::described).toList()).isEqualTo(row.outcomes());
    assertThat(ClientTransaction.isClosing(reply(row.mail()), rcpts, reply(row.data()))).isEqualTo(row.isClosing());
    for (Attempt attempt : attempts) {
      assertThat(attempt.status().remoteMta()).as("every status names the server").contains(MX);
    }
  }

  @Test
  void theAcceptedRecipientsWaitOnTheContentInRcptOrder() {
    ClientTransaction.BeforeContent decided = ClientTransaction.beforeContent(
        RECIPIENTS, reply("250 ok"), new SmtpReply[] {reply("250 ok"), reply("550 no"), reply("251 forwarded")},
        reply("354 go"), MX);
    assertThat(decided.accepted()).containsExactly(0, 2);
    assertThat(decided.attempts()[0]).isNull();
    assertThat(decided.attempts()[2]).isNull();
  }

  @Test
  void underLmtpEachAcceptedRecipientHasItsOwnReplyToTheEndOfTheData() {
    // RFC 2033 §4.2: one reply per accepted recipient, in the order of the RCPT commands.
    assertThat(described(ClientTransaction.afterContent("a@example.test", reply("250 2.1.5 delivered"), MX)))
        .isEqualTo("delivered 2.1.5");
    assertThat(described(ClientTransaction.afterContent("b@example.test", reply("552 5.2.2 over quota"), MX)))
        .isEqualTo("failed 5.2.2");
    assertThat(described(ClientTransaction.afterContent("c@example.test", reply("452 4.2.2 over quota"), MX)))
        .isEqualTo("deferred 4.2.2");
  }

  @Test
  void aRefusedRsetDecidesEveryone() {
    Attempt[] attempts = new Attempt[RECIPIENTS.size()];
    List<Attempt> all = ClientTransaction.decideAll(RECIPIENTS, attempts, "RSET", reply("421 4.4.2 timeout"), MX);
    assertThat(all).extracting(ClientTransactionTest::described).containsOnly("deferred 4.4.2");
    assertThat(all).extracting(Attempt::recipient).isEqualTo(RECIPIENTS);
  }

  private static Outbound message(boolean isEightBit, boolean isSmtpUtf8, int size) {
    return new Outbound("s@example.test", RECIPIENTS, new byte[size], isEightBit, isSmtpUtf8, Optional.empty());
  }

  @Test
  void whatTheServerCannotTakeFailsBeforeAnythingIsSent() {
    Map<String, String> plain = Map.of("SIZE", "1000");
    assertThat(ClientTransaction.localRefusal(message(false, false, 1000), plain, MX)).isEmpty();
    assertThat(ClientTransaction.localRefusal(message(false, false, 1001), plain, MX))
        .hasValueSatisfying(s -> assertThat(s.outcome()).isEqualTo(DeliveryStatus.Outcome.FAILED));
    assertThat(ClientTransaction.localRefusal(message(true, false, 10), plain, MX)).isPresent(); // RFC 6152
    assertThat(ClientTransaction.localRefusal(message(true, false, 10), Map.of("8BITMIME", ""), MX)).isEmpty();
    assertThat(ClientTransaction.localRefusal(message(false, true, 10), plain, MX)).isPresent(); // RFC 6531
    assertThat(ClientTransaction.localRefusal(message(false, true, 10), Map.of("SMTPUTF8", ""), MX)).isEmpty();
    // RFC 1870 §4: SIZE without a number, or with one we cannot read, sets no limit.
    assertThat(ClientTransaction.localRefusal(message(false, false, 5000), Map.of("SIZE", ""), MX)).isEmpty();
    assertThat(ClientTransaction.localRefusal(message(false, false, 5000), Map.of("SIZE", "lots"), MX)).isEmpty();
  }

  @Test
  void mailAndRcptCarryOnlyTheParametersTheServerOffers() {
    Outbound message = new Outbound("s@example.test", List.of("a@example.test"), new byte[42], true, true,
        Optional.of("env+1"), Optional.of(Ret.HDRS),
        List.of(new RcptParams(Optional.of(EnumSet.of(Notify.FAILURE)), Optional.empty())));
    assertThat(ClientTransaction.mailCommand(message, Map.of()))
        .isEqualTo("MAIL FROM:<s@example.test> BODY=8BITMIME SMTPUTF8");
    assertThat(ClientTransaction.mailCommand(message, Map.of("SIZE", "", "DSN", "")))
        .isEqualTo("MAIL FROM:<s@example.test> SIZE=42 BODY=8BITMIME SMTPUTF8 ENVID=env+2B1 RET=HDRS");
    assertThat(ClientTransaction.rcptCommand(message, 0, Map.of())).isEqualTo("RCPT TO:<a@example.test>");
    assertThat(ClientTransaction.rcptCommand(message, 0, Map.of("DSN", "")))
        .isEqualTo("RCPT TO:<a@example.test> NOTIFY=FAILURE");
  }
}
