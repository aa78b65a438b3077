package dev.hikyaku.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 2045 §6.8: text parts are encoded in canonical form; every line break becomes CRLF, once. */
class MimeComposerLineBreaksTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "''|''",
      "no breaks|no breaks",
      "a\\r\\nb|a\\r\\nb",
      "a\\nb|a\\r\\nb",
      "a\\rb|a\\r\\nb",
      "a\\n\\nb|a\\r\\n\\r\\nb",
      "a\\r\\rb|a\\r\\n\\r\\nb",
      "a\\n\\r\\nb\\r|a\\r\\n\\r\\nb\\r\\n",
      "\\r\\n\\n|\\r\\n\\r\\n",
      "\\n|\\r\\n",
      "\\r|\\r\\n",
  })
  void everyBreakBecomesOneCrlf(String escapedIn, String escapedOut) {
    assertThat(MimeComposer.withCrlf(unescape(escapedIn))).isEqualTo(unescape(escapedOut));
  }

  private static String unescape(String text) {
    return text.replace("\\r", "\r").replace("\\n", "\n");
  }
}
