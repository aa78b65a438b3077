package dev.hikyaku.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TestMessageTest {

  @ParameterizedTest
  @ValueSource(ints = {256, 300, 4096, 4097, 4098, 65536, 1024 * 1024})
  void contentHasExactlyTheRequestedSizeAndEndsInCrlfDotCrlf(int size) {
    byte[] wire = TestMessage.wire(size, "a@bench.example", "b@bench.example");
    String text = new String(wire, StandardCharsets.US_ASCII);

    assertThat(text).endsWith("\r\n.\r\n").startsWith("From: <a@bench.example>\r\n");
    // No line starts with a dot in the filler, so the wire form is the content plus ".\r\n".
    assertThat(wire.length).isEqualTo(size + 3);
    assertThat(text.substring(0, text.length() - 3).split("\r\n", -1)).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(998));
    assertThat(text.replace("\r\n", "")).doesNotContain("\r").doesNotContain("\n");
  }

  @Test
  void dotStuffsLinesThatStartWithADot() {
    byte[] wire = TestMessage.dotStuff(".hidden\r\nplain\r\n..two\r\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(new String(wire, StandardCharsets.US_ASCII)).isEqualTo("..hidden\r\nplain\r\n...two\r\n.\r\n");
  }

  @Test
  void endsAnUnterminatedLastLineBeforeTheDot() {
    byte[] wire = TestMessage.dotStuff("no newline".getBytes(StandardCharsets.US_ASCII));
    assertThat(new String(wire, StandardCharsets.US_ASCII)).isEqualTo("no newline\r\n.\r\n");
  }
}
