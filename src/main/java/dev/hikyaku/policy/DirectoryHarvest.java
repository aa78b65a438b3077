package dev.hikyaku.policy;

import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.limits.DistinctCounter;
import dev.hikyaku.limits.WindowCounter;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The defence against directory harvesting on the relay port: a client that tries address after
 * address of a hosted domain to learn which exist. Counted per client address over an hour:
 *
 * <ul>
 *   <li>Every unknown recipient past the first {@link #FREE_UNKNOWN} (a typo or two is no attack)
 *       costs a delay before the 550 that doubles each time, from {@code tarpit} up to {@code
 *       tarpitMax}: the AUTH tarpit's rule, so that enumeration is slow however it is spread over
 *       connections.
 *   <li>At {@code unknownRecipientsPerHour} distinct unknown recipients the client's network (its
 *       /24 or /64, as the other abuse blocks) is blocked for the block duration and {@code
 *       directory-harvest} is reported as a suspected attack. Distinct, so that a mailing list
 *       resending to one stale address is not taken for a harvester.
 * </ul>
 *
 * Counters are in memory and bounded (an attacker with many addresses cannot exhaust the heap); the
 * block is durable, through {@link Blocks}.
 */
public final class DirectoryHarvest {

  /** Unknown recipients per address and hour that cost no delay. */
  public static final int FREE_UNKNOWN = 2;

  private static final Duration HOUR = Duration.ofHours(1);
  private static final long MAX_KEYS = 100_000;

  /**
   * @param tarpit the first delay, doubled for each further unknown recipient
   * @param tarpitMax the most one delay may be
   * @param unknownRecipientsPerHour distinct unknown recipients from one address within an hour at
   *     which its network is blocked
   */
  public record Settings(Duration tarpit, Duration tarpitMax, int unknownRecipientsPerHour) {
    public Settings {
      Objects.requireNonNull(tarpit, "tarpit");
      Objects.requireNonNull(tarpitMax, "tarpitMax");
      if (unknownRecipientsPerHour < 1) {
        throw new IllegalArgumentException("unknownRecipientsPerHour must be at least 1, was " + unknownRecipientsPerHour);
      }
    }
  }

  /** Where blocks are made: the same ones the session checks when a client connects. */
  @FunctionalInterface
  public interface Blocks {
    void blockNetwork(InetAddress client, String reason);
  }

  private final Settings settings;
  private final Blocks blocks;
  private final Events events;
  private final Clock clock;
  private final WindowCounter unknown;
  private final DistinctCounter distinct;

  public DirectoryHarvest(Settings settings, Blocks blocks, Events events, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.blocks = Objects.requireNonNull(blocks, "blocks");
    this.events = Objects.requireNonNull(events, "events");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.unknown = new WindowCounter(HOUR, MAX_KEYS, clock);
    // Past the threshold the exact number no longer matters; the cap also makes the report fire once.
    this.distinct = new DistinctCounter(HOUR, MAX_KEYS, settings.unknownRecipientsPerHour() + 1, clock);
  }

  /**
   * Counts one unknown recipient asked for by {@code client}, blocks its network when the count of
   * distinct ones reaches the threshold, and returns the delay before the client hears the 550.
   */
  public Duration unknownRecipient(InetAddress client, String recipient) {
    String address = client.getHostAddress();
    long count = unknown.increment(address);
    int seen = distinct.add(address, recipient.toLowerCase(Locale.ROOT));
    if (seen == settings.unknownRecipientsPerHour()) {
      String detail = address + " asked for " + seen + " unknown recipients within an hour";
      events.publish(new Event.AttackSuspected(clock.instant(), "directory-harvest", detail));
      blocks.blockNetwork(client, seen + " unknown recipients within an hour from " + address + " (directory harvest)");
    }
    return tarpit(count);
  }

  /** No delay for the first {@link #FREE_UNKNOWN}, then {@code tarpit} doubling up to {@code tarpitMax}. */
  Duration tarpit(long count) {
    if (count <= FREE_UNKNOWN) {
      return Duration.ZERO;
    }
    long doublings = Math.min(count - FREE_UNKNOWN - 1, 30);
    Duration delay = settings.tarpit().multipliedBy(1L << doublings);
    return delay.compareTo(settings.tarpitMax()) > 0 ? settings.tarpitMax() : delay;
  }
}
