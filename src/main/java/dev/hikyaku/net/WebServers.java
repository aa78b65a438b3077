package dev.hikyaku.net;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Starting a Helidon SE web server the way every HTTP socket of this server starts (the monitoring
 * endpoint, the API): no JVM shutdown hook of Helidon's own, Helidon's INFO lines quiet, and a
 * failure to bind told as one sentence naming the socket address and the config keys to change.
 */
public final class WebServers {

  // Helidon logs through java.util.logging, which our Logback setup does not route; its INFO lines
  // (feature list, "started") would reach stderr in another format. The callers log start and stop
  // themselves; its warnings and errors still show. Held in a field: JUL keeps loggers weakly, and a
  // collected logger would forget the level.
  private static final Logger HELIDON_LOG = Logger.getLogger("io.helidon");

  static {
    HELIDON_LOG.setLevel(Level.WARNING);
  }

  private WebServers() {}

  /** A builder bound to {@code address}:{@code port} (0: ephemeral) whose lifecycle the caller owns. */
  public static WebServerConfig.Builder builder(InetAddress address, int port) {
    return WebServer.builder()
        .address(address)
        .port(port)
        // Server owns the lifecycle; a JVM hook of Helidon's own would stop it out of order.
        .shutdownHook(false);
  }

  /** Why a server did not start: a sentence for the operator, and the exception when there was one. */
  public record Failure(String message, Optional<Throwable> cause) {}

  /**
   * Starts {@code server}; empty when it runs, else why not.
   *
   * @param what what is served, for the message: "HTTP", "the API"
   * @param section the config section that places it ({@code http}, {@code api}), for the advice
   */
  public static Optional<Failure> start(WebServer server, InetAddress address, int port, String what, String section) {
    String where = hostText(address) + ":" + port;
    try {
      server.start();
    } catch (RuntimeException e) {
      server.stop();
      return Optional.of(new Failure("cannot serve " + what + " on " + where + ": " + rootMessage(e), Optional.of(e)));
    }
    if (!server.isRunning()) {
      // Helidon logs a failed bind and returns stopped instead of throwing; ask the OS why.
      return Optional.of(
          new Failure("cannot serve " + what + " on " + where + ": " + bindProblem(address, port, section), Optional.empty()));
    }
    return Optional.empty();
  }

  /** Stops {@code server} when it runs (requests in progress get a short grace period); whether it did. */
  public static boolean stop(WebServer server) {
    if (!server.isRunning()) {
      return false;
    }
    server.stop();
    return true;
  }

  /** {@code 127.0.0.1}, {@code [::1]}: the host part of a URL. */
  public static String hostText(InetAddress address) {
    String host = address.getHostAddress();
    return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
  }

  /** Why {@code address}:{@code port} cannot be bound, found by trying. */
  private static String bindProblem(InetAddress address, int port, String section) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(address, port));
      return "the web server did not start (see its log above)";
    } catch (IOException e) {
      String reason = e.getMessage() == null ? e.toString() : e.getMessage();
      return reason + " (set " + section + ".port to a free port, or " + section + ".enabled: false)";
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
