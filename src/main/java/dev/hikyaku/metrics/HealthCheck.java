package dev.hikyaku.metrics;

/**
 * One named part of {@code /health}, supplied by the app (the store answers a query, the listeners
 * accept). Runs on the request's thread at every request, so it must be cheap; a check that throws
 * counts as down.
 */
@FunctionalInterface
public interface HealthCheck {
  Health check();
}
