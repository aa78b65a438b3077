package dev.hikyaku.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8Test {

  @Test
  void wellFormedUtf8Decodes() {
    byte[] bytes = "x\u00e9\u65e5\uD83D\uDE00".getBytes(StandardCharsets.UTF_8);
    assertThat(Utf8.decode(bytes)).contains("x\u00e9\u65e5\uD83D\uDE00");
    assertThat(Utf8.decode(bytes, 1, 3)).contains("\u00e9");
    assertThat(Utf8.decodeSecret(bytes, 0, 1)).hasValueSatisfying(chars -> assertThat(chars).containsExactly('x'));
  }

  @Test
  void malformedUtf8IsRefusedNotReplaced() {
    // RFC 3629 §3: an overlong form (C0 AF), a lone continuation byte, a truncated sequence, a surrogate (ED A0 80).
    for (byte[] bytes : new byte[][] {{(byte) 0xC0, (byte) 0xAF}, {(byte) 0x80}, {'a', (byte) 0xE6, (byte) 0x97}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}}) {
      assertThat(Utf8.decode(bytes)).isEmpty();
      assertThat(Utf8.decodeSecret(bytes, 0, bytes.length)).isEmpty();
    }
  }

  @Test
  void aLoneSurrogateIsAQuestionMarkOrRefusedStrictly() {
    char[] lone = {'a', '\uD800', 'b'};
    assertThat(Utf8.encodeSecret(lone)).containsExactly('a', '?', 'b');
    assertThat(Utf8.encodeSecretStrictly(lone)).isEmpty();
    char[] text = "p\u00e4ss".toCharArray();
    assertThat(Utf8.encodeSecret(text)).isEqualTo("p\u00e4ss".getBytes(StandardCharsets.UTF_8));
    assertThat(Utf8.encodeSecretStrictly(text)).hasValueSatisfying(b -> assertThat(b).isEqualTo("p\u00e4ss".getBytes(StandardCharsets.UTF_8)));
  }
}
