package dev.hikyaku.net;

import dev.hikyaku.limits.WindowCounter;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts open connections in total and per client address, shared by every listener, like Postfix's
 * anvil concurrency counters. A permit is taken on accept and given back on close.
 */
public final class ConnectionPermits {

  /** Why a connection was refused. */
  public enum Refusal {
    TOTAL_LIMIT,
    CLIENT_LIMIT,
    CLIENT_RATE
  }

  private final int maxTotal;
  private final int maxPerClient;
  private final int maxPerClientPerMinute;
  private final WindowCounter perMinute;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<InetAddress, Integer> perClient = new HashMap<>();
  private int total;

  public ConnectionPermits(int maxTotal, int maxPerClient) {
    this(maxTotal, maxPerClient, Integer.MAX_VALUE, Clock.systemUTC());
  }

  /** With a rate as well: at most {@code maxPerClientPerMinute} new connections per address per minute. */
  public ConnectionPermits(int maxTotal, int maxPerClient, int maxPerClientPerMinute, Clock clock) {
    this.maxTotal = maxTotal;
    this.maxPerClient = maxPerClient;
    this.maxPerClientPerMinute = maxPerClientPerMinute;
    this.perMinute = new WindowCounter(Duration.ofMinutes(1), 100_000, clock);
  }

  /** A held permit; closing it releases the count exactly once. */
  public final class Permit implements AutoCloseable {
    private final InetAddress client;
    private boolean isReleased;

    private Permit(InetAddress client) {
      this.client = client;
    }

    @Override
    public void close() {
      lock.lock();
      try {
        if (isReleased) {
          return;
        }
        isReleased = true;
        total--;
        perClient.computeIfPresent(client, (k, n) -> n == 1 ? null : n - 1);
      } finally {
        lock.unlock();
      }
    }
  }

  /** Takes a permit, or says which limit is reached. */
  public Result acquire(InetAddress client) {
    lock.lock();
    try {
      if (total >= maxTotal) {
        return new Result(Optional.empty(), Optional.of(Refusal.TOTAL_LIMIT));
      }
      int current = perClient.getOrDefault(client, 0);
      if (current >= maxPerClient) {
        return new Result(Optional.empty(), Optional.of(Refusal.CLIENT_LIMIT));
      }
      if (perMinute.increment(client.getHostAddress()) > maxPerClientPerMinute) {
        return new Result(Optional.empty(), Optional.of(Refusal.CLIENT_RATE));
      }
      perClient.put(client, current + 1);
      total++;
      return new Result(Optional.of(new Permit(client)), Optional.empty());
    } finally {
      lock.unlock();
    }
  }

  /** Exactly one of the two is present. */
  public record Result(Optional<Permit> permit, Optional<Refusal> refusal) {}

}
