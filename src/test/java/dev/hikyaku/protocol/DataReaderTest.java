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

  // ---- The header section: limits before any parse (HeaderScan) ------------------------------

  /** A field {@code octets} long in all, folded every 70 octets: "From: " + folded text + CRLF. */
  private static String foldedField(String name, int octets) {
    StringBuilder field = new StringBuilder(name).append(": ");
    while (field.length() + 2 < octets) {
      int line = Math.min(70, octets - 2 - field.length());
      field.append("a".repeat(line));
      if (field.length() + 2 < octets) {
        field.append("\r\n ");
      }
    }
    field.setLength(octets - 2);
    return field.append("\r\n").toString();
  }

  private static DataReader read(String message, int piece) {
    DataReader reader = DataReader.forData(64L << 20);
    byte[] input = bytes(message + ".\r\n");
    feed(reader, input, piece);
    assertThat(reader.isComplete()).isTrue();
    return reader;
  }

  @ParameterizedTest(name = "in pieces of {0}")
  @MethodSource("pieces")
  void aFoldedFieldMayTakeTheLimitButNotAnOctetMore(int piece) {
    String atLimit = foldedField("From", HeaderScan.MAX_FIELD_OCTETS);
    assertThat(atLimit).hasSize(HeaderScan.MAX_FIELD_OCTETS);
    assertThat(read(atLimit + "Subject: t\r\n\r\nbody\r\n", piece).problem()).isEqualTo(DataReader.Problem.NONE);
    DataReader over = read(foldedField("From", HeaderScan.MAX_FIELD_OCTETS + 1) + "Subject: t\r\n\r\nbody\r\n", piece);
    assertThat(over.problem()).isEqualTo(DataReader.Problem.HEADER_FIELD_TOO_LONG);
    assertThat(over.header().overlongField()).contains("From");
    assertThat(over.problem().reply().toString()).startsWith("552 5.3.4 ");
  }

  @Test
  void manyFieldsEachUnderTheLimitAreFineAndTheBodyIsNotAHeader() {
    String header = foldedField("X-A", 60_000) + foldedField("X-B", 60_000) + "\r\n";
    String body = foldedField("Body-Looks-Like-A-Field", HeaderScan.MAX_FIELD_OCTETS * 2);
    assertThat(read(header + body, 4096).problem()).isEqualTo(DataReader.Problem.NONE);
  }

  @Test
  void theProbesThirtyMebibyteFromIsRefusedWithoutKeepingIt() {
    // PROBE.md §1: "From: \"" then N octets folded every 70. Refused however large, in one pass.
    String huge = foldedField("From", 3 << 20);
    DataReader reader = read(huge + "Subject: t\r\n\r\nbody\r\n", 65536);
    assertThat(reader.problem()).isEqualTo(DataReader.Problem.HEADER_FIELD_TOO_LONG);
  }

  @ParameterizedTest(name = "in pieces of {0}")
  @MethodSource("pieces")
  void thirtyReceivedFieldsAreALoopTwentyNineAreNot(int piece) {
    String received = "Received: from a.example by b.example;\r\n\tSat, 5 Dec 2026 10:00:00 +0000\r\n";
    String rest = "Subject: hops\r\n\r\nReceived: in the body does not count\r\n";
    DataReader twentyNine = read(received.repeat(29) + rest, piece);
    assertThat(twentyNine.header().receivedFields()).isEqualTo(29);
    assertThat(twentyNine.problem()).isEqualTo(DataReader.Problem.NONE);
    DataReader thirty = read(received.repeat(15) + "RECEIVED : x\r\nreceived:y\r\n" + received.repeat(13) + rest, piece);
    assertThat(thirty.header().receivedFields()).as("names compare without case; WSP before the colon is obsolete").isEqualTo(29);
    DataReader loop = read(received.repeat(30) + rest, piece);
    assertThat(loop.problem()).isEqualTo(DataReader.Problem.TOO_MANY_HOPS);
    assertThat(loop.problem().reply().toString()).startsWith("554 5.4.6 ");
  }

  @Test
  void fieldsThatOnlyStartLikeReceivedAreNotCounted() {
    String fields = "Received-SPF: pass\r\nReceive: x\r\nX-Received: y\r\n".repeat(40);
    assertThat(read(fields + "\r\nbody\r\n", 7).header().receivedFields()).isZero();
  }

  @Test
  void headerUtf8IsCheckedOctetByOctet() {
    assertThat(read("Subject: plain text\r\n\r\n", 1).header().isUtf8()).as("pure ASCII").isTrue();
    DataReader valid = DataReader.forData(1 << 20);
    byte[] utf8 = "Subject: été 日本 😀\r\n\r\n\u00ff body octets are not looked at\r\n.\r\n"
        .getBytes(StandardCharsets.UTF_8);
    feed(valid, utf8, 1);
    assertThat(valid.header().isUtf8()).isTrue();
    for (String bad : new String[] {"\u00ff\u00fe", "\u00c3\u0028", "\u00c0\u00af", "\u00ed\u00a0\u0080", "\u00f4\u0090\u0080\u0080", "\u00e6\u0097"}) {
      DataReader reader = read("Subject: " + bad + "\r\n\r\nbody\r\n", 1);
      assertThat(reader.header().isUtf8()).as("Subject octets %s", bad.chars().mapToObj(Integer::toHexString).toList()).isFalse();
      assertThat(reader.problem()).as("not a problem of the data: the session decides per listener").isEqualTo(DataReader.Problem.NONE);
    }
  }

  @Test
  void chunksAreWatchedTheSameWay() {
    DataReader reader = DataReader.forChunks(64L << 20);
    byte[] input = bytes(foldedField("From", HeaderScan.MAX_FIELD_OCTETS + 1) + "\r\nbody\r\n");
    for (int offset = 0; offset < input.length; offset += 1000) {
      reader.feed(input, offset, Math.min(1000, input.length - offset));
    }
    reader.finishChunks();
    assertThat(reader.problem()).isEqualTo(DataReader.Problem.HEADER_FIELD_TOO_LONG);
  }

  /**
   * What is kept goes into blocks that are joined once (issue 15): a message of 1 MiB and a bit,
   * with stuffed dots, comes out octet for octet whatever its declared SIZE (none, too small,
   * exact, too large) and however it is fed.
   */
  @ParameterizedTest(name = "declared {0} (-1: exactly its size)")
  @org.junit.jupiter.params.provider.ValueSource(longs = {0, 1000, -1, 50_000_000})
  void aLargeMessageComesOutWholeWhateverItsDeclaredSize(long declared) {
    StringBuilder text = new StringBuilder("Subject: x\r\n\r\n");
    java.util.SplittableRandom random = new java.util.SplittableRandom(15);
    while (text.length() < 1_100_000) {
      text.append(random.nextInt(5) == 0 ? "." : "").append("line ").append(random.nextInt()).append("\r\n");
    }
    String content = text.toString();
    byte[] expected = bytes(content);
    for (int piece : java.util.List.of(7, 4096, 65536)) {
      DataReader reader = DataReader.forData(64 << 20, declared == -1 ? expected.length : declared);
      byte[] wire = bytes(content.replace("\r\n.", "\r\n..") + ".\r\n");
      assertThat(feed(reader, wire, piece)).isEqualTo(wire.length);
      assertThat(reader.isComplete()).isTrue();
      assertThat(reader.problem()).isEqualTo(DataReader.Problem.NONE);
      assertThat(reader.content()).isEqualTo(expected);
    }
  }

  /**
   * A declared SIZE is only the client's word (RFC 1870 §4): declaring the largest size and
   * sending a few KiB makes the reader hold a few KiB, not the size declared. Measured as the bytes
   * this thread allocated (HotSpot's count), which a doubling buffer would also have kept small.
   */
  @Test
  void aDeclaredSizeIsNotAllocatedBeforeAQuarterOfItHasCome() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    byte[] wire = bytes("Subject: x\r\n\r\n" + "a line of text\r\n".repeat(600) + ".\r\n");
    long before = threads.getCurrentThreadAllocatedBytes();
    DataReader reader = DataReader.forData(35 << 20, 35 << 20);
    feed(reader, wire, 4096);
    byte[] content = reader.content();
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(content).hasSize(wire.length - 3);
    assertThat(allocated).isLessThan(1 << 20);
  }
}
