package dev.hikyaku.net;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts TCP connections on one address and port and runs each on its own virtual thread. Knows
 * nothing of SMTP: the handler does the talking, and the refusal lines for connection limits are
 * supplied by the caller.
 */
public final class Listener implements AutoCloseable {

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

  /** The call that takes the next connection: the bound socket's accept(), or a test's that fails. */
  @FunctionalInterface
  interface Acceptor {
    Socket accept() throws IOException;
  }

  /**
   * The pauses after accept() fails in a row: {@code first}, doubling up to {@code cap}. A failure
   * such as EMFILE lasts until some descriptor is closed, so retrying at once would only spin the
   * CPU and fill the log while the connections that could free one wait.
   */
  record AcceptBackoff(Duration first, Duration cap) {
    /** What the server uses: from 50 ms to 1 s, so a burst costs a few wake-ups a second at most. */
    static final AcceptBackoff DEFAULT = new AcceptBackoff(Duration.ofMillis(50), Duration.ofSeconds(1));

    /** The pause after the {@code failures}-th failure in a row (1 for the first). */
    Duration after(int failures) {
      int doublings = Math.min(failures - 1, 30);
      Duration pause = first.multipliedBy(1L << doublings);
      return pause.compareTo(cap) > 0 ? cap : pause;
    }
  }

  private final String name;
  private final ListenerRole role;
  private final ServerSocket serverSocket;
  private final Acceptor acceptor;
  private final AcceptBackoff backoff;
  private final ConnectionPermits permits;
  private final Refusals refusalLine;
  private final ConnectionHandler handler;
  private final AtomicLong connectionCounter = new AtomicLong();
  private volatile boolean isClosed;
  private Thread acceptThread;

  /**
   * A listener on a bound {@code serverSocket} that takes connections through {@code acceptor}
   * (production: {@code serverSocket::accept}; a fault test's fails first) and waits by {@code
   * backoff} after failures.
   */
  Listener(
      String name,
      ListenerRole role,
      ServerSocket serverSocket,
      Acceptor acceptor,
      AcceptBackoff backoff,
      ConnectionPermits permits,
      Refusals refusalLine,
      ConnectionHandler handler) {
    this.name = name;
    this.role = role;
    this.serverSocket = serverSocket;
    this.acceptor = acceptor;
    this.backoff = backoff;
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
    return new Listener(name, role, serverSocket, serverSocket::accept, AcceptBackoff.DEFAULT, permits, refusalLine, handler);
  }

  public void start() {
    acceptThread = Thread.ofVirtual().name("accept-" + name).start(this::acceptLoop);
  }

  private void acceptLoop() {
    int failures = 0; // accept() failures in a row: one burst
    long burstStarted = 0;
    while (!isClosed) {
      Socket socket;
      try {
        socket = acceptor.accept();
      } catch (IOException e) {
        if (isClosed || serverSocket.isClosed()) {
          return;
        }
        // E.g. EMFILE (too many open files): the port must go on accepting once it passes. Said
        // once per burst, not once per try: a log flood would only add to the trouble.
        failures++;
        if (failures == 1) {
          burstStarted = System.nanoTime();
          log.error("listener {} cannot accept connections ({}); retrying, waiting up to {} between tries",
              name, e.toString(), backoff.cap());
        }
        try {
          Thread.sleep(backoff.after(failures));
        } catch (InterruptedException interrupted) {
          return;
        }
        continue;
      }
      if (failures > 0) {
        log.warn("listener {} accepting again after {} failed accept() calls over {} ms",
            name, failures, Duration.ofNanos(System.nanoTime() - burstStarted).toMillis());
        failures = 0;
      }
      try {
        admit(socket);
      } catch (RuntimeException bug) {
        // Nothing restarts this loop: a bug admitting one connection must not leave the port bound
        // and taking no one. That client is dropped; the next one is taken.
        log.error("listener {} dropped a connection from {}: admitting it failed", name, socket.getInetAddress(), bug);
        closeQuietly(socket);
      }
    }
  }

  /** Takes a permit for {@code socket} and runs the handler on a thread of its own, or refuses it. */
  private void admit(Socket socket) {
    ConnectionPermits.Result result = permits.acquire(socket.getInetAddress());
    if (result.refusal().isPresent()) {
      refuse(socket, result.refusal().get());
      return;
    }
    ConnectionPermits.Permit permit = result.permit().orElseThrow();
    Thread.ofVirtual()
        .name("smtp-" + name + "-" + connectionCounter.incrementAndGet())
        .start(() -> {
          try {
            handler.handle(socket, permit);
          } catch (RuntimeException bug) {
            // The handler owns the socket and the permit, but one that fails must not keep either:
            // a leaked socket is a descriptor gone, a leaked permit a client locked out.
            log.error("listener {}: the handler of a connection from {} failed", name, socket.getInetAddress(), bug);
            permit.close();
            closeQuietly(socket);
          }
        });
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Already gone.
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
    if (acceptThread != null) {
      acceptThread.interrupt(); // a pause after failed accept()s must not hold up the close
      try {
        acceptThread.join(5_000);
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
