/**
 * Metrics and health: a sink that turns {@link dev.hikyaku.events.Event}s into Prometheus meters,
 * and the HTTP endpoint that serves them ({@code /metrics}) beside a health check ({@code /health}).
 *
 * <h2>Place in the data flow</h2>
 *
 * At the end of every step: {@code events.Events} fans each event out to {@link
 * dev.hikyaku.metrics.MetricsSink}, which counts it. The one value not derived from events, the
 * queue depth, and the health checks are suppliers the app passes in; this package never queries
 * the store, opens a listener or reads the config itself. The endpoint runs on its own socket,
 * loopback by default ({@code http} in the config), started and stopped by {@code app.Server}.
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>Every label value is from a bounded set ({@code Labels}): configured listener names, fixed
 *       outcome and kind names, TLS versions, SASL mechanism names, and reply codes from the
 *       server's own catalogue. Anything else is {@code other}.
 *   <li>Counting never blocks and never throws into mail flow; a failing queue-depth supplier reads
 *       as NaN and is logged, a failing health check reads as DOWN and is logged.
 *   <li>{@code /health} says only UP or DOWN per check; the reasons go to the log.
 * </ul>
 *
 * <h2>Must never</h2>
 *
 * Use a client-controlled string as a label value (addresses, account names, client IPs, HELO
 * names, free-text reasons): each distinct value is a new time series, so a client could exhaust
 * Prometheus, and the values are personal data. Count anything that did not come through an event
 * (except the queue depth gauge). Serve a secret.
 */
package dev.hikyaku.metrics;
