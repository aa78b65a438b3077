package dev.hikyaku.metrics;

import dev.hikyaku.net.WebServers;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitoring endpoint, plain HTTP on Helidon SE (one virtual thread per request):
 *
 * <ul>
 *   <li>{@code GET /metrics}: every meter in Prometheus text format;
 *   <li>{@code GET /health}: {@code {"status":"UP"|"DOWN","checks":{...}}}, 200 when every check
 *       is up, 503 otherwise (what load balancers and orchestrators read without parsing).
 * </ul>
 *
 * Anything else is 404. There is no authentication: bind it to loopback or a private address.
 */
public final class MetricsEndpoint implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);

  private final WebServer server;

  private MetricsEndpoint(WebServer server) {
    this.server = server;
  }

  /**
   * Binds {@code address}:{@code port} (0: an ephemeral port, see {@link #port()}) and starts
   * serving.
   *
   * @param checks the parts of {@code /health}, in the order the JSON lists them
   * @throws StartFailure if the port cannot be bound; the message names the socket address
   */
  public static MetricsEndpoint start(
      InetAddress address, int port, MetricsSink metrics, Map<String, HealthCheck> checks) throws StartFailure {
    Map<String, HealthCheck> ordered = new LinkedHashMap<>(checks);
    Map<String, Boolean> lastSeenUp = new ConcurrentHashMap<>();
    WebServer server =
        WebServers.builder(address, port)
            .routing(
                routing ->
                    routing
                        .get("/metrics", (request, response) -> metrics(metrics, response))
                        .get("/health", (request, response) -> health(ordered, lastSeenUp, request, response)))
            .build();
    Optional<WebServers.Failure> failure = WebServers.start(server, address, port, "HTTP", "http");
    if (failure.isPresent()) {
      throw new StartFailure(failure.get().message(), failure.get().cause().orElse(null));
    }
    log.info("metrics and health on http://{}:{}/", WebServers.hostText(address), server.port());
    return new MetricsEndpoint(server);
  }

  private static void metrics(MetricsSink metrics, ServerResponse response) {
    response.header("Content-Type", MetricsSink.CONTENT_TYPE);
    response.header("Cache-Control", "no-store");
    response.send(metrics.scrape().getBytes(StandardCharsets.UTF_8));
  }

  private static void health(
      Map<String, HealthCheck> checks, Map<String, Boolean> lastSeenUp, ServerRequest request, ServerResponse response) {
    HealthReport report = HealthReport.of(checks);
    logChanges(report, lastSeenUp);
    response.status(report.isUp() ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503);
    response.header("Content-Type", "application/json");
    response.header("Cache-Control", "no-store");
    response.send(report.toJson().getBytes(StandardCharsets.UTF_8));
  }

  /** The reason a check is down goes to the log, once per change, not to the unauthenticated client. */
  private static void logChanges(HealthReport report, Map<String, Boolean> lastSeenUp) {
    report.checks().forEach((name, health) -> {
      Boolean before = lastSeenUp.put(name, health.isUp());
      boolean isChanged = before == null ? !health.isUp() : before != health.isUp();
      if (!isChanged) {
        return;
      }
      switch (health) {
        case Health.Down down -> log.warn("health check {} is DOWN: {}", name, down.reason());
        case Health.Up up -> log.info("health check {} is UP again", name);
      }
    });
  }

  /** The bound port (the real one when 0 was asked for). */
  public int port() {
    return server.port();
  }

  /** Stops serving; requests in progress get a short grace period. Idempotent. */
  @Override
  public void close() {
    if (WebServers.stop(server)) {
      log.info("metrics and health endpoint stopped");
    }
  }

  /** The endpoint could not start; the message says where and why. */
  public static final class StartFailure extends Exception {
    StartFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
