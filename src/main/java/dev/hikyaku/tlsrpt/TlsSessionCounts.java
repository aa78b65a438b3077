package dev.hikyaku.tlsrpt;

import dev.hikyaku.delivery.TlsSession;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.store.TlsReports;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery's TLS sessions, counted here per UTC day, policy and result, and added to the store's
 * totals every {@link #FLUSH_EVERY} and at close (one short transaction, not one per session).
 * Counts the store could not take are kept for the next flush; a crash loses at most a minute of
 * counts, which a statistical report can bear.
 */
public final class TlsSessionCounts implements TlsSession.Sink, AutoCloseable {

  static final Duration FLUSH_EVERY = Duration.ofMinutes(1);

  private static final Logger log = LoggerFactory.getLogger(TlsSessionCounts.class);

  private final TlsReports store;
  private final Clock clock;
  private final Map<TlsReports.Count, LongAdder> counts = new ConcurrentHashMap<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private Thread flusher;

  public TlsSessionCounts(TlsReports store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** Starts the flushes. */
  public TlsSessionCounts start() {
    flusher = Thread.ofVirtual().name("tls-report-counts").start(() -> {
      try {
        while (!closed.await(FLUSH_EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
          flush();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    return this;
  }

  @Override
  public void record(TlsSession session) {
    TlsSession.Policy policy = session.policy();
    boolean isSuccess = session.failure().isEmpty();
    TlsReports.Count key = new TlsReports.Count(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC), policy.domain(),
        policy.type().reportName(), policy.strings(), policy.mxHosts(),
        session.failure().map(TlsSession.Failure::resultType).orElse(TlsReports.SUCCESS),
        isSuccess ? "" : session.mxHost(), isSuccess ? "" : session.receivingIp(), 0);
    counts.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  /** Adds what was counted since the last flush to the store; keeps it when the store fails. */
  public void flush() {
    List<TlsReports.Count> taken = new ArrayList<>();
    for (TlsReports.Count key : List.copyOf(counts.keySet())) {
      LongAdder adder = counts.remove(key);
      long sessions = adder == null ? 0 : adder.sumThenReset();
      if (sessions > 0) {
        taken.add(key.withSessions(sessions));
      }
    }
    try {
      store.add(taken);
    } catch (StoreException e) {
      log.warn("could not save {} TLS session count(s); kept for the next try: {}", taken.size(), e.getMessage());
      taken.forEach(count -> counts.computeIfAbsent(count.withSessions(0), k -> new LongAdder()).add(count.sessions()));
    }
  }

  @Override
  public void close() {
    closed.countDown();
    if (flusher != null) {
      try {
        flusher.join(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    flush();
  }
}
