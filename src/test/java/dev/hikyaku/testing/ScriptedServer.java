package dev.hikyaku.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A line-based server on loopback for tests (an MX, a mailbox server): one virtual thread per
 * connection sends the {@link #greeting} and answers each line with {@link #commands}. Connections still open are closed with the server, so a
 * script that never answers does not outlive its test.
 */
public abstract class ScriptedServer implements AutoCloseable {

  private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  /** Listens at once; nothing can connect before the subclass is built, since the port is not known. */
  protected ScriptedServer() throws IOException {
    Thread.ofVirtual().name(getClass().getSimpleName()).start(this::serve);
  }

  public int port() {
    return listener.getLocalPort();
  }

  private void serve() {
    while (!listener.isClosed()) {
      try {
        Socket socket = listener.accept();
        open.add(socket);
        Thread.ofVirtual().start(() -> converse(socket));
      } catch (IOException closed) {
        return;
      }
    }
  }

  /** What one connection's commands get, past those every script answers alike. */
  @FunctionalInterface
  protected interface Commands {
    /**
     * Answers {@code line} ({@code command} is it in upper case), reading more from {@code in} if
     * it must (message data); false for a command left to the common answers: RSET and NOOP 250,
     * QUIT 221 and the end, anything else 502.
     */
    boolean answer(String line, String command, BufferedReader in, OutputStream out) throws IOException;
  }

  /** The greeting, sent first on every connection. */
  protected abstract String greeting();

  /** A fresh answerer for one connection (it may keep that connection's state). */
  protected abstract Commands commands();

  private void converse(Socket socket) {
    try (socket; BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
      OutputStream out = socket.getOutputStream();
      reply(out, greeting());
      Commands commands = commands();
      for (String line; (line = in.readLine()) != null; ) {
        String command = line.toUpperCase(Locale.ROOT);
        if (commands.answer(line, command, in, out)) {
          continue;
        }
        if (command.equals("RSET") || command.equals("NOOP")) {
          reply(out, "250 2.0.0 Ok");
        } else if (command.equals("QUIT")) {
          reply(out, "221 2.0.0 Bye");
          return;
        } else {
          reply(out, "502 5.5.2 not here");
        }
      }
    } catch (IOException gone) {
      // the client went away
    }
  }

  /** The address between the angle brackets of a MAIL or RCPT line. */
  protected static String path(String line) {
    return line.substring(line.indexOf('<') + 1, line.indexOf('>'));
  }

  /** Writes one reply (its lines joined with CRLF already) and CRLF, and flushes. */
  protected static void reply(OutputStream out, String text) throws IOException {
    out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket socket : open) {
      socket.close();
    }
  }
}
