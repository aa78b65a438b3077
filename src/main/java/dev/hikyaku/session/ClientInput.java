package dev.hikyaku.session;

import dev.hikyaku.net.Transport;
import dev.hikyaku.protocol.DataReader;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * The session's read side: its own buffer over the transport, so that bytes read ahead of a
 * STARTTLS can be found and thrown away, and so reads are never byte by byte.
 */
final class ClientInput {

  /** What must happen before the session blocks on the client. */
  @FunctionalInterface
  interface BeforeBlocking {
    void run() throws IOException;
  }

  /** One command line, or the fact that it was too long (and has been skipped to its end). */
  sealed interface Line {
    record Text(byte[] octets) implements Line {}

    record TooLong() implements Line {}
  }

  private final Transport transport;
  private final BeforeBlocking beforeBlocking;
  private final byte[] buffer = new byte[16 * 1024];
  private int start;
  private int end;

  /**
   * @param beforeBlocking runs before any read that would block: the session flushes its replies
   *     there (RFC 2920 §3.1: reply to a pipelined group once the group has been read)
   */
  ClientInput(Transport transport, BeforeBlocking beforeBlocking) {
    this.transport = transport;
    this.beforeBlocking = beforeBlocking;
  }

  /**
   * Reads a line ending in LF (a CR before it is removed), all of it within {@code timeout}.
   *
   * <p>The timeout bounds the whole line, not each read: RFC 5321 §4.5.3.2.7 has the server wait
   * for a command, and a client that sends one octet just inside every read timeout would hold the
   * session for ever (a 12,288-octet AUTH line at one octet per 5 minutes takes 42 days). As
   * Postfix's {@code smtpd_per_record_deadline}, the time is for the complete line.
   *
   * @param maxOctets the most octets allowed including the line ending
   * @return the line, or {@link Line.TooLong} after skipping the whole overlong line
   * @throws EOFException when the client closed the connection
   * @throws SocketTimeoutException when the line is not complete within {@code timeout}
   */
  Line readLine(int maxOctets, Duration timeout) throws IOException {
    long until = System.nanoTime() + timeout.toNanos();
    boolean isTooLong = false;
    while (true) {
      for (int i = start; i < end; i++) {
        if (buffer[i] == '\n') {
          int lineEnd = i > start && buffer[i - 1] == '\r' ? i - 1 : i;
          int octets = i + 1 - start;
          byte[] text = isTooLong || octets > maxOctets ? null : copy(start, lineEnd);
          start = i + 1;
          return text == null ? new Line.TooLong() : new Line.Text(text);
        }
      }
      if (end - start >= maxOctets) {
        // RFC 5321 §4.5.3.1.4: too long. Drop what we have and keep reading to the line's end, so
        // one reply answers the whole line and the session stays in step with the client.
        isTooLong = true;
        start = end = 0;
      }
      long left = until - System.nanoTime();
      if (left <= 0) {
        throw new SocketTimeoutException("no complete command line within " + timeout);
      }
      // At least a millisecond: a socket timeout of 0 would mean none at all.
      transport.setReadTimeout(Duration.ofNanos(Math.max(1_000_000, left)));
      fill();
    }
  }

  /** Feeds bytes to the reader until it reports the end of the data, within {@code deadline}. */
  void readData(DataReader reader, DataDeadline deadline) throws IOException {
    while (true) {
      if (start == end) {
        transport.setReadTimeout(deadline.nextWait(reader.size()));
        fill();
      }
      start += reader.feed(buffer, start, end - start);
      if (reader.isComplete()) {
        return;
      }
    }
  }

  /** Feeds exactly {@code size} octets (one BDAT chunk) to the reader, within {@code deadline}. */
  void readChunk(DataReader reader, long size, DataDeadline deadline) throws IOException {
    long remaining = size;
    while (remaining > 0) {
      if (start == end) {
        transport.setReadTimeout(deadline.nextWait(reader.size()));
        fill();
      }
      int n = (int) Math.min(remaining, end - start);
      reader.feed(buffer, start, n);
      start += n;
      remaining -= n;
    }
  }

  /** Reads and drops exactly {@code size} octets (a refused BDAT chunk, RFC 3030 §2), within {@code deadline}. */
  void skip(long size, DataDeadline deadline) throws IOException {
    long remaining = size;
    while (remaining > 0) {
      if (start == end) {
        transport.setReadTimeout(deadline.nextWait(size - remaining));
        fill();
      }
      int n = (int) Math.min(remaining, end - start);
      start += n;
      remaining -= n;
    }
  }

  boolean hasBufferedInput() {
    return end > start;
  }

  /**
   * Throws away whatever the client sent ahead. Called after the STARTTLS reply: bytes that arrived in
   * plaintext must never be read as if they came over TLS (CVE-2011-0411).
   *
   * @return how many octets were dropped
   */
  int discardBuffered() {
    int dropped = end - start;
    start = end = 0;
    return dropped;
  }

  /**
   * Waits up to {@code wait} for the client to send anything. Used before the greeting: a client must
   * wait for it (RFC 5321 §3.1), and spam engines that don't are caught here.
   */
  boolean sendsWithin(Duration wait) throws IOException {
    if (hasBufferedInput()) {
      return true;
    }
    transport.setReadTimeout(wait);
    try {
      int n = transport.read(buffer, end, buffer.length - end);
      if (n > 0) {
        end += n;
        return true;
      }
      return false;
    } catch (SocketTimeoutException quiet) {
      return false;
    }
  }

  private void fill() throws IOException {
    if (start == end) {
      start = end = 0;
    } else if (end == buffer.length) {
      System.arraycopy(buffer, start, buffer, 0, end - start);
      end -= start;
      start = 0;
    }
    beforeBlocking.run();
    int n = transport.read(buffer, end, buffer.length - end);
    if (n < 0) {
      throw new EOFException("client closed the connection");
    }
    end += n;
  }

  private byte[] copy(int from, int to) {
    byte[] out = new byte[to - from];
    System.arraycopy(buffer, from, out, 0, out.length);
    return out;
  }
}
