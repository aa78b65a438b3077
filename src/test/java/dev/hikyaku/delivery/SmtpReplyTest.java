package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.DeliveryStatus.Action;
import dev.hikyaku.protocol.DeliveryStatus.Diagnostic;
import dev.hikyaku.protocol.EnhancedStatus;
import java.io.ByteArrayInputStream;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** RFC 5321 §4.2 reply syntax as a client reads it, with RFC 2034 enhanced status codes. */
class SmtpReplyTest {

  private static SmtpReply read(String wire) throws IOException {
    return new ReplyReader(new BufferedInputStream(new ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8)))).read();
  }

  @Test
  void multiLineReplyKeepsEveryLineAndEndsAtTheSpaceLine() throws IOException {
    var in = new BufferedInputStream(new ByteArrayInputStream(
        "250-mx.example greets you\r\n250-PIPELINING\r\n250 SIZE 1000\r\n221 2.0.0 bye\r\n".getBytes(StandardCharsets.US_ASCII)));
    ReplyReader reader = new ReplyReader(in);
    SmtpReply ehlo = reader.read();
    assertThat(ehlo.code()).isEqualTo(250);
    assertThat(ehlo.lines()).containsExactly("mx.example greets you", "PIPELINING", "SIZE 1000");
    assertThat(ehlo.enhancedStatus()).isEmpty();
    assertThat(ehlo).hasToString("250 mx.example greets you PIPELINING SIZE 1000");
    SmtpReply bye = reader.read();
    assertThat(bye.enhancedStatus()).contains("2.0.0");
    assertThat(bye.text()).isEqualTo("bye");
  }

  @Test
  void enhancedStatusIsTakenFromTheFirstLineAndLeftOutOfTheTextOfEveryLine() throws IOException {
    SmtpReply reply = read("550-5.1.1 <bob@example.com>: no such user\r\n550 5.1.1 try another\r\n");
    assertThat(reply.enhancedStatus()).contains("5.1.1");
    assertThat(reply.text()).isEqualTo("<bob@example.com>: no such user try another");
    assertThat(reply).hasToString("550 5.1.1 <bob@example.com>: no such user try another");
    assertThat(reply.isPermanent()).isTrue();
    assertThat(reply.isTransient()).isFalse();
    assertThat(reply.isPositive()).isFalse();
  }

  @Test
  void anEnhancedStatusOfAnotherClassThanTheCodeIsJustText() throws IOException {
    SmtpReply reply = read("451 2.0.0 looks like success but is not\r\n");
    assertThat(reply.enhancedStatus()).isEmpty();
    assertThat(reply.isTransient()).isTrue();
    assertThat(reply.text()).isEqualTo("2.0.0 looks like success but is not");
  }

  @Test
  void aCodeAloneIsAReply() throws IOException {
    SmtpReply reply = read("354\r\n");
    assertThat(reply.code()).isEqualTo(354);
    assertThat(reply.isIntermediate()).isTrue();
    assertThat(reply.lines()).containsExactly("");
    assertThat(reply).hasToString("354");
  }

  private static final DeliveryStatus.RemoteMta MX =
      new DeliveryStatus.RemoteMta("mx.example.net", Optional.of("192.0.2.1"), 25);

  /** What {@code wire} said by mx.example.net makes of a recipient. */
  private static DeliveryStatus statusOf(String wire) throws IOException {
    return read(wire).status(MX);
  }

  private static DeliveryStatus expected(Action action, String status, int code, String rest) {
    return new DeliveryStatus(action, EnhancedStatus.parse(status).orElseThrow(), new Diagnostic.RemoteReply(code, rest),
        Optional.of(MX));
  }

  @Test
  void aPositiveReplyDeliversWithItsOwnStatusOr200() throws IOException {
    assertThat(statusOf("250 ok\r\n")).isEqualTo(expected(Action.DELIVERED, "2.0.0", 250, "ok"));
    assertThat(statusOf("250 2.6.0 queued as 1234\r\n")).isEqualTo(expected(Action.DELIVERED, "2.6.0", 250, "2.6.0 queued as 1234"));
    assertThat(statusOf("250\r\n")).isEqualTo(expected(Action.DELIVERED, "2.0.0", 250, ""));
  }

  @Test
  void aPermanentReplyFailsWithItsOwnStatusOr500() throws IOException {
    // RFC 2034 §4: the status once, the text of every line.
    assertThat(statusOf("550-5.1.1 <bob@example.net>: no such user\r\n550 5.1.1 try another\r\n"))
        .isEqualTo(expected(Action.FAILED, "5.1.1", 550, "5.1.1 <bob@example.net>: no such user try another"));
    assertThat(statusOf("554 no service\r\n")).isEqualTo(expected(Action.FAILED, "5.0.0", 554, "no service"));
  }

  @Test
  void aTransientReplyDefersWithItsOwnStatusOr400() throws IOException {
    assertThat(statusOf("451 try later\r\n")).isEqualTo(expected(Action.DELAYED, "4.0.0", 451, "try later"));
    assertThat(statusOf("452 4.3.1 out of space\r\n")).isEqualTo(expected(Action.DELAYED, "4.3.1", 452, "4.3.1 out of space"));
  }

  @Test
  void aStatusOfTheWrongClassIsNotTaken() throws IOException {
    // RFC 3463 §3.1: "451 5.7.1" (seen in the wild) must not put a permanent status into a delay.
    assertThat(statusOf("451 5.7.1 try later\r\n")).isEqualTo(expected(Action.DELAYED, "4.0.0", 451, "5.7.1 try later"));
    assertThat(statusOf("550 2.0.0 no\r\n")).isEqualTo(expected(Action.FAILED, "5.0.0", 550, "2.0.0 no"));
    // Built with the canonical constructor, which does not check the class as of() does.
    assertThat(new SmtpReply(451, Optional.of("5.7.1"), List.of("5.7.1 try later")).status(MX).status())
        .isEqualTo(EnhancedStatus.of(4, 0, 0));
  }

  @Test
  void aReplyOutOfPlaceIsAProtocolErrorAndDefers() throws IOException {
    // RFC 3463 X.5.0: a 354 where a completion belongs (RFC 5321 §4.2.1: 3yz asks for more).
    assertThat(statusOf("354 go ahead\r\n")).isEqualTo(expected(Action.DELAYED, "4.5.0", 354, "go ahead"));
    assertThat(statusOf("334 VXNlcm5hbWU6\r\n")).isEqualTo(expected(Action.DELAYED, "4.5.0", 334, "VXNlcm5hbWU6"));
    // As a refusal (a greeting other than 220, DATA answered 250): a 2yz delivered nothing either.
    assertThat(read("250 2.0.0 ok\r\n").refusal(MX)).isEqualTo(expected(Action.DELAYED, "4.5.0", 250, "2.0.0 ok"));
    assertThat(read("354 go ahead\r\n").refusal(MX)).isEqualTo(expected(Action.DELAYED, "4.5.0", 354, "go ahead"));
    assertThat(read("550 5.1.1 no\r\n").refusal(MX)).isEqualTo(statusOf("550 5.1.1 no\r\n"));
    assertThat(read("421 4.3.2 busy\r\n").refusal(MX)).isEqualTo(statusOf("421 4.3.2 busy\r\n"));
  }

  @Test
  void theServerThatSaidItIsCarried() throws IOException {
    var other = new DeliveryStatus.RemoteMta("mx2.example.net", Optional.of("2001:db8::2"), 2525);
    assertThat(read("550 5.1.1 no\r\n").status(other).remoteMta()).contains(other);
    assertThat(read("550 5.1.1 no\r\n").status(other).diagnostic().field()).isEqualTo("smtp; 550 5.1.1 no");
  }

  @Test
  void malformedRepliesAreRefused() {
    assertThatThrownBy(() -> read("250 ok\n")).hasMessageContaining("bare LF");
    assertThatThrownBy(() -> read("250 o\rk\r\n")).hasMessageContaining("bare CR");
    assertThatThrownBy(() -> read("250-first\r\n251 second\r\n")).hasMessageContaining("changed code from 250 to 251");
    assertThatThrownBy(() -> read("hello\r\n")).hasMessageContaining("three-digit code");
    assertThatThrownBy(() -> read("250_x\r\n")).hasMessageContaining("space or hyphen");
    assertThatThrownBy(() -> read("199 x\r\n")).hasMessageContaining("out of range");
    assertThatThrownBy(() -> read("250 " + "x".repeat(ReplyReader.MAX_LINE) + "\r\n"))
        .hasMessageContaining("longer than " + ReplyReader.MAX_LINE);
    assertThatThrownBy(() -> read("250-x\r\n".repeat(ReplyReader.MAX_LINES + 1) + "250 x\r\n"))
        .hasMessageContaining("longer than " + ReplyReader.MAX_LINES + " lines");
    assertThatThrownBy(() -> read("250-more to come\r\n")).isInstanceOf(EOFException.class);
  }

  @Test
  void replyValuesCheckTheirCode() {
    assertThatThrownBy(() -> new SmtpReply(600, Optional.empty(), List.of("x"))).hasMessageContaining("600");
    assertThatThrownBy(() -> new SmtpReply(250, Optional.empty(), List.of())).hasMessageContaining("at least one line");
  }

  @Test
  void credentialsHideThePassword() {
    var credentials = new SmtpCredentials("alice@hikyaku.test", "hunter2 is not a password".toCharArray());
    assertThat(credentials.toString()).contains("alice@hikyaku.test").doesNotContain("hunter2");
  }

  @Test
  void outboundRefusesPathsThatWouldInjectCommands() {
    assertThatThrownBy(() -> new Outbound("a@b\r\nRCPT TO:<x@y>", List.of("c@d"), new byte[0], false, false, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reverse-path");
    assertThatThrownBy(() -> new Outbound("", List.of("c@d>"), new byte[0], false, false, Optional.empty()))
        .hasMessageContaining("forward-path \"c@d>\"");
    assertThatThrownBy(() -> new Outbound("", List.of(), new byte[0], false, false, Optional.empty()))
        .hasMessageContaining("at least one recipient");
  }
}
