package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** What the CLI prints in an error line cannot drive the terminal (PROBE.md §7). */
class TerminalTextTest {

  @Test
  void controlCharactersBecomeVisibleEscapes() {
    assertThat(TerminalText.visible("a\u001b[2Jb")).isEqualTo("a\\x1b[2Jb"); // ESC
    assertThat(TerminalText.visible("a\rb\nc\td\u0000")).isEqualTo("a\\x0db\\x0ac\\x09d\\x00"); // CR, LF, TAB, NUL
    assertThat(TerminalText.visible("x\u007f")).isEqualTo("x\\x7f"); // DEL
    assertThat(TerminalText.visible("\u009b31m\u0085")).isEqualTo("\\x9b31m\\x85"); // C1: CSI, NEL
  }

  @Test
  void invisibleReorderingAndLineBreakingCharactersBecomeVisibleEscapes() {
    assertThat(TerminalText.visible("abc\u202edef\u2066")).isEqualTo("abc\\u202edef\\u2066"); // bidi override, isolate
    assertThat(TerminalText.visible("a\u2028b\u2029")).isEqualTo("a\\u2028b\\u2029");
    assertThat(TerminalText.visible("tag\udb40\udc01")).isEqualTo("tag\\U000e0001"); // LANGUAGE TAG, a format character
  }

  @Test
  void printableTextIsKeptAsItIs() {
    String text = "not a domain name: 'bücher.example' (日本語, ü, \\x1b as typed, emoji \ud83d\udce8)";
    assertThat(TerminalText.visible(text)).isEqualTo(text);
    assertThat(TerminalText.visible(null)).isEqualTo("null");
  }

  @Test
  void anUnexpectedFailureKeepsItsTraceWithItsMessagesEscaped() {
    StringWriter err = new StringWriter();
    Exception bug = new IllegalStateException("state \u001b[31mred", new IllegalArgumentException("cause\r\nforged line"));
    Main.printBug(bug, new PrintWriter(err));
    assertThat(err.toString())
        .startsWith("hikyaku: unexpected error: java.lang.IllegalStateException: state \\x1b[31mred\n\tat ")
        .contains("\nCaused by: java.lang.IllegalArgumentException: cause\\x0d\\x0aforged line\n\tat ")
        .contains(TerminalTextTest.class.getName())
        .doesNotContain("\u001b", "\r");
  }
}
