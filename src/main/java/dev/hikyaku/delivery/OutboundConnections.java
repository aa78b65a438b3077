package dev.hikyaku.delivery;

import dev.hikyaku.protocol.DeliveryReasons;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound SMTP connections of one server: at most {@code maxPerHost} open to one address at
 * once, whatever domains it serves (one MX host often serves thousands), and each kept open for a
 * short while after its transaction so that the next message to the same place goes over it, as
 * Postfix's connection cache does.
 *
 * <p>A connection is reused only for the same address, certificate name, TLS policy and AUTH user:
 * mail for a destination under {@link TlsPolicy#VERIFY} never rides a connection that was opened
 * without verification. Before reuse the connection answers RSET (RFC 5321 §4.1.1.5); one that does
 * not (the server hung up while it was idle) is closed and a new one opened, so an idle timeout at
 * the server never costs a delivery attempt. An idle connection is closed with QUIT after {@code
 * idleLimit}, and any connection after {@code maxTransactions} or {@link #MAX_AGE}.
 *
 * <p>The limit counts open connections, idle ones included: a host's slots are held from connect to
 * close, which is what the receiving host counts.
 */
public final class OutboundConnections implements AutoCloseable {

  /** Postfix closes cached connections after 2 s idle (smtp_connection_cache_time_limit). */
  public static final Duration DEFAULT_IDLE_LIMIT = Duration.ofSeconds(2);
  /** Transactions over one connection before it is closed (keeps one stuck session from lasting). */
  public static final int DEFAULT_MAX_TRANSACTIONS = 100;
  /**
   * No reuse of a connection opened longer ago than this (Postfix's
   * smtp_connection_reuse_time_limit): the far end's configuration changes reach us.
   */
  static final Duration MAX_AGE = Duration.ofSeconds(300);
  /** How long a delivery waits for a free slot at a busy host before it tries the next host. */
  static final Duration SLOT_WAIT = Duration.ofMinutes(2);

  private static final Logger log = LoggerFactory.getLogger(OutboundConnections.class);
  private static final Duration SLOT_POLL = Duration.ofMillis(100);

  /** What a connection was opened for; reuse needs all of it to match. */
  public record Key(InetSocketAddress address, String serverName, TlsPolicy policy, Optional<String> user) {
    public Key {
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(serverName, "serverName");
      Objects.requireNonNull(policy, "policy");
      Objects.requireNonNull(user, "user");
    }
  }

  /** Opens a new session for a key (OutboundSession.open with the worker's settings). */
  @FunctionalInterface
  public interface Opener {
    OutboundSession open() throws OutboundException;
  }

  /** A session lent to one delivery; give it back with {@link #release}. */
  public static final class Connection {
    private final Key key;
    private final OutboundSession session;
    private final Semaphore slot;
    private final long openedAt = System.nanoTime();
    private int transactions;
    private long idleSince;

    private Connection(Key key, OutboundSession session, Semaphore slot) {
      this.key = key;
      this.session = session;
      this.slot = slot;
    }

    public OutboundSession session() {
      return session;
    }
  }

  private final int maxPerHost;
  private final long idleLimitNanos;
  private final int maxTransactions;
  private final Map<String, Semaphore> slots = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<Key, Deque<Connection>> idle = new HashMap<>(); // guarded by lock
  private final Thread reaper;
  private volatile boolean isClosed;
  private long reused; // guarded by lock
  private long opened; // guarded by lock

  public OutboundConnections(int maxPerHost, Duration idleLimit, int maxTransactions) {
    if (maxPerHost < 1) {
      throw new IllegalArgumentException("maxPerHost must be at least 1, was " + maxPerHost);
    }
    if (maxTransactions < 1) {
      throw new IllegalArgumentException("maxTransactions must be at least 1, was " + maxTransactions);
    }
    this.maxPerHost = maxPerHost;
    this.idleLimitNanos = idleLimit.toNanos();
    this.maxTransactions = maxTransactions;
    this.reaper = Thread.ofVirtual().name("hikyaku-outbound-reaper").start(this::reap);
  }

  /**
   * A connection for {@code key}: an idle one that answers RSET, or a new one from {@code opener}
   * once the host has a free slot.
   *
   * @throws OutboundException from the opener, or transient when the host's slots stay taken for
   *     {@link #SLOT_WAIT}
   */
  public Connection acquire(Key key, Opener opener) throws OutboundException {
    long deadline = System.nanoTime() + SLOT_WAIT.toNanos();
    Semaphore slot = slots.computeIfAbsent(hostOf(key), host -> new Semaphore(maxPerHost, true));
    while (true) {
      Optional<Connection> cached = takeIdle(key);
      if (cached.isPresent()) {
        Connection connection = cached.get();
        if (connection.session.reset()) {
          countReuse();
          return connection;
        }
        discard(connection); // hung up while idle: its slot is free again, open anew
        continue;
      }
      if (isClosed) {
        throw new OutboundException(DeliveryReasons.localFailure("delivery is shutting down"), null);
      }
      try {
        if (slot.tryAcquire(SLOT_POLL.toNanos(), TimeUnit.NANOSECONDS)) {
          try {
            Connection connection = new Connection(key, opener.open(), slot);
            countOpen();
            return connection;
          } catch (OutboundException | RuntimeException e) {
            slot.release();
            throw e;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new OutboundException(DeliveryReasons.localFailure("interrupted while waiting for a connection slot"), null);
      }
      if (System.nanoTime() - deadline > 0) {
        throw new OutboundException(DeliveryReasons.congested(
            maxPerHost + " connections to " + key.address() + " are in use (delivery.max-per-host)"), null);
      }
    }
  }

  /** Gives a connection back after a transaction: kept for reuse when it can be, else closed. */
  public void release(Connection connection) {
    connection.transactions++;
    if (isClosed || !connection.session.isReusable() || connection.transactions >= maxTransactions
        || System.nanoTime() - connection.openedAt >= MAX_AGE.toNanos()) {
      discard(connection);
      return;
    }
    connection.idleSince = System.nanoTime();
    lock.lock();
    try {
      idle.computeIfAbsent(connection.key, k -> new ArrayDeque<>()).push(connection);
    } finally {
      lock.unlock();
    }
  }

  /** Closes a connection that failed or is not wanted; its slot is free again. */
  public void discard(Connection connection) {
    try {
      connection.session.close();
    } finally {
      connection.slot.release();
    }
  }

  /** Connections opened and reuses served since the start, for tests and the log. */
  public long[] openedAndReused() {
    lock.lock();
    try {
      return new long[] {opened, reused};
    } finally {
      lock.unlock();
    }
  }

  /** Closes every idle connection with QUIT; connections on loan are closed when released. */
  @Override
  public void close() {
    isClosed = true;
    reaper.interrupt();
    List<Connection> all = new ArrayList<>();
    lock.lock();
    try {
      idle.values().forEach(all::addAll);
      idle.clear();
    } finally {
      lock.unlock();
    }
    all.forEach(this::discard);
  }

  private Optional<Connection> takeIdle(Key key) {
    lock.lock();
    try {
      Deque<Connection> waiting = idle.get(key);
      Connection connection = waiting == null ? null : waiting.poll(); // the most recently used
      if (waiting != null && waiting.isEmpty()) {
        idle.remove(key);
      }
      return Optional.ofNullable(connection);
    } finally {
      lock.unlock();
    }
  }

  private void countReuse() {
    lock.lock();
    try {
      reused++;
    } finally {
      lock.unlock();
    }
  }

  private void countOpen() {
    lock.lock();
    try {
      opened++;
    } finally {
      lock.unlock();
    }
  }

  /** Closes connections idle for longer than the limit, every quarter of the limit. */
  private void reap() {
    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(50), idleLimitNanos / 4);
    while (!isClosed) {
      try {
        TimeUnit.NANOSECONDS.sleep(period);
      } catch (InterruptedException e) {
        return;
      }
      List<Connection> expired = new ArrayList<>();
      long now = System.nanoTime();
      lock.lock();
      try {
        for (var it = idle.values().iterator(); it.hasNext(); ) {
          Deque<Connection> waiting = it.next();
          waiting.removeIf(c -> {
            boolean isExpired = now - c.idleSince >= idleLimitNanos;
            if (isExpired) {
              expired.add(c);
            }
            return isExpired;
          });
          if (waiting.isEmpty()) {
            it.remove();
          }
        }
      } finally {
        lock.unlock();
      }
      for (Connection connection : expired) {
        log.debug("closing idle connection to {}", connection.key.address());
        discard(connection);
      }
    }
  }

  /** The host a slot counts against: its IP address, or the name of an unresolved route host. */
  private static String hostOf(Key key) {
    InetSocketAddress address = key.address();
    return address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
  }
}
