package dev.hikyaku.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A raw SMTP client over a real socket, for tests that must control every octet and its timing
 * (pipelined floods, a byte at a time, a chunk that never comes): what a library client would
 * smooth over. Replies are read whole (a multi-line reply as its last line).
 */
public final class SmtpWire implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private SmtpWire(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new java.io.BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects from 127.0.0.1 to {@code port}; replies are awaited up to 20 s. */
  public static SmtpWire connect(int port) throws IOException {
    return connect("127.0.0.1", port);
  }

  /** Connects from {@code from} (a loopback address: 127.0.X.Y are distinct clients to the server). */
  public static SmtpWire connect(String from, int port) throws IOException {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
    socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    socket.setSoTimeout(20_000);
    return new SmtpWire(socket);
  }

  /** Connects to an implicit-TLS port (RFC 8314), trusting what {@code trust} trusts. */
  public static SmtpWire connectTls(int port, SSLContext trust) throws IOException {
    SSLSocket socket = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", port);
    socket.setSoTimeout(20_000);
    socket.startHandshake();
    return new SmtpWire(socket);
  }

  /** Sends {@code text} as it is (ASCII, no line ending added), in one write. */
  public void write(String text) throws IOException {
    write(text.getBytes(StandardCharsets.UTF_8));
  }

  public void write(byte[] octets) throws IOException {
    out.write(octets);
    out.flush();
  }

  /**
   * Sends {@code text} (many pipelined commands) from a virtual thread while the caller reads the
   * replies, as RFC 2920 §3.1 asks of a pipelining client: one that writes everything before reading
   * can stall against a server whose replies fill the window, and on a loaded machine the write may
   * still be going when the server has answered enough to close the connection (the overshoot
   * limit). A write cut short by that close is expected and not an error here; the replies say
   * what happened.
   */
  public void pipeline(String text) {
    byte[] octets = text.getBytes(StandardCharsets.UTF_8);
    Thread.ofVirtual().name("smtp-wire-pipeline").start(() -> {
      try {
        write(octets);
      } catch (IOException closedByTheServer) {
        // The server stopped reading: its replies, read by the caller, tell why.
      }
    });
  }

  /** Sends one command line: {@code line} and CRLF. */
  public void command(String line) throws IOException {
    write(line + "\r\n");
  }

  /** Sends {@code line} and returns the reply to it. */
  public String ask(String line) throws IOException {
    command(line);
    return reply();
  }

  /** The next whole reply; a multi-line reply (RFC 5321 §4.2.1) as its last line. */
  public String reply() throws IOException {
    while (true) {
      String line = line();
      if (line.length() < 4 || line.charAt(3) != '-') {
        return line;
      }
    }
  }

  /** The next {@code count} replies, in order. */
  public List<String> replies(int count) throws IOException {
    List<String> replies = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      replies.add(reply());
    }
    return replies;
  }

  /** One line the server sent, without its CRLF. */
  public String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new java.io.EOFException("closed by the server after " + line.toString(StandardCharsets.UTF_8));
      }
      if (b == '\n') {
        String text = line.toString(StandardCharsets.UTF_8);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
      }
      line.write(b);
    }
  }

  /** Whether the server has closed the connection, waiting up to {@code wait} for it to. */
  public boolean isClosedWithin(Duration wait) throws IOException {
    socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException open) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  /** How long reads wait before failing. */
  public void readTimeout(Duration wait) throws IOException {
    socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
  }

  /** EHLO, then AUTH PLAIN (RFC 4616) as {@code account}; returns the AUTH reply. */
  public String login(String account, String password) throws IOException {
    ask("EHLO client.example");
    String credentials = "\0" + account + "\0" + password;
    return ask("AUTH PLAIN " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
