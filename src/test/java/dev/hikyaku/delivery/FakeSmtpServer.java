package dev.hikyaku.delivery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny scripted SMTP server on 127.0.0.1 for what neither Hikyaku nor GreenMail does (a 421
 * greeting, no EHLO, silence): one connection, one script, every line received recorded.
 */
final class FakeSmtpServer implements AutoCloseable {

  /** The server's side of one conversation. */
  interface Script {
    void run(Peer peer) throws IOException;
  }

  /** The client as the script sees it. */
  static final class Peer {
    private final BufferedReader in;
    private final OutputStream out;
    private final List<String> received;

    Peer(Socket socket, List<String> received) throws IOException {
      this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      this.out = socket.getOutputStream();
      this.received = received;
    }

    /** Sends {@code lines} joined by CRLF, with a final CRLF. */
    void reply(String... lines) throws IOException {
      out.write((String.join("\r\n", lines) + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    /** The next line from the client, recorded; null at end of stream. */
    String line() throws IOException {
      String line = in.readLine();
      if (line != null) {
        received.add(line);
      }
      return line;
    }

    /** Reads message content up to the lone dot, recording each line. */
    void data() throws IOException {
      String line;
      while ((line = line()) != null && !line.equals(".")) {
        // recorded by line()
      }
    }
  }

  private final ServerSocket listener;
  private final List<String> received = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile Throwable failure;

  FakeSmtpServer(Script script) throws IOException {
    listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    thread = Thread.ofVirtual().start(() -> {
      try (Socket socket = listener.accept()) {
        script.run(new Peer(socket, received));
      } catch (IOException | RuntimeException e) {
        failure = e;
      }
    });
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
  }

  /** Every line the client sent, in order. Waits for the script to end. */
  List<String> received() throws InterruptedException {
    thread.join(10_000);
    return List.copyOf(received);
  }

  Throwable failure() {
    return failure;
  }

  @Override
  public void close() throws IOException {
    listener.close();
  }
}
