package dev.hikyaku.content;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * ClamAV's daemon over its {@code INSTREAM} command (clamd(8)): {@code zINSTREAM\0}, the message in
 * chunks each prefixed by its length (4 octets, network order), a zero length to end, then one
 * NUL-terminated line: {@code stream: OK}, {@code stream: <signature> FOUND}, or an error. clamd
 * decodes the message's MIME parts ({@code ScanMail}), so an attachment is scanned as the file it
 * is. One budget covers connecting, sending and the answer.
 */
public final class Clamd implements ContentScanner {

  private static final int CHUNK = 64 * 1024;
  private static final int MAX_ANSWER = 4096;
  private static final ScanVerdict.Score NO_SCORE = new ScanVerdict.Score(0, 0, List.of());

  private final InetSocketAddress address;
  private final Duration budget;

  public Clamd(InetSocketAddress address, Duration budget) {
    this.address = Objects.requireNonNull(address, "address");
    this.budget = Objects.requireNonNull(budget, "budget");
  }

  @Override
  public ScanVerdict scan(ScanRequest request) {
    long deadline = System.nanoTime() + budget.toNanos();
    try (Socket socket = new Socket()) {
      socket.connect(address, timeout(deadline));
      socket.setSoTimeout(timeout(deadline));
      OutputStream out = socket.getOutputStream();
      out.write("zINSTREAM\0".getBytes(StandardCharsets.US_ASCII));
      byte[] message = request.message();
      for (int at = 0; at < message.length; at += CHUNK) {
        int length = Math.min(CHUNK, message.length - at);
        out.write(ByteBuffer.allocate(4).putInt(length).array());
        out.write(message, at, length);
        socket.setSoTimeout(timeout(deadline));
      }
      out.write(new byte[4]);
      out.flush();
      return verdict(answer(socket.getInputStream(), deadline, socket));
    } catch (ConnectException e) {
      return new ScanVerdict.Unavailable("clamd at " + address.getHostString() + ":" + address.getPort() + ": connection refused");
    } catch (SocketTimeoutException e) {
      return new ScanVerdict.Unavailable("clamd did not answer within " + budget.toMillis() + " ms");
    } catch (IOException e) {
      return new ScanVerdict.Unavailable("clamd at " + address.getHostString() + ":" + address.getPort() + ": " + e.getMessage());
    }
  }

  /** The verdict in clamd's answer line. */
  static ScanVerdict verdict(String answer) {
    String line = answer.strip();
    if (line.endsWith(" FOUND")) {
      int colon = line.indexOf(": ");
      String signature = line.substring(colon < 0 ? 0 : colon + 2, line.length() - " FOUND".length()).strip();
      return new ScanVerdict.Infected(NO_SCORE, Rspamd.oneLine(signature));
    }
    if (line.endsWith(": OK")) {
      return new ScanVerdict.Pass(NO_SCORE);
    }
    // "INSTREAM size limit exceeded. ERROR", a database problem: no verdict.
    return new ScanVerdict.Unavailable("clamd answered: " + Rspamd.oneLine(line));
  }

  private static String answer(InputStream in, long deadline, Socket socket) throws IOException {
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    int octet;
    while (answer.size() < MAX_ANSWER) {
      socket.setSoTimeout(timeout(deadline));
      octet = in.read();
      if (octet <= 0) {
        break;
      }
      answer.write(octet);
    }
    return answer.toString(StandardCharsets.US_ASCII);
  }

  /** What is left of the budget, in whole milliseconds, at least 1 (0 would mean "for ever"). */
  private static int timeout(long deadline) throws SocketTimeoutException {
    long left = (deadline - System.nanoTime()) / 1_000_000;
    if (left <= 0) {
      throw new SocketTimeoutException("budget spent");
    }
    return (int) Math.min(Integer.MAX_VALUE, left);
  }
}
