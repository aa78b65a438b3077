package dev.hikyaku.api;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1/stats} (operators, scope {@code admin}): the server's traffic over the last {@code
 * window} ({@code hour}, in 5-minute intervals, or {@code day}, in hours; {@code day} when not
 * given), with the totals, the share of deliveries made over TLS, the queue, failed logins and
 * blocks in force ({@link Statistics}).
 */
final class StatsRoutes {

  private static final Logger log = LoggerFactory.getLogger(StatsRoutes.class);

  private static final String WINDOW = "window";

  private final Statistics statistics;

  StatsRoutes(Statistics statistics) {
    this.statistics = statistics;
  }

  List<Route> routes() {
    return List.of(QueueRoutes.operator("GET", "/v1/stats", this::overview));
  }

  private Answer overview(ApiRequest request) throws Refusal {
    QueryParameters query = QueryParameters.of(request, List.of(WINDOW));
    String name = query.text(WINDOW).orElse("day").toLowerCase(Locale.ROOT);
    Statistics.Window window = switch (name) {
      case "hour" -> Statistics.Window.HOUR;
      case "day" -> Statistics.Window.DAY;
      default -> throw query.notOneOf(WINDOW, name, List.of("hour", "day"));
    };
    Statistics.Overview overview;
    try {
      overview = statistics.overview(window);
    } catch (Unavailable e) {
      log.warn("API: cannot count the traffic: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
    ObjectNode body = ApiRequest.JSON.createObjectNode();
    body.put(WINDOW, name);
    body.put("interval_seconds", window.interval().toSeconds());
    long accepted = 0;
    long delivered = 0;
    long deferred = 0;
    long failed = 0;
    long overTls = 0;
    ArrayNode intervals = body.putArray("intervals");
    for (Statistics.Interval interval : overview.intervals()) {
      ObjectNode node = intervals.addObject();
      node.put("start", interval.start().toString());
      node.put("accepted", interval.accepted());
      node.put("delivered", interval.delivered());
      node.put("deferred", interval.deferred());
      node.put("failed", interval.failed());
      accepted += interval.accepted();
      delivered += interval.delivered();
      deferred += interval.deferred();
      failed += interval.failed();
      overTls += interval.deliveredOverTls();
    }
    ObjectNode totals = body.putObject("totals");
    totals.put("accepted", accepted);
    totals.put("delivered", delivered);
    totals.put("deferred", deferred);
    totals.put("failed", failed);
    if (delivered == 0) {
      body.putNull("tls_share");
    } else {
      body.put("tls_share", Math.round(1000.0 * overTls / delivered) / 1000.0);
    }
    ObjectNode queue = body.putObject("queue");
    queue.put("depth", overview.queueDepth());
    MessageJson.put(queue, "oldest_received_at", overview.oldestQueued().map(Instant::toString));
    body.put("auth_failures", overview.authFailures());
    body.put("active_blocks", overview.activeBlocks());
    return new Answer.Json(200, ApiRequest.JSON.writeValueAsString(body));
  }
}
