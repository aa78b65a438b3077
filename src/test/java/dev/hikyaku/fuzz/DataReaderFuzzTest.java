package dev.hikyaku.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hikyaku.protocol.DataReader;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Fuzzes {@link DataReader} (and the {@code HeaderScan} it drives) for DATA and BDAT, fed in pieces
 * split at fuzzer-chosen points, against a reference written from RFC 5321 §4.1.1.4 and §4.5.2.
 *
 * <p>Invariants: DATA ends exactly after the first CRLF "." CRLF (the CRLF ending the DATA command
 * counts as the first line start) and the reader consumes nothing after it, so what follows is read
 * as commands and nothing before it ever is; a bare CR or LF never ends data and is always reported
 * as {@code BARE_LINE_ENDING} unless the data is too big; the content is the data with dot-stuffing
 * removed; {@code size()} counts every un-stuffed octet; BDAT content is the chunks' octets as sent,
 * with no dot special; every problem's reply is in the {@code Replies} catalogue.
 */
class DataReaderFuzzTest {

  private static final int MAX_INPUT = 64 * 1024;
  private static final byte[] END = {'\r', '\n', '.', '\r', '\n'};

  /**
   * Input layout: octet 0 bit 0 picks BDAT, octets 1-2 the size limit, octet 3 seeds the split
   * points; the rest is what the client sends after DATA's 354 (or the BDAT chunks' octets).
   */
  @FuzzTest(maxDuration = "10s")
  void feed(byte[] input) {
    if (input.length < 4 || input.length > MAX_INPUT) {
      return;
    }
    boolean isBdat = (input[0] & 1) != 0;
    long maxSize = ((input[1] & 0xff) << 8 | (input[2] & 0xff)) * 4L;
    SplittableRandom splits = new SplittableRandom(input[3]);
    byte[] stream = Arrays.copyOfRange(input, 4, input.length);
    if (isBdat) {
      bdat(stream, maxSize, splits);
    } else {
      data(stream, maxSize, splits);
    }
  }

  private static void data(byte[] stream, long maxSize, SplittableRandom splits) {
    DataReader reader = DataReader.forData(maxSize);
    int consumed = 0;
    while (consumed < stream.length && !reader.isComplete()) {
      int piece = 1 + splits.nextInt(Math.min(stream.length - consumed, 1 + splits.nextInt(600)));
      int taken = reader.feed(stream, consumed, piece);
      assertThat(taken).isBetween(0, piece);
      if (taken < piece) {
        assertThat(reader.isComplete()).as("fewer octets taken only when the data ended").isTrue();
      }
      consumed += taken;
    }

    int end = endOfData(stream);
    if (end < 0) {
      assertThat(reader.isComplete()).as("no CRLF.CRLF, so no end of data").isFalse();
      assertThat(consumed).isEqualTo(stream.length);
      return;
    }
    assertThat(reader.isComplete()).isTrue();
    assertThat(consumed).as("the reader stops right after CRLF.CRLF; the rest is commands").isEqualTo(end);

    // The data proper: everything before the terminating ".\r\n" (it keeps the last line's CRLF).
    byte[] body = Arrays.copyOfRange(stream, 0, end - 3);
    byte[] unstuffed = unstuff(body);
    assertThat(reader.size()).isEqualTo(unstuffed.length);
    checkProblem(reader, body, unstuffed, maxSize);
  }

  private static void bdat(byte[] stream, long maxSize, SplittableRandom splits) {
    DataReader reader = DataReader.forChunks(maxSize);
    int fed = 0;
    while (fed < stream.length) {
      int piece = 1 + splits.nextInt(stream.length - fed);
      assertThat(reader.feed(stream, fed, piece)).as("a chunk is read whole").isEqualTo(piece);
      assertThat(reader.isComplete()).isFalse();
      fed += piece;
    }
    reader.finishChunks();
    assertThat(reader.isComplete()).isTrue();
    assertThat(reader.size()).isEqualTo(stream.length);
    checkProblem(reader, stream, stream, maxSize);
  }

  private static void checkProblem(DataReader reader, byte[] raw, byte[] content, long maxSize) {
    DataReader.Problem problem = reader.problem();
    if (problem != DataReader.Problem.NONE) {
      ReplyCatalogue.check(problem.reply());
    }
    if (content.length > maxSize) {
      assertThat(problem).isEqualTo(DataReader.Problem.TOO_BIG);
      return;
    }
    assertThat(reader.content()).isEqualTo(content);
    assertThat(problem == DataReader.Problem.BARE_LINE_ENDING)
        .as("bare CR/LF reported exactly when present")
        .isEqualTo(hasBareLineEnding(raw));
    if (problem == DataReader.Problem.NONE) {
      assertThat(indexOf(content, (byte) 0)).isNegative();
    }
  }

  /** Index just after the first CRLF.CRLF, with the DATA command's CRLF in front; -1 if none. */
  static int endOfData(byte[] stream) {
    byte[] framed = new byte[stream.length + 2];
    framed[0] = '\r';
    framed[1] = '\n';
    System.arraycopy(stream, 0, framed, 2, stream.length);
    for (int i = 0; i + END.length <= framed.length; i++) {
      if (Arrays.equals(framed, i, i + END.length, END, 0, END.length)) {
        return i + END.length - 2;
      }
    }
    return -1;
  }

  /** RFC 5321 §4.5.2: a line starting with a dot (after CRLF, or at the start) loses that dot. */
  static byte[] unstuff(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
    boolean isLineStart = true;
    for (int i = 0; i < body.length; i++) {
      byte b = body[i];
      if (!(isLineStart && b == '.')) {
        out.write(b);
      }
      isLineStart = b == '\n' && i > 0 && body[i - 1] == '\r';
    }
    return out.toByteArray();
  }

  static boolean hasBareLineEnding(byte[] raw) {
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == '\r' && (i + 1 == raw.length || raw[i + 1] != '\n')) {
        return true;
      }
      if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) {
        return true;
      }
    }
    return false;
  }

  private static int indexOf(byte[] bytes, byte wanted) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == wanted) {
        return i;
      }
    }
    return -1;
  }
}
