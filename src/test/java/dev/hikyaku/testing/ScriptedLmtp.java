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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A mailbox server on loopback speaking LMTP (RFC 2033), as far as a recipient check needs: LHLO,
 * MAIL, RCPT, RSET, QUIT. Its RCPT answer depends on the local part:
 *
 * <ul>
 *   <li>{@code no...} (nobody, no-such-user): 550 5.1.1, always
 *   <li>{@code slow}: no answer at all (the verifier's timeout)
 *   <li>{@code once}: 250 the first time, then no answer (so a second 250 came from a cache)
 *   <li>{@code gone}: 550 5.1.1 the first time, 250 after (so a second 550 came from a cache)
 *   <li>{@code busy}: 451 4.3.0 the first time, 250 after (a 4yz is no answer to keep)
 *   <li>anything else: 250 2.1.5
 * </ul>
 *
 * Records every RCPT address, in order, for tests that count what was asked.
 */
public final class ScriptedLmtp implements AutoCloseable {

  private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  private final List<String> asked = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> times = new ConcurrentHashMap<>();
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  public ScriptedLmtp() throws IOException {
    Thread.ofVirtual().name("scripted-lmtp").start(this::serve);
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Every address asked for with RCPT so far, in order. */
  public List<String> asked() {
    return List.copyOf(asked);
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

  private void converse(Socket socket) {
    try (socket; BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
      OutputStream out = socket.getOutputStream();
      reply(out, "220 lmtp.sink.test LMTP ready");
      for (String line; (line = in.readLine()) != null; ) {
        String command = line.toUpperCase(Locale.ROOT);
        if (command.startsWith("LHLO")) {
          reply(out, "250-lmtp.sink.test\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME");
        } else if (command.startsWith("MAIL")) {
          reply(out, "250 2.1.0 Ok");
        } else if (command.startsWith("RCPT")) {
          String to = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
          asked.add(to);
          String answer = answer(to.substring(0, to.lastIndexOf('@')).toLowerCase(Locale.ROOT),
              times.computeIfAbsent(to.toLowerCase(Locale.ROOT), k -> new AtomicInteger()).incrementAndGet());
          if (answer != null) {
            reply(out, answer);
          }
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

  /** The RCPT reply for {@code local} asked for the {@code time}th time, or null for none. */
  private static String answer(String local, int time) {
    return switch (local) {
      case "slow" -> null;
      case "once" -> time == 1 ? "250 2.1.5 Ok" : null;
      case "gone" -> time == 1 ? "550 5.1.1 <gone>: User unknown" : "250 2.1.5 Ok";
      case "busy" -> time == 1 ? "451 4.3.0 Temporary lookup failure" : "250 2.1.5 Ok";
      default -> local.startsWith("no") ? "550 5.1.1 User unknown in virtual mailbox table" : "250 2.1.5 Ok";
    };
  }

  private static void reply(OutputStream out, String text) throws IOException {
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
