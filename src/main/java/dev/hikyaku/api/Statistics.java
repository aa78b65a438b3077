package dev.hikyaku.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The traffic of the whole server over the last hour or day, for its operators' overview:
 * messages accepted, delivered, deferred and failed per interval, the share of deliveries made over
 * TLS, the queue's depth and oldest message, failed logins and blocks in force. The app backs it
 * with the message history and the queue in the store, and counts failed logins as they happen.
 */
public interface Statistics {

  /** Nothing counted. */
  Statistics NONE = window -> new Overview(window, List.of(), 0, Optional.empty(), 0, 0);

  /**
   * The overview of the last {@code window}.
   *
   * @throws Unavailable if the store cannot answer now
   */
  Overview overview(Window window) throws Unavailable;

  /** How far back, in intervals of what length. */
  enum Window {
    HOUR(Duration.ofMinutes(5), 12),
    DAY(Duration.ofHours(1), 24);

    private final Duration interval;
    private final int intervals;

    Window(Duration interval, int intervals) {
      this.interval = interval;
      this.intervals = intervals;
    }

    public Duration interval() {
      return interval;
    }

    public int intervals() {
      return intervals;
    }

    /** Where the first of the window's intervals starts, for one ending after {@code now}. */
    public Instant start(Instant now) {
      long length = interval.toMillis();
      return Instant.ofEpochMilli((now.toEpochMilli() / length + 1) * length).minus(interval.multipliedBy(intervals));
    }
  }

  /** The counts of one interval; {@code failed}: failed, expired or returned to the sender. */
  record Interval(Instant start, long accepted, long delivered, long deferred, long failed, long deliveredOverTls) {}

  /**
   * @param authFailures failed logins (SMTP AUTH and the console) in the window, on this node
   */
  record Overview(Window window, List<Interval> intervals, long queueDepth, Optional<Instant> oldestQueued, long authFailures,
      int activeBlocks) {
    public Overview {
      Objects.requireNonNull(window, "window");
      intervals = List.copyOf(intervals);
    }
  }
}
