package dev.hikyaku.metrics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The result of every check at one moment: up only when all are.
 *
 * @param checks each check's result, in the order the app named them
 */
public record HealthReport(Map<String, Health> checks) {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  public HealthReport {
    checks = Collections.unmodifiableMap(new LinkedHashMap<>(checks));
  }

  /** Runs every check once; a check that throws is down, with the exception as its reason. */
  public static HealthReport of(Map<String, HealthCheck> checks) {
    Map<String, Health> results = new LinkedHashMap<>();
    checks.forEach((name, check) -> results.put(name, run(check)));
    return new HealthReport(results);
  }

  private static Health run(HealthCheck check) {
    try {
      return check.check();
    } catch (RuntimeException e) {
      return Health.down(e.toString());
    }
  }

  public boolean isUp() {
    return checks.values().stream().allMatch(Health::isUp);
  }

  /**
   * {@code {"status":"UP","checks":{"store":"UP","listeners":"UP"}}}. Reasons stay out: the
   * endpoint has no authentication, and a store error can name paths and internals.
   */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("status", status(isUp()));
    ObjectNode parts = root.putObject("checks");
    checks.forEach((name, health) -> parts.put(name, status(health.isUp())));
    return JSON.writeValueAsString(root);
  }

  private static String status(boolean isUp) {
    return isUp ? "UP" : "DOWN";
  }
}
