package dev.hikyaku.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** RFC 5321 §4.1.1.4 and §4.5.2, fed whole and one byte at a time so no split can fool the reader. */
class DataReaderTest {

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Feeds {@code input} in pieces of {@code piece} bytes; returns how many bytes were consumed. */
  private static int feed(DataReader reader, byte[] input, int piece) {
    int consumed = 0;
    while (consumed < input.length && !reader.isComplete()) {
      int n = Math.min(piece, input.length - consumed);
      int used = reader.feed(input, consumed, n);
      consumed += used;
      if (used < n) {
        break;
      }
    }
    return consumed;
  }

  static Stream<Integer> pieces() {
    return Stream.of(1, 2, 3, 7, 4096);
  }

  @ParameterizedTest(name = "in pieces of {0}")
  @MethodSource("pieces")
  void endsAtCrLfDotCrLfAndUnstuffsDots(int piece) {
    DataReader reader = DataReader.forData(1 << 20);
    byte[] input = bytes("Subject: x\r\n\r\n..leading dot\r\n.\r\nMAIL FROM:<next@example>\r\n");
    int consumed = feed(reader, input, piece);
    assertThat(reader.isComplete()).isTrue();
    assertThat(reader.problem()).isEqualTo(DataReader.Problem.NONE);
    assertThat(new String(reader.content(), StandardCharsets.ISO_8859_1)).isEqualTo("Subject: x\r\n\r\n.leading dot\r\n");
    assertThat(new String(input, consumed, input.length - consumed, StandardCharsets.ISO_8859_1))
        .as("bytes after the terminator stay for the next command")
        .isEqualTo("MAIL FROM:<next@example>\r\n");
  }

  @Test
  void anEmptyMessageIsJustTheDotLine() {
    DataReader reader = DataReader.forData(100);
    assertThat(reader.feed(bytes(".\r\n"), 0, 3)).isEqualTo(3);
    assertThat(reader.isComplete()).isTrue();
    assertThat(reader.content()).isEmpty();
  }

  static Stream<Arguments> smuggling() {
    return Stream.of(
        Arguments.of("\\n.\\n", "\n.\n"),
        Arguments.of("\\n.\\r\\n", "\n.\r\n"),
        Arguments.of("\\r.\\r", "\r.\r"),
        Arguments.of("\\r\\n.\\r", "\r\n.\r"),
        Arguments.of("\\r.\\r\\n", "\r.\r\n"),
        Arguments.of("\\r\\n.\\n", "\r\n.\n"),
        Arguments.of("\\r\\n\\x00.\\r\\n", "\r\n\0.\r\n"),
        Arguments.of("\\r\\n.\\x00\\r\\n", "\r\n.\0\r\n"));
  }

  @ParameterizedTest(name = "{0} never ends DATA")
  @MethodSource("smuggling")
  void smugglingSequencesNeverEndTheData(String shown, String sequence) {
    for (int piece : new int[] {1, 2, 5, 4096}) {
      DataReader reader = DataReader.forData(1 << 20);
      byte[] input = bytes("Subject: x\r\n\r\nfirst" + sequence + "MAIL FROM:<evil@example>\r\n");
      int consumed = feed(reader, input, piece);
      assertThat(reader.isComplete()).as("%s must not end the data (pieces of %d)", shown, piece).isFalse();
      assertThat(consumed).isEqualTo(input.length);
      byte[] end = bytes("\r\n.\r\n");
      reader.feed(end, 0, end.length);
      assertThat(reader.isComplete()).isTrue();
      assertThat(reader.problem()).as(shown).isIn(DataReader.Problem.BARE_LINE_ENDING, DataReader.Problem.NUL);
    }
  }

  @Test
  void lineLengthLimitIs998OctetsBeforeCrLf() {
    DataReader ok = DataReader.forData(1 << 20);
    byte[] fits = bytes("x".repeat(998) + "\r\n.\r\n");
    ok.feed(fits, 0, fits.length);
    assertThat(ok.problem()).isEqualTo(DataReader.Problem.NONE);

    DataReader tooLong = DataReader.forData(1 << 20);
    byte[] over = bytes("x".repeat(999) + "\r\n.\r\n");
    tooLong.feed(over, 0, over.length);
    assertThat(tooLong.isComplete()).isTrue();
    assertThat(tooLong.problem()).isEqualTo(DataReader.Problem.LINE_TOO_LONG);
  }

  @Test
  void oversizeDataIsReadToTheEndButNotKept() {
    DataReader reader = DataReader.forData(10);
    byte[] input = bytes("0123456789ABCDEF\r\n.\r\n");
    assertThat(reader.feed(input, 0, input.length)).isEqualTo(input.length);
    assertThat(reader.isComplete()).isTrue();
    assertThat(reader.problem()).isEqualTo(DataReader.Problem.TOO_BIG);
    assertThat(reader.size()).isEqualTo(18);
  }

  @Test
  void chunksIgnoreDotsAndJoinACrLfSplitAcrossChunks() {
    DataReader reader = DataReader.forChunks(1 << 20);
    byte[] first = bytes("line one\r");
    byte[] second = bytes("\n.\r\nline two\r\n");
    reader.feed(first, 0, first.length);
    reader.feed(second, 0, second.length);
    reader.finishChunks();
    assertThat(reader.problem()).isEqualTo(DataReader.Problem.NONE);
    assertThat(new String(reader.content(), StandardCharsets.ISO_8859_1)).isEqualTo("line one\r\n.\r\nline two\r\n");
  }

  @Test
  void aCrAtTheVeryEndOfTheLastChunkIsBare() {
    DataReader reader = DataReader.forChunks(1 << 20);
    byte[] input = bytes("text\r");
    reader.feed(input, 0, input.length);
    reader.finishChunks();
    assertThat(reader.problem()).isEqualTo(DataReader.Problem.BARE_LINE_ENDING);
  }
}
