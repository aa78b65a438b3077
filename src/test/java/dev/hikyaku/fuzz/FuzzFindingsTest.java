package dev.hikyaku.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.protocol.Command;
import dev.hikyaku.protocol.CommandParser;
import dev.hikyaku.protocol.Parse;
import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.protocol.Replies;
import dev.hikyaku.protocol.Verb;
import dev.hikyaku.protocol.Xtext;
import org.junit.jupiter.api.Test;

/** Each bug the fuzz harnesses found, as a plain regression test naming the harness and the input. */
class FuzzFindingsTest {

  @Test
  void verbsFoldInAsciiOnly() {
    // CommandParserFuzzTest: "maıl" upper-cased with Locale.ROOT is "MAIL" (U+0131 -> I), "ſtarttls"
    // is "STARTTLS" (U+017F -> S); the session decodes UTF-8 lines, so these reached MAIL/STARTTLS.
    assertThat(Verb.of("ma\u0131l")).isEqualTo(Verb.UNKNOWN);
    assertThat(Verb.of("\u017ftarttls")).isEqualTo(Verb.UNKNOWN);
    assertThat(Verb.of("\u0131\u0131\u0131\u0131")).isEqualTo(Verb.UNKNOWN);
    assertThat(CommandParser.parse("ma\u0131l FROM:<a@b.example>", CommandParser.allExtensions()).verb())
        .isEqualTo(Verb.UNKNOWN);
    assertThat(Verb.of("mAiL")).isEqualTo(Verb.MAIL);
  }

  @Test
  void anAcceptedOrcptReadsBackFromTheQueue() {
    // CommandParserFuzzTest crash-32632b12...: "+DD" is no UTF-8; decoded to U+FFFD it re-encoded as
    // "+EF+BF+BD", so RCPT was accepted but its stored parameters (over 500 characters now) failed
    // RcptParams.parse in DeliveryWorker: every recipient of the message failed "envelope unreadable".
    String orcpt = "rfc822;" + "+DD".repeat(160);
    assertThat(orcpt.length()).isLessThanOrEqualTo(500);
    Parse parse = CommandParser.parse("RCPT TO:<a@b.example> ORCPT=" + orcpt, CommandParser.allExtensions());
    assertThat(parse).isEqualTo(new Parse.Invalid(Verb.RCPT, Replies.badParameterValue("ORCPT")));
    assertThat(Xtext.decode("a+DDb")).isEmpty();
    assertThat(Xtext.decode("+C3+9D")).contains("\u00dd");

    Parse valid = CommandParser.parse("RCPT TO:<a@b.example> ORCPT=rfc822;" + "+C3+9D".repeat(80), CommandParser.allExtensions());
    RcptParams params = ((Command.Rcpt) ((Parse.Valid) valid).command()).params();
    assertThat(RcptParams.parse(params.toWire())).isEqualTo(params);
    Parse envid = CommandParser.parse("MAIL FROM:<a@b.example> ENVID=+FF+FE", CommandParser.allExtensions());
    assertThat(envid).isInstanceOf(Parse.Invalid.class);
  }
}
