package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** RFC 5321 §4.5.2 transparency and §4.1.1.4 end of data, as written by the client. */
class DotStuffingTest {

  private static String stuffed(String content) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long written = DotStuffing.write(content.getBytes(StandardCharsets.UTF_8), out);
    assertThat(written).isEqualTo(out.size());
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void linesStartingWithADotGetAnother() throws IOException {
    assertThat(stuffed("Subject: x\r\n\r\n.\r\n..two\r\nmid.dot\r\n.last"))
        .isEqualTo("Subject: x\r\n\r\n..\r\n...two\r\nmid.dot\r\n..last\r\n.\r\n");
    assertThat(stuffed(".first line\r\n")).isEqualTo("..first line\r\n.\r\n");
  }

  @Test
  void bareLineEndsBecomeCrlf() throws IOException {
    // RFC 5321 §2.3.8: a bare LF followed by "." must not become an end of data at a lenient receiver.
    assertThat(stuffed("a\n.\nb\rc\r\n")).isEqualTo("a\r\n..\r\nb\r\nc\r\n.\r\n");
  }

  @Test
  void emptyContentIsJustTheTerminator() throws IOException {
    assertThat(stuffed("")).isEqualTo(".\r\n");
  }

  @Test
  void eightBitOctetsPassUntouched() throws IOException {
    assertThat(stuffed("Grüße\r\n")).isEqualTo("Grüße\r\n.\r\n");
  }
}
