package dev.hikyaku.session;

import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * How long one message's data may take in all: not only each read (the data timeout, RFC 5321
 * §4.5.3.2.5), but the whole, so that a client dribbling a byte just inside every timeout cannot
 * hold a session for ever. As Postfix's per-record deadline with {@code smtpd_min_data_rate}: the
 * time allowed so far is the data timeout plus one second per {@code minDataRate} octets received,
 * and never more than the data deadline. Real (monotonic) time, as socket timeouts are.
 */
final class DataDeadline {

  private final long startedNanos;
  private final long timeoutNanos;
  private final long capNanos;
  private final long minDataRate;

  private DataDeadline(SessionSettings settings) {
    this.startedNanos = System.nanoTime();
    this.timeoutNanos = settings.dataTimeout().toNanos();
    this.capNanos = settings.dataDeadline().toNanos();
    this.minDataRate = settings.minDataRate();
  }

  /** Starts the clock for one message (DATA, or the first BDAT of a transaction). */
  static DataDeadline start(SessionSettings settings) {
    return new DataDeadline(settings);
  }

  /**
   * How long the next read may wait, given {@code octets} received for this message so far.
   *
   * @throws SocketTimeoutException when the time allowed has run out: the session answers 421
   */
  Duration nextWait(long octets) throws SocketTimeoutException {
    long allowed = capNanos;
    if (minDataRate > 0) {
      // octets / rate seconds, without overflow for any size a message can have
      long earned = (long) Math.min(Long.MAX_VALUE / 2.0, octets * 1e9 / minDataRate);
      allowed = Math.min(capNanos, timeoutNanos + earned);
    }
    long left = startedNanos + allowed - System.nanoTime();
    if (left <= 0) {
      throw new SocketTimeoutException("message data arrived too slowly: " + octets + " octets in " + Duration.ofNanos(allowed));
    }
    return Duration.ofNanos(Math.max(1_000_000, Math.min(timeoutNanos, left)));
  }
}
