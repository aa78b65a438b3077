package dev.hikyaku.bench.load;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The client side of one SMTP connection: a socket (plain, or TLS from the start or after STARTTLS)
 * with the tool's own read and write buffers. Reads fill an 8 KiB array and replies are parsed from
 * it in place; writes gather in another array until {@link #flush()}, so a pipelined group (RFC
 * 2920) leaves in one segment.
 */
final class SmtpConnection implements AutoCloseable {

  private static final int BUFFER = 8192;
  // RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets including CRLF; allow slack for servers
  // that write long EHLO lines.
  private static final int MAX_REPLY_LINE = 4096;

  private Socket socket;
  private InputStream in;
  private OutputStream out;
  private final byte[] input = new byte[BUFFER];
  private int inputStart;
  private int inputEnd;
  private final byte[] output = new byte[BUFFER];
  private int outputLength;
  /** Set once after EHLO: PIPELINING was asked for and the server offers it (RFC 2920). */
  boolean isPipelining;
  private int lastLineStart;
  private int lastLineLength;

  private SmtpConnection(Socket socket) throws IOException {
    use(socket);
  }

  /** Connects, and with {@code implicitTls} non-null does the TLS handshake at once (RFC 8314 §3.3). */
  static SmtpConnection open(InetSocketAddress server, Duration timeout, SSLSocketFactory implicitTls) throws IOException {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(server, (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      if (implicitTls != null) {
        socket = handshake(implicitTls, socket, server);
      }
      return new SmtpConnection(socket);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * RFC 3207 §4.2: after 220 to STARTTLS the handshake starts on the same connection. Nothing the
   * server sent may be waiting in the buffer: it would be plaintext injected before TLS.
   */
  void startTls(SSLSocketFactory factory, InetSocketAddress server) throws IOException {
    if (inputStart != inputEnd) {
      throw new IOException("server sent " + (inputEnd - inputStart) + " octets after its 220 to STARTTLS");
    }
    use(handshake(factory, socket, server));
  }

  private static SSLSocket handshake(SSLSocketFactory factory, Socket plain, InetSocketAddress server) throws IOException {
    SSLSocket tls = (SSLSocket) factory.createSocket(plain, server.getHostString(), server.getPort(), true);
    tls.setUseClientMode(true);
    tls.startHandshake();
    return tls;
  }

  private void use(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  boolean hasTls() {
    return socket instanceof SSLSocket;
  }

  /** Adds one command line; CRLF is appended (RFC 5321 §2.3.8). */
  void command(String line) throws IOException {
    int length = line.length();
    if (outputLength + length + 2 > output.length) {
      flush();
    }
    if (length + 2 > output.length) {
      write(line.getBytes(StandardCharsets.US_ASCII));
      write(new byte[] {'\r', '\n'});
      return;
    }
    // ASCII command text: one char is one octet (RFC 5321 §2.3.1).
    for (int i = 0; i < length; i++) {
      output[outputLength++] = (byte) line.charAt(i);
    }
    output[outputLength++] = '\r';
    output[outputLength++] = '\n';
  }

  /** Adds raw octets (the message data); large ones go straight to the socket after the buffer. */
  void write(byte[] bytes) throws IOException {
    if (outputLength + bytes.length <= output.length) {
      System.arraycopy(bytes, 0, output, outputLength, bytes.length);
      outputLength += bytes.length;
      return;
    }
    flush();
    out.write(bytes);
  }

  void flush() throws IOException {
    if (outputLength > 0) {
      out.write(output, 0, outputLength);
      outputLength = 0;
    }
    out.flush();
  }

  /**
   * Reads one reply (RFC 5321 §4.2.1: lines "xyz-text" until "xyz text"). With {@code keepText} the
   * lines' text is kept (EHLO keywords, failure reports); otherwise no string is made.
   */
  ServerReply reply(boolean keepText) throws IOException {
    List<String> lines = keepText ? new ArrayList<>(4) : List.of();
    while (true) {
      int lineEnd = lineEnd();
      int start = inputStart;
      int length = lineEnd - start; // without CRLF
      inputStart = lineEnd + 2;
      if (length < 3 || !isDigit(input[start]) || !isDigit(input[start + 1]) || !isDigit(input[start + 2])) {
        throw new IOException("malformed reply line: " + new String(input, start, Math.max(0, length), StandardCharsets.ISO_8859_1));
      }
      int code = (input[start] - '0') * 100 + (input[start + 1] - '0') * 10 + (input[start + 2] - '0');
      boolean isLast = length == 3 || input[start + 3] != '-';
      lastLineStart = start;
      lastLineLength = length;
      if (keepText) {
        lines.add(length > 4 ? new String(input, start + 4, length - 4, StandardCharsets.UTF_8) : "");
      }
      if (isLast) {
        return new ServerReply(code, lines);
      }
    }
  }

  /**
   * The last reply line read, code included, as text: for failure reports on the hot path, which
   * reads replies without keeping text. Valid until the next {@link #reply} call.
   */
  String lastLine() {
    return new String(input, lastLineStart, lastLineLength, StandardCharsets.UTF_8);
  }

  /** The index of the CR of the next CRLF in the buffer, reading more as needed. */
  private int lineEnd() throws IOException {
    if (inputStart == inputEnd) {
      inputStart = 0;
      inputEnd = 0;
    }
    int scanned = inputStart;
    while (true) {
      for (int i = scanned; i + 1 < inputEnd; i++) {
        if (input[i] == '\r' && input[i + 1] == '\n') {
          return i;
        }
      }
      scanned = Math.max(inputStart, inputEnd - 1);
      if (inputEnd - inputStart >= MAX_REPLY_LINE) {
        throw new IOException("reply line longer than " + MAX_REPLY_LINE + " octets");
      }
      if (inputEnd == input.length) {
        // Compact: move the partial line to the front.
        int kept = inputEnd - inputStart;
        System.arraycopy(input, inputStart, input, 0, kept);
        scanned -= inputStart;
        inputStart = 0;
        inputEnd = kept;
      }
      int read = in.read(input, inputEnd, input.length - inputEnd);
      if (read < 0) {
        throw new EOFException("server closed the connection");
      }
      inputEnd += read;
    }
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Closing after QUIT or after a failure: nothing left to tell anyone.
    }
  }
}
