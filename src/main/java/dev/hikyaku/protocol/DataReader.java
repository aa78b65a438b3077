package dev.hikyaku.protocol;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads mail data: the text after DATA up to CRLF.CRLF (RFC 5321 §4.1.1.4), removing dot-stuffing
 * (§4.5.2), or the octets of BDAT chunks (RFC 3030), where no dot is special.
 *
 * <p>Only CRLF "." CRLF at the start of a line ends DATA. A bare CR or bare LF never starts a line
 * and never ends the data, so {@code \n.\n}, {@code \n.\r\n}, {@code \r.\r}, {@code \r\n.\r} and the
 * like are message content; the message is then refused (RFC 5321 §2.3.8), which closes the SMTP
 * smuggling class of CVE-2023-51764. Overlong lines, NUL octets and oversize content are noted too;
 * reading always goes on to the real end so the session stays in step with the client.
 *
 * <p>Sans-I/O: feed it bytes, it says how many it consumed and whether the data is complete.
 */
public final class DataReader {

  /** What was wrong with the data, in order of precedence for the reply. */
  public enum Problem {
    NONE,
    TOO_BIG,
    BARE_LINE_ENDING,
    NUL,
    LINE_TOO_LONG,
    HEADER_FIELD_TOO_LONG,
    TOO_MANY_HOPS;

    public Reply reply() {
      return switch (this) {
        case NONE -> throw new IllegalStateException("no problem to reply to");
        case TOO_BIG -> Replies.messageTooBig();
        case BARE_LINE_ENDING -> Replies.bareLineEnding();
        case NUL -> Replies.nulInData();
        case LINE_TOO_LONG -> Replies.dataLineTooLong();
        case HEADER_FIELD_TOO_LONG -> Replies.headerFieldTooLong();
        case TOO_MANY_HOPS -> Replies.tooManyHops();
      };
    }
  }

  // RFC 5321 §4.5.3.1.6: 1000 octets including CRLF.
  static final int MAX_LINE = 998;

  private enum State {
    LINE_START,
    IN_LINE,
    CR,
    DOT_AT_START,
    DOT_CR,
    DONE
  }

  private final boolean isDotTerminated;
  private final long maxSize;
  // What is kept, in blocks: full ones in order, then the one being filled. A block is never
  // copied to grow (doubling one array allocated twice the message and copied it log n times), and
  // content() joins them once, or hands the only block over when it is exactly full (issue 15).
  private final List<byte[]> fullBlocks = new ArrayList<>();
  private byte[] block;
  private int filled; // octets of block in use
  private int length; // octets kept in all
  private long octetsSeen;
  private int lineLength;
  private State state;
  private boolean isTooBig;
  private boolean hasBareLineEnding;
  private boolean hasNul;
  private boolean hasLongLine;
  private final HeaderScan header = new HeaderScan();

  /** Blocks after the first grow with the message, up to this. */
  static final int MAX_BLOCK = 256 << 10;

  /**
   * The declared size (RFC 1870 SIZE) when one array of that size is to be made once a quarter of
   * it has come, else 0. A client's SIZE= is only its word (§4): allocating it up front would let a
   * client that declares 35 MiB and sends nothing hold 35 MiB per connection; waiting for a quarter
   * bounds what is held to four times what was sent, as a doubling array did.
   */
  private long declaredSize;

  private DataReader(boolean isDotTerminated, long maxSize, long declaredSize) {
    this.isDotTerminated = isDotTerminated;
    this.maxSize = maxSize;
    this.declaredSize = declaredSize > 8192 && declaredSize <= Math.min(maxSize, Integer.MAX_VALUE - 8) ? declaredSize : 0;
    this.block = new byte[8192];
    this.state = isDotTerminated ? State.LINE_START : State.IN_LINE;
  }

  /** For DATA: ends at CRLF.CRLF. */
  public static DataReader forData(long maxSize) {
    return new DataReader(true, maxSize, 0);
  }

  /**
   * For DATA of a message declared as {@code declaredSize} octets (RFC 1870 SIZE, 0 if none): once
   * a quarter of that has come, what is kept moves into one array of the declared size, so that a
   * message of exactly its declared size is handed over without a copy.
   */
  public static DataReader forData(long maxSize, long declaredSize) {
    return new DataReader(true, maxSize, declaredSize);
  }

  /** For BDAT: the session feeds exactly each chunk's octets; {@link #isComplete()} stays false. */
  public static DataReader forChunks(long maxSize) {
    return new DataReader(false, maxSize, 0);
  }

