package dev.hikyaku.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** RFC 3461 parameters: parsed from MAIL/RCPT, written back with toWire(), read again with parse(). */
class DsnParamsTest {

  private static Command.Mail mail(String line) {
    Parse parse = CommandParser.parse(line, CommandParser.allExtensions());
    assertThat(parse).as(line).isInstanceOf(Parse.Valid.class);
    return (Command.Mail) ((Parse.Valid) parse).command();
  }

  private static Command.Rcpt rcpt(String line) {
    Parse parse = CommandParser.parse(line, CommandParser.allExtensions());
    assertThat(parse).as(line).isInstanceOf(Parse.Valid.class);
    return (Command.Rcpt) ((Parse.Valid) parse).command();
  }

  @Test
  void mailParametersRoundTrip() {
    MailParams params = mail("MAIL FROM:<a@example.org> SIZE=10 BODY=8BITMIME ret=full ENVID=QQ+2B1+20x").params();
    assertThat(params.ret()).contains(Ret.FULL);
    assertThat(params.envId()).contains("QQ+1 x");
    assertThat(params.toWire()).isEqualTo("SIZE=10 BODY=8BITMIME RET=FULL ENVID=QQ+2B1+20x");
    assertThat(MailParams.parse(params.toWire())).isEqualTo(params);
    assertThat(MailParams.parse("")).isEqualTo(MailParams.NONE);
  }

  @Test
  void rcptParametersRoundTrip() {
    RcptParams params = rcpt("RCPT TO:<b@example.net> NOTIFY=delay,SUCCESS ORCPT=rfc822;Bob+2Bdsn@Example.NET").params();
    assertThat(params.notifyOn()).contains(EnumSet.of(Notify.SUCCESS, Notify.DELAY));
    assertThat(params.orcpt()).contains(new Orcpt("rfc822", "Bob+dsn@Example.NET"));
    assertThat(params.orcpt().orElseThrow()).hasToString("rfc822; Bob+dsn@Example.NET");
    assertThat(params.toWire()).isEqualTo("NOTIFY=SUCCESS,DELAY ORCPT=rfc822;Bob+2Bdsn@Example.NET");
    assertThat(RcptParams.parse(params.toWire())).isEqualTo(params);
    assertThat(RcptParams.parse("NOTIFY=NEVER").notifyOn()).contains(Set.of(Notify.NEVER));
    assertThat(RcptParams.parse("")).isEqualTo(RcptParams.NONE);
  }

  @Test
  void notifyDefaultsToFailureOnly() {
    // RFC 3461 §4.1: without NOTIFY, failures are reported; delays are ours to decide (kept quiet).
    assertThat(RcptParams.NONE.wants(Notify.FAILURE)).isTrue();
    assertThat(RcptParams.NONE.wants(Notify.DELAY)).isFalse();
    assertThat(RcptParams.NONE.wants(Notify.SUCCESS)).isFalse();
    RcptParams never = RcptParams.parse("NOTIFY=NEVER");
    assertThat(never.wants(Notify.FAILURE)).isFalse();
    assertThat(RcptParams.parse("NOTIFY=SUCCESS").wants(Notify.FAILURE)).isFalse();
  }

  @Test
  void neverStandsAlone() {
    assertThat(CommandParser.parse("RCPT TO:<b@example.net> NOTIFY=NEVER,FAILURE", CommandParser.allExtensions()))
        .isEqualTo(new Parse.Invalid(Verb.RCPT, Replies.badParameterValue("NOTIFY")));
    assertThatThrownBy(() -> new RcptParams(Optional.of(EnumSet.of(Notify.NEVER, Notify.DELAY)), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void dsnParametersNeedTheExtension() {
    Set<Extension> withoutDsn = EnumSet.complementOf(EnumSet.of(Extension.DSN));
    assertThat(CommandParser.parse("MAIL FROM:<a@example.org> RET=HDRS", withoutDsn))
        .isEqualTo(new Parse.Invalid(Verb.MAIL, Replies.unsupportedParameter("RET")));
    assertThat(CommandParser.parse("RCPT TO:<b@example.net> ORCPT=rfc822;b@example.net", withoutDsn))
        .isEqualTo(new Parse.Invalid(Verb.RCPT, Replies.unsupportedParameter("ORCPT")));
  }

  @Test
  void unreadableStoredParametersNameTheInput() {
    assertThatThrownBy(() -> MailParams.parse("RET=SOME")).hasMessageContaining("RET=SOME");
    assertThatThrownBy(() -> RcptParams.parse("NOTIFY=NEVER,DELAY")).hasMessageContaining("NOTIFY=NEVER,DELAY");
  }
}
