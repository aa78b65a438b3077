package dev.hikyaku.schedule;

import java.util.OptionalInt;

/**
 * How hard the scheduler may push one destination domain: deliveries at once, and at most so many
 * started in any minute. RFC 5321 §4.5.4.1 asks senders to limit simultaneous connections to one
 * host; large receivers and the Japanese mobile carriers also refuse senders that go faster than
 * they allow, so their limits are set per domain.
 *
 * @param concurrency deliveries at once, at least 1
 * @param messagesPerMinute deliveries started in any 60 seconds; empty for no limit
 */
public record DestinationLimits(int concurrency, OptionalInt messagesPerMinute) {

  public DestinationLimits {
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
    }
    if (messagesPerMinute.isPresent() && messagesPerMinute.getAsInt() < 1) {
      throw new IllegalArgumentException("messagesPerMinute must be at least 1, was " + messagesPerMinute.getAsInt());
    }
  }

  /** {@code concurrency} at once and no rate limit. */
  public static DestinationLimits concurrency(int concurrency) {
    return new DestinationLimits(concurrency, OptionalInt.empty());
  }
}
