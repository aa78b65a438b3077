package dev.hikyaku.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine against a scripted SMTP server on 127.0.0.1 (plain only; TLS is covered by CI's smoke run). */
class LoadRunTest {

  private ServerSocket listener;
  private final AtomicInteger sessions = new AtomicInteger();
  private final AtomicInteger messages = new AtomicInteger();
  private final List<String> firstSession = new CopyOnWriteArrayList<>();
  private Thread acceptor;

  @BeforeEach
  void start() throws IOException {
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = Thread.ofVirtual().start(() -> {
      while (!listener.isClosed()) {
        try {
          Socket socket = listener.accept();
          int number = sessions.incrementAndGet();
          Thread.ofVirtual().start(() -> converse(socket, number == 1));
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  @AfterEach
  void stop() throws Exception {
    listener.close();
    acceptor.join();
  }

  @Test
  void sendsEveryMessageOverTheRequestedSessions() throws Exception {
    LoadPlan plan = plan("-c", "3", "-m", "20", "-k", "5");

    LoadRun.Outcome outcome = new LoadRun(plan).send(plan.messages());

    assertThat(outcome.tally().accepted.sum()).isEqualTo(20);
    assertThat(outcome.tally().failed()).isZero();
    assertThat(outcome.tally().sessions.sum()).isEqualTo(4);
    assertThat(messages.get()).isEqualTo(20);
    assertThat(outcome.transaction().samples()).isEqualTo(20);
    assertThat(outcome.setup().samples()).isEqualTo(4);
    // Lockstep: every command waits for its reply.
    assertThat(firstSession).startsWith("EHLO load.bench.example", "MAIL FROM:<load@bench.example>", "RCPT TO:<user@bench.example>", "DATA");
  }

  @Test
  void pipelinesTheCommandsUpToData() throws Exception {
    LoadPlan plan = plan("-c", "1", "-m", "2", "-k", "2", "-r", "2", "--pipelining");

    LoadRun.Outcome outcome = new LoadRun(plan).send(plan.messages());

    assertThat(outcome.tally().accepted.sum()).isEqualTo(2);
    assertThat(firstSession).contains("MAIL FROM:<load@bench.example> +RCPT TO:<user1@bench.example> +RCPT TO:<user2@bench.example> +DATA");
  }

  @Test
  void countsRefusalsByReplyCode() throws Exception {
    LoadPlan plan = plan("-c", "2", "-m", "4", "--to", "reject@bench.example");

    LoadRun.Outcome outcome = new LoadRun(plan).send(plan.messages());

    assertThat(outcome.tally().accepted.sum()).isZero();
    assertThat(outcome.tally().failures()).containsEntry("550", 4L);
    assertThat(outcome.tally().example("550")).startsWith("550 5.1.1");
  }

  @Test
  void holdsIdleConnectionsUntilReleased() throws Exception {
    LoadPlan plan = plan("-c", "5", "--hold", "1");
    int[] held = new int[1];

    LoadRun run = new LoadRun(plan);
    LoadRun.Outcome outcome = run.hold(() -> held[0] = (int) run.lastEstablished());

    assertThat(held[0]).isEqualTo(5);
    assertThat(outcome.established()).isEqualTo(5);
    assertThat(outcome.tally().failed()).isZero();
  }

  private LoadPlan plan(String... options) throws IOException {
    List<String> args = new ArrayList<>(List.of("--port", Integer.toString(listener.getLocalPort()), "--timeout", "10"));
    args.addAll(List.of(options));
    return LoadPlan.parse(args);
  }

  /** A minimal server: PIPELINING offered, "reject" recipients refused, DATA read to the dot. */
  private void converse(Socket socket, boolean isRecorded) {
    try (socket) {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      out.write("220 fake ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
      int accepted = 0;
      StringBuilder group = new StringBuilder();
      while (true) {
        String line = readLine(in);
        if (line == null) {
          return;
        }
        // Everything already buffered was sent as one group: record it joined by " +".
        group.append(group.isEmpty() ? "" : " +").append(line);
        if (in.available() == 0 && isRecorded) {
          firstSession.add(group.toString());
        }
        if (in.available() == 0) {
          group.setLength(0);
        }
        String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line;
        String reply =
            switch (verb) {
              case "EHLO" -> "250-fake\r\n250-PIPELINING\r\n250 SIZE 1000000\r\n";
              case "MAIL" -> {
                accepted = 0;
                yield "250 2.1.0 ok\r\n";
              }
              case "RCPT" -> {
                if (line.contains("reject")) {
                  yield "550 5.1.1 no such user\r\n";
                }
                accepted++;
                yield "250 2.1.5 ok\r\n";
              }
              case "DATA" -> accepted == 0 ? "554 5.5.1 no valid recipients\r\n" : "354 go ahead\r\n";
              case "RSET" -> "250 2.0.0 ok\r\n";
              case "QUIT" -> "221 2.0.0 bye\r\n";
              default -> "502 5.5.1 unrecognised\r\n";
            };
        out.write(reply.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        if (reply.startsWith("354")) {
          String data;
          while (!".".equals(data = readLine(in))) {
            if (data == null) {
              return;
            }
          }
          messages.incrementAndGet();
          out.write("250 2.0.0 queued\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
        }
        if (verb.equals("QUIT")) {
          return;
        }
      }
    } catch (IOException e) {
      // The client went away; the test's assertions say whether that was expected.
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, length, StandardCharsets.US_ASCII);
      }
      line.write(b);
    }
    return null;
  }
}
