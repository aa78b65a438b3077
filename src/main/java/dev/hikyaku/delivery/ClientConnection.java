package dev.hikyaku.delivery;

import dev.hikyaku.net.DeadlineOutputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wire of an {@link OutboundSession}: command lines out, replies in, each with its timeout.
 * Reads go through a {@link BufferedInputStream} and writes through a {@link BufferedOutputStream},
 * so a pipelined group is one write and a reply line costs no system call per octet; every write has
 * a deadline ({@link DeadlineOutputStream}). Any failure marks it broken: nothing more may be sent.
 */
final class ClientConnection {

  private static final Logger log = LoggerFactory.getLogger(OutboundSession.class);

  private static final byte[] CRLF = {'\r', '\n'};

  /** As every message and log line names the server: {@code name[address]:port}. */
  private final String server;
  private final Duration commandTimeout;
  private Socket socket;
  private BufferedInputStream in;
  private ReplyReader replies;
  private DeadlineOutputStream deadline;
  private BufferedOutputStream out;
  /** The connection failed or the server closed it (421): nothing more may be sent. */
  private boolean isBroken;

  ClientConnection(Socket socket, String server, Duration commandTimeout) throws IOException {
    this.server = server;
    this.commandTimeout = commandTimeout;
    attach(socket);
  }

  /** Goes on over {@code socket} (the TLS layer over the one before). */
  void attach(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream(), 8192);
    this.replies = new ReplyReader(in);
    this.deadline = new DeadlineOutputStream(socket.getOutputStream(), socket, commandTimeout);
    this.out = new BufferedOutputStream(deadline, 64 * 1024);
  }

  Socket socket() {
    return socket;
  }

  String server() {
    return server;
  }

  /** Whether octets have come that no read has taken yet. */
  boolean hasUnreadInput() throws IOException {
    return in.available() > 0;
  }

  boolean isBroken() {
    return isBroken;
  }

  void markBroken() {
    isBroken = true;
  }

  SmtpReply command(String line, String step) throws IOException {
    writeLine(line);
    flush(commandTimeout);
    return read(step, commandTimeout);
  }

  /** A command whose argument is a secret: logged without it. */
  SmtpReply secretCommand(String prefix, byte[] secret, String step) throws IOException {
    try {
      log.debug("{} C: {}(hidden)", server, prefix);
      out.write(prefix.getBytes(StandardCharsets.US_ASCII));
      out.write(secret);
      out.write(CRLF);
      flush(commandTimeout);
    } catch (IOException e) {
      throw failure("sending " + step, e);
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
    return read(step, commandTimeout);
  }

  void writeLine(String line) throws IOException {
    log.debug("{} C: {}", server, line);
    try {
      // UTF-8: addresses under SMTPUTF8 (RFC 6531 §3.3); plain ASCII otherwise.
      out.write(line.getBytes(StandardCharsets.UTF_8));
      out.write(CRLF);
    } catch (IOException e) {
      throw failure("sending " + firstWord(line), e);
    }
  }

  void write(byte[] bytes, Duration limit) throws IOException {
    try {
      out.write(bytes);
    } catch (IOException e) {
      throw failure("sending data", e);
    }
    flush(limit);
  }

  /** Writes the message content dot-stuffed and its final dot (RFC 5321 §4.5.2), within {@code limit} a block. */
  void writeContent(byte[] content, Duration limit) throws IOException {
    deadline.limit(limit);
    DotStuffing.write(content, out);
    out.flush();
    deadline.limit(commandTimeout);
  }

  void flush(Duration limit) throws IOException {
    deadline.limit(limit);
    try {
      out.flush();
    } catch (IOException e) {
      throw failure("sending to the server", e);
    }
  }

  SmtpReply read(String step, Duration timeout) throws IOException {
    try {
      socket.setSoTimeout(millis(timeout));
      SmtpReply reply = replies.read();
      log.debug("{} S: {}", server, reply);
      return reply;
    } catch (SocketTimeoutException e) {
      isBroken = true;
      throw new SocketTimeoutException(server + " gave no reply to " + step + " within " + timeout);
    } catch (IOException e) {
      isBroken = true;
      throw failure("waiting for the reply to " + step, e);
    }
  }

  private IOException failure(String doing, IOException cause) {
    isBroken = true;
    return new IOException(server + ": " + doing + " failed: " + cause.getMessage(), cause);
  }

  private static String firstWord(String line) {
    int space = line.indexOf(' ');
    return space < 0 ? line : line.substring(0, space);
  }

  /** Closes the socket; nothing is said to the server. */
  void close() {
    closeQuietly(socket);
  }

  static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      log.debug("closing an outbound socket failed: {}", e.getMessage());
    }
  }

  static int millis(Duration duration) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, duration.toMillis()));
  }
}