  /**
   * Consumes bytes up to and including the end-of-data marker.
   *
   * @return how many of the {@code length} bytes were consumed; fewer only when the data ended
   */
  public int feed(byte[] buffer, int offset, int count) {
    int end = offset + count;
    int i = offset;
    while (i < end && state != State.DONE) {
      if (state == State.IN_LINE) {
        // Most of a message is runs of plain text: taken whole, with one copy, not octet by octet.
        int run = plainRun(buffer, i, end);
        if (run > 0) {
          appendRun(buffer, i, run);
          i += run;
          continue;
        }
      }
      byte b = buffer[i++];
      switch (state) {
        case LINE_START -> {
          if (b == '.' && isDotTerminated) {
            state = State.DOT_AT_START;
          } else {
            inLine(b);
          }
        }
        case DOT_AT_START -> {
          if (b == '\r') {
            state = State.DOT_CR;
          } else {
            // RFC 5321 §4.5.2: the leading dot of a line with other characters is removed.
            inLine(b);
          }
        }
        case DOT_CR -> {
          if (b == '\n') {
            state = State.DONE;
            header.finish();
          } else {
            // ".\r" followed by anything but LF: a bare CR, never the end of data.
            hasBareLineEnding = true;
            append((byte) '\r');
            inLine(b);
          }
        }
        case CR -> {
          if (b == '\n') {
            append((byte) '\r');
            append((byte) '\n');
            lineLength = 0;
            state = isDotTerminated ? State.LINE_START : State.IN_LINE;
          } else {
            hasBareLineEnding = true;
            append((byte) '\r');
            if (b == '\r') {
              state = State.CR;
            } else {
              inLine(b);
            }
          }
        }
        case IN_LINE -> inLine(b);
        case DONE -> throw new IllegalStateException("unreachable");
      }
    }
    return i - offset;
  }

  private void inLine(byte b) {
    switch (b) {
      case '\r' -> state = State.CR;
      case '\n' -> {
        // A bare LF: content, but it does not start a line, so a dot after it is not special.
        hasBareLineEnding = true;
        append(b);
        lineLength = 0;
        state = State.IN_LINE;
      }
      default -> {
        if (b == 0) {
          hasNul = true;
        }
        append(b);
        if (++lineLength > MAX_LINE) {
          hasLongLine = true;
        }
        state = State.IN_LINE;
      }
    }
  }

  /** How many octets from {@code from} are neither CR, LF nor NUL: text inside a line. */
  private static int plainRun(byte[] buffer, int from, int end) {
    int i = from;
    while (i < end) {
      byte b = buffer[i];
      if (b == '\r' || b == '\n' || b == 0) {
        break;
      }
      i++;
    }
    return i - from;
  }

  /** {@link #append} for a run of octets within one line (no CR, LF or NUL among them). */
  private void appendRun(byte[] buffer, int from, int count) {
    header.acceptRun(buffer, from, count);
    lineLength += count;
    if (lineLength > MAX_LINE) {
      hasLongLine = true;
    }
    long room = maxSize - octetsSeen;
    octetsSeen += count;
    if (octetsSeen > maxSize) {
      isTooBig = true;
    }
    int kept = (int) Math.max(0, Math.min(count, room));
    while (kept > 0) {
      ensureRoom();
      int n = Math.min(kept, block.length - filled);
      System.arraycopy(buffer, from, block, filled, n);
      filled += n;
      length += n;
      from += n;
      kept -= n;
    }
  }

  /** A block with room for at least one more octet. */
  private void ensureRoom() {
    if (filled < block.length) {
      return;
    }
    if (declaredSize > length && (long) length * 4 >= declaredSize) {
      // The one array of the declared size: what came so far (a quarter) is copied into it.
      byte[] whole = joined((int) declaredSize);
      fullBlocks.clear();
      block = whole;
      filled = length;
      declaredSize = 0;
      return;
    }
    fullBlocks.add(block);
    block = new byte[Math.max(8192, Math.min(length, MAX_BLOCK))];
    filled = 0;
  }

  /** What is kept, in one new array of {@code capacity} octets. */
  private byte[] joined(int capacity) {
    byte[] out = new byte[capacity];
    int at = 0;
    for (byte[] full : fullBlocks) {
      System.arraycopy(full, 0, out, at, full.length);
      at += full.length;
    }
    System.arraycopy(block, 0, out, at, filled);
    return out;
  }

  private void append(byte b) {
    header.accept(b);
    octetsSeen++;
    if (octetsSeen > maxSize) {
      isTooBig = true;
      return; // keep reading to the end, but stop keeping what no one will accept
    }
    ensureRoom();
    block[filled++] = b;
    length++;
  }

  /** Called by the session at the end of the last BDAT chunk: a CR held back is a bare CR. */
  public void finishChunks() {
    if (state == State.CR) {
      hasBareLineEnding = true;
      append((byte) '\r');
    }
    state = State.DONE;
    header.finish();
  }

  public boolean isComplete() {
    return state == State.DONE;
  }

  public Problem problem() {
    if (isTooBig) {
      return Problem.TOO_BIG;
    }
    if (hasBareLineEnding) {
      return Problem.BARE_LINE_ENDING;
    }
    if (hasNul) {
      return Problem.NUL;
    }
    if (hasLongLine) {
      return Problem.LINE_TOO_LONG;
    }
    if (header.overlongField().isPresent()) {
      return Problem.HEADER_FIELD_TOO_LONG;
    }
    if (header.isLooping()) {
      return Problem.TOO_MANY_HOPS;
    }
    return Problem.NONE;
  }

  /** What the header section showed: field sizes, Received fields, UTF-8 (complete once the data is). */
  public HeaderScan header() {
    return header;
  }

  /** Octets of content seen so far, after un-stuffing, whether kept or not. */
  public long size() {
    return octetsSeen;
  }

  /**
   * The content read, without the terminating dot line; only meaningful when {@link #problem()} is
   * NONE. Called once the data is complete: the array may be the reader's own (no copy when the
   * content fills its one block exactly), so nothing is fed after.
   */
  public byte[] content() {
    if (fullBlocks.isEmpty()) {
      return filled == block.length ? block : Arrays.copyOf(block, filled);
    }
    return joined(length);
  }
}
