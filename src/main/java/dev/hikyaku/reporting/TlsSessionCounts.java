package dev.hikyaku.reporting;

import dev.hikyaku.delivery.TlsSession;
import dev.hikyaku.store.TlsReports;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * Delivery's TLS sessions, counted per UTC day, policy and result (RFC 8460 §4.4: successes in the
 * summary, failures by result type, MX host and address) and added to the store's totals once a
 * minute ({@link DailyCounts}).
 */
public final class TlsSessionCounts implements TlsSession.Sink, AutoCloseable {

  private final Clock clock;
  private final DailyCounts<TlsReports.Count> counts;

  public TlsSessionCounts(TlsReports store, Clock clock) {
    this.clock = clock;
    this.counts = new DailyCounts<>("tls-report", store::add, TlsReports.Count::withSessions);
  }

  /** Starts the flushes. */
  public TlsSessionCounts start() {
    counts.start();
    return this;
  }

  @Override
  public void record(TlsSession session) {
    TlsSession.Policy policy = session.policy();
    boolean isSuccess = session.failure().isEmpty();
    counts.increment(new TlsReports.Count(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC), policy.domain(),
        policy.type().reportName(), policy.strings(), policy.mxHosts(),
        session.failure().map(TlsSession.Failure::resultType).orElse(TlsReports.SUCCESS),
        isSuccess ? "" : session.mxHost(), isSuccess ? "" : session.receivingIp(), 0));
  }

  /** Adds what was counted since the last flush to the store. */
  public void flush() {
    counts.flush();
  }

  @Override
  public void close() {
    counts.close();
  }
}
