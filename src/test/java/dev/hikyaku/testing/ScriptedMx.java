package dev.hikyaku.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An MX on loopback that answers per recipient: ok@ 250, no@ 550 5.1.1, later@ 450 4.2.0 the first
 * time and 250 after; no STARTTLS (opportunistic TLS goes on in plaintext), no DSN extension.
 * Keeps the MAIL FROM reverse-path of every transaction, for tests of what goes out.
 */
public final class ScriptedMx implements AutoCloseable {
  private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  private final AtomicInteger laterAsked = new AtomicInteger();
  private final java.util.List<String> reversePaths = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Thread thread = Thread.ofVirtual().start(this::serve);

  public ScriptedMx() throws IOException {}

  public int port() {
    return listener.getLocalPort();
  }

  /** The reverse-path of every MAIL FROM so far, without angle brackets, in order. */
  public java.util.List<String> reversePaths() {
    return java.util.List.copyOf(reversePaths);
  }

  private void serve() {
    while (!listener.isClosed()) {
      try {
        Socket socket = listener.accept();
        Thread.ofVirtual().start(() -> converse(socket));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void converse(Socket socket) {
    try (socket; BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))) {
      OutputStream out = socket.getOutputStream();
      reply(out, "220 mx.sink.test ESMTP sink");
      int accepted = 0;
      for (String line; (line = in.readLine()) != null; ) {
        String command = line.toUpperCase(java.util.Locale.ROOT);
        if (command.startsWith("EHLO")) {
          reply(out, "250-mx.sink.test\r\n250-PIPELINING\r\n250 8BITMIME");
        } else if (command.startsWith("MAIL")) {
          accepted = 0;
          reversePaths.add(line.substring(line.indexOf('<') + 1, line.indexOf('>')));
          reply(out, "250 2.1.0 Ok");
        } else if (command.startsWith("RCPT")) {
          String to = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
          if (to.startsWith("no@")) {
            reply(out, "550 5.1.1 no such user");
          } else if (to.startsWith("later@") && laterAsked.getAndIncrement() == 0) {
            reply(out, "450 4.2.0 try again later");
          } else {
            accepted++;
            reply(out, "250 2.1.5 Ok");
          }
        } else if (command.equals("DATA")) {
          if (accepted == 0) {
            reply(out, "554 5.5.1 no valid recipients");
            continue;
          }
          reply(out, "354 go ahead");
          for (String data; (data = in.readLine()) != null && !data.equals("."); ) {
            // the message; not kept
          }
          reply(out, "250 2.0.0 Ok: queued as SINK");
        } else if (command.equals("RSET") || command.equals("NOOP")) {
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

  private static void reply(OutputStream out, String text) throws IOException {
    out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    listener.close();
    thread.interrupt();
  }
}
