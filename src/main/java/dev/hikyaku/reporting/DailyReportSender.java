package dev.hikyaku.reporting;

import dev.hikyaku.store.ReportLedger;
import dev.hikyaku.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop of a daily report: every {@link #EVERY}, the reports of yesterday and the day before (for
 * a server that was down at midnight) that no node has taken on are sent, then counts older than
 * {@link #KEPT_DAYS} go.
 */
abstract class DailyReportSender implements AutoCloseable {

  static final Duration EVERY = Duration.ofHours(1);
  /** How long the counts are kept after their day: a week, for an operator to look at. */
  static final int KEPT_DAYS = 7;

  private static final Logger log = LoggerFactory.getLogger(DailyReportSender.class);

  private final String what;
  final ReportLedger ledger;
  final Clock clock;
  private final CountDownLatch closed = new CountDownLatch(1);
  private Thread sender;

  DailyReportSender(String what, ReportLedger ledger, Clock clock) {
    this.what = what;
    this.ledger = ledger;
    this.clock = clock;
  }

  /**
   * Sends the report of {@code domain} for {@code day} when this node takes it on ({@link
   * ReportLedger#take}); whether it went anywhere.
   */
  abstract boolean send(LocalDate day, String domain) throws StoreException;

  /** Starts the looks: the first at once. */
  void startLoop() {
    sender = Thread.ofVirtual().name(what + "-reports").start(() -> {
      try {
        do {
          sendDue();
        } while (!closed.await(EVERY.toMillis(), TimeUnit.MILLISECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  /** One look: the reports of yesterday and the day before that no node has sent; returns how many went. */
  public int sendDue() {
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    int sent = 0;
    for (LocalDate day : List.of(today.minusDays(2), today.minusDays(1))) {
      try {
        for (String domain : ledger.unreported(day)) {
          sent += send(day, domain) ? 1 : 0;
        }
      } catch (StoreException e) {
        log.warn("{} reports for {}: {}", what, day, e.getMessage());
      }
    }
    try {
      ledger.prune(today.minusDays(KEPT_DAYS));
    } catch (StoreException e) {
      log.warn("could not prune {} report counts: {}", what, e.getMessage());
    }
    return sent;
  }

  @Override
  public void close() {
    closed.countDown();
    if (sender != null) {
      try {
        sender.join(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
