package dev.hikyaku.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The octet rules of a command line and of the AUTH exchange's lines, without a session. */
class CommandLineTest {

  private static byte[] octets(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aLineIsAsciiOrStrictUtf8WithoutControlCharactersButTab() {
    // RFC 5321 §2.3.8 / RFC 6531.
    assertThat(CommandLine.decode(octets("MAIL FROM:<a@b.test>"))).contains("MAIL FROM:<a@b.test>");
    assertThat(CommandLine.decode(octets("RCPT TO:<\u7528\u6237@b.test>"))).contains("RCPT TO:<\u7528\u6237@b.test>");
    assertThat(CommandLine.decode(octets("NOOP\tx"))).contains("NOOP\tx");
    assertThat(CommandLine.decode(octets("NOOP\u0000"))).isEmpty();
    assertThat(CommandLine.decode(octets("NOOP\u007f"))).isEmpty();
    assertThat(CommandLine.decode(new byte[] {'N', 'O', 'O', 'P', ' ', (byte) 0xc3})).isEmpty(); // cut UTF-8
    assertThat(CommandLine.decode(new byte[] {'N', 'O', 'O', 'P', ' ', (byte) 0xc0, (byte) 0xaf})).isEmpty(); // overlong
  }

  @Test
  void aLineIsTooLongOverItsVerbsLimitCrlfIncluded() {
    // RFC 5321 §4.5.3.1.4: 512 octets with CRLF; extensions raise it for MAIL, RCPT and AUTH.
    assertThat(CommandLine.isTooLong(octets("NOOP " + "x".repeat(505)))).isFalse(); // 510 + CRLF
    assertThat(CommandLine.isTooLong(octets("NOOP " + "x".repeat(506)))).isTrue();
    assertThat(CommandLine.isTooLong(octets("MAIL FROM:<" + "x".repeat(1000)))).isFalse();
    assertThat(CommandLine.isTooLong(octets("MAIL FROM:<" + "x".repeat(1200)))).isTrue();
    assertThat(CommandLine.isTooLong(octets("AUTH PLAIN " + "x".repeat(12_000)))).isFalse();
  }

  @Test
  void authLinesAreBase64WithEqualsForEmptyAndStarToCancel() {
    // RFC 4954 §4.
    assertThat(AuthLine.initialResponse("=")).hasValueSatisfying(v -> assertThat(v).isEmpty());
    assertThat(AuthLine.initialResponse("AGEAYg==")).hasValueSatisfying(v -> assertThat(v).isEqualTo(octets("\0a\0b")));
    assertThat(AuthLine.initialResponse("not base64!")).isEmpty();
    assertThat(AuthLine.response(octets("="))).isEmpty();
    assertThat(AuthLine.response(octets("YQ=="))).hasValueSatisfying(v -> assertThat(v).isEqualTo(octets("a")));
    assertThat(AuthLine.response(new byte[] {(byte) 0xc3, (byte) 0xa9})).isEmpty();
    assertThat(AuthLine.isCancel(octets("*"))).isTrue();
    assertThat(AuthLine.isCancel(octets("**"))).isFalse();
    assertThat(AuthLine.challenge(octets("a"))).isEqualTo("YQ==");
  }
}
