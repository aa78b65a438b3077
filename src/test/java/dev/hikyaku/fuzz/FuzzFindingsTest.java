package dev.hikyaku.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.protocol.CommandParser;
import dev.hikyaku.protocol.Verb;
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
}
