package dev.hikyaku.net;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts TCP connections on one address and port and runs each on its own virtual thread. Knows
 * nothing of SMTP: the handler does the talking, and the refusal lines for connection limits are
 * supplied by the caller.
 */
public final class Listener implements AutoCloseable {

  /** The pause after a failed accept() before the next one. */
  private static final java.time.Duration ACCEPT_RETRY = java.time.Duration.ofMillis(100);

  private static final Logger log = LoggerFactory.getLogger(Listener.class);

  /** What to tell a refused client, given why and who; the caller may also record the refusal. */
  @FunctionalInterface
  public interface Refusals {
    byte[] line(ConnectionPermits.Refusal refusal, InetAddress client);
  }

  /** What runs a connection; it owns the socket and must close it. */
  @FunctionalInterface
  public interface ConnectionHandler {
    void handle(Socket socket, ConnectionPermits.Permit permit);
  }

  private final String name;
  private final ListenerRole role;
  private final ServerSocket serverSocket;
  private final ConnectionPermits permits;
  private final Refusals refusalLine;
  private final ConnectionHandler handler;
  private final AtomicLong connectionCounter = new AtomicLong();
  private volatile boolean isClosed;
  private Thread acceptor;

  private Listener(
      String name,
      ListenerRole role,
      ServerSocket serverSocket,
      ConnectionPermits permits,
      Refusals refusalLine,
      ConnectionHandler handler) {
    this.name = name;
    this.role = role;
    this.serverSocket = serverSocket;
    this.permits = permits;
    this.refusalLine = refusalLine;
    this.handler = handler;
  }

  /**
   * Binds the port. A port that cannot be bound fails with a {@link BindFailure} that says how to fix
   * it, not a bare {@link BindException}.
   */
  public static Listener bind(
      String name,
      ListenerRole role,
      InetAddress address,
      int port,
      ConnectionPermits permits,
      Refusals refusalLine,
      ConnectionHandler handler)
      throws BindFailure {
    ServerSocket serverSocket;
    try {
      serverSocket = new ServerSocket();
      serverSocket.setReuseAddress(true);
      serverSocket.bind(new InetSocketAddress(address, port), 1024);
    } catch (IOException e) {
      throw BindFailure.of(name, role, address, port, e);
    }
    return new Listener(name, role, serverSocket, permits, refusalLine, handler);
  }

  public void start() {
    acceptor = Thread.ofVirtual().name("accept-" + name).start(this::acceptLoop);
  }

  private void acceptLoop() {
    while (!isClosed) {
      Socket socket;
      try {
        socket = serverSocket.accept();
      } catch (IOException e) {
        if (isClosed || serverSocket.isClosed()) {
          return;
        }
        // E.g. EMFILE (too many open files): the port must go on accepting once it passes, so
        // wait a moment rather than spin, and try again.
        log.error("listener {} could not accept a connection, trying again in {}: {}", name, ACCEPT_RETRY, e.toString());
        try {
          Thread.sleep(ACCEPT_RETRY);
        } catch (InterruptedException interrupted) {
          return;
        }
        continue;
      }
      ConnectionPermits.Result result = permits.acquire(socket.getInetAddress());
      if (result.refusal().isPresent()) {
        refuse(socket, result.refusal().get());
        continue;
      }
      ConnectionPermits.Permit permit = result.permit().orElseThrow();
      Thread.ofVirtual()
          .name("smtp-" + name + "-" + connectionCounter.incrementAndGet())
          .start(() -> handler.handle(socket, permit));
    }
  }

  private void refuse(Socket socket, ConnectionPermits.Refusal refusal) {
    // Written on its own virtual thread so a slow client cannot stall the accept loop.
    Thread.ofVirtual()
        .start(
            () -> {
              try (socket) {
                socket.setSoTimeout(5_000);
                OutputStream out = socket.getOutputStream();
                out.write(refusalLine.line(refusal, socket.getInetAddress()));
                out.flush();
              } catch (IOException ignored) {
                // The client went away first; nothing to tell it.
              }
            });
  }

  public String name() {
    return name;
  }

  public ListenerRole role() {
    return role;
  }

  /** The bound port (the real one when the configured port was 0). */
  public int port() {
    return serverSocket.getLocalPort();
  }

  public InetAddress address() {
    return serverSocket.getInetAddress();
  }

  /** Stops accepting; connections already accepted carry on. */
  @Override
  public void close() {
    isClosed = true;
    try {
      serverSocket.close();
    } catch (IOException e) {
      log.warn("closing listener {}: {}", name, e.toString());
    }
    if (acceptor != null) {
      try {
        acceptor.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A port that could not be bound, with a message that tells the operator what to do. */
  public static final class BindFailure extends Exception {
    private BindFailure(String message, Throwable cause) {
      super(message, cause);
    }

    static BindFailure of(String name, ListenerRole role, InetAddress address, int port, IOException e) {
      String where = address.getHostAddress() + ":" + port + " (listener '" + name + "', role " + role.configName() + ")";
      String reason = e.getMessage() == null ? e.toString() : e.getMessage();
      String fix;
      if (reason.contains("Permission denied")) {
        fix = "Ports below 1024 need root or the CAP_NET_BIND_SERVICE capability. Either"
            + " run on unprivileged ports: hikyaku serve --ports relay=2525,submission=2587,submissions=2465;"
            + " or set listeners[].port in the config file;"
            + " or grant the capability to the JVM: sudo setcap cap_net_bind_service=+ep \"$(readlink -f \"$(command -v java)\")\"";
      } else if (reason.contains("in use")) {
        fix = "Another process holds this port (see: ss -ltnp 'sport = :" + port + "')."
            + " Stop it, or move this listener with --ports or listeners[].port in the config file.";
      } else {
        fix = "Check listeners[].address in the config file: it must be an address of this machine.";
      }
      return new BindFailure("cannot listen on " + where + ": " + reason + ". " + fix, e);
    }
  }
}
