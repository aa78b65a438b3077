package dev.hikyaku.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The far end of delivery for the crash and connection tests: a minimal SMTP server on 127.0.0.1
 * that accepts every transaction (but refuses recipients whose local part starts with "nobody",
 * {@code 550 5.1.1}) and counts, per token found in a message's {@code Subject} ("crash
 * TOKEN"), how many times the message arrived, and how many connections it had, at most at once. It offers neither STARTTLS nor PIPELINING, so an opportunistic client sends in
 * plain text, one command at a time (RFC 3207 §4: STARTTLS only when offered; RFC 2920 §3).
 *
 * <p>A message counts once its data is complete (the final dot), where a real MX commits it, just
 * before the {@code 250} goes out: a sender killed in between never sees that reply and sends the
 * message again, which shows here as a duplicate, never as a loss.
 */
public final class CountingSink implements AutoCloseable {

  private static final Pattern SUBJECT_TOKEN = Pattern.compile("(?m)^Subject: crash (\\S+)\r?$");
  // A recipient whose local part starts with "nobody" does not exist here: a permanent failure (and
  // a DSN to the sender), for the tests that count reports.
  private static final Pattern NO_SUCH_USER = Pattern.compile("(?i)^RCPT TO:\\s*<nobody");

  private final ServerSocket listener;
  private final Map<String, AtomicInteger> arrivals = new ConcurrentHashMap<>();
  private final AtomicInteger transactions = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger mostOpen = new AtomicInteger();
  private final boolean isHangingUpAfterEachMessage;
  private final long dataDelayMillis;

  private CountingSink(ServerSocket listener, boolean isHangingUpAfterEachMessage, long dataDelayMillis) {
    this.listener = listener;
    this.isHangingUpAfterEachMessage = isHangingUpAfterEachMessage;
    this.dataDelayMillis = dataDelayMillis;
    Thread.ofVirtual().name("counting-sink").start(this::acceptLoop);
  }

  public static CountingSink start() throws IOException {
    return start(false, 0);
  }

  /**
   * @param isHangingUpAfterEachMessage close the connection, without a word, once a message's 250
   *     is out (as a server with a short idle timeout does)
   * @param dataDelayMillis wait this long before the 250 of each message, so that deliveries overlap
   */
  public static CountingSink start(boolean isHangingUpAfterEachMessage, long dataDelayMillis) throws IOException {
    return start(0, isHangingUpAfterEachMessage, dataDelayMillis);
  }

  /** On {@code port} of 127.0.0.1 (0: any free one), e.g. one a server was told to deliver to. */
  public static CountingSink start(int port, boolean isHangingUpAfterEachMessage, long dataDelayMillis) throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
    return new CountingSink(socket, isHangingUpAfterEachMessage, dataDelayMillis);
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  /** Connections open now. */
  public int openNow() {
    return open.get();
  }

  /** The most connections that were open at once. */
  public int mostOpenAtOnce() {
    return mostOpen.get();
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Tokens that arrived at least once. */
  public java.util.Set<String> delivered() {
    return java.util.Set.copyOf(arrivals.keySet());
  }

  /** Arrivals beyond the first, over all tokens. */
  public int duplicates() {
    return arrivals.values().stream().mapToInt(count -> count.get() - 1).sum();
  }

  /** Transactions completed, tokens or not. */
  public int transactions() {
    return transactions.get();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket connection = listener.accept();
        Thread.ofVirtual().start(() -> serve(connection));
      } catch (IOException closed) {
        return; // close() ended the loop
      }
    }
  }

  private void serve(Socket connection) {
    connections.incrementAndGet();
    mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
    try (connection) {
      connection.setSoTimeout(30_000);
      var in = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.ISO_8859_1));
      OutputStream out = connection.getOutputStream();
      reply(out, "220 mx.sink.test ESMTP counting sink");
      String line;
      while ((line = in.readLine()) != null) {
        String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase(Locale.ROOT) : line.toUpperCase(Locale.ROOT);
        switch (verb) {
          case "EHLO" -> reply(out, "250 mx.sink.test");
          case "HELO" -> reply(out, "250 mx.sink.test");
          case "RCPT" -> reply(out, NO_SUCH_USER.matcher(line).find() ? "550 5.1.1 No such user here" : "250 2.0.0 Ok");
          case "MAIL", "RSET", "NOOP" -> reply(out, "250 2.0.0 Ok");
          case "DATA" -> {
            reply(out, "354 End data with <CR><LF>.<CR><LF>");
            StringBuilder content = new StringBuilder();
            String data;
            while ((data = in.readLine()) != null && !data.equals(".")) {
              content.append(data).append("\r\n");
            }
            if (data == null) {
              return; // the sender went away mid-message: not delivered
            }
            if (dataDelayMillis > 0) {
              Thread.sleep(dataDelayMillis);
            }
            record(content);
            reply(out, "250 2.0.0 Ok: counted");
            if (isHangingUpAfterEachMessage) {
              return;
            }
          }
          case "QUIT" -> {
            reply(out, "221 2.0.0 Bye");
            return;
          }
          default -> reply(out, "502 5.5.2 Command not recognized");
        }
      }
    } catch (IOException | InterruptedException e) {
      // A sender that drops the connection is the sender's business; what counts is recorded.
    } finally {
      open.decrementAndGet();
    }
  }

  private void record(CharSequence content) {
    transactions.incrementAndGet();
    Matcher token = SUBJECT_TOKEN.matcher(content);
    if (token.find()) {
      arrivals.computeIfAbsent(token.group(1), t -> new AtomicInteger()).incrementAndGet();
    }
  }

  private static void reply(OutputStream out, String line) throws IOException {
    out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    listener.close();
  }
}
