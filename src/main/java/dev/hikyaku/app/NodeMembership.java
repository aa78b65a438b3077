package dev.hikyaku.app;

import ch.qos.logback.classic.LoggerContext;
import dev.hikyaku.app.Server.StartupException;
import dev.hikyaku.store.Nodes;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node among the nodes sharing the store (issue 16): it joins at start (refused when a live
 * node elsewhere has its id), frees what its previous run held, then every third of a lease renews
 * its delivery leases and its heartbeat. With the SQLite store it runs the same way, alone.
 */
final class NodeMembership implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(NodeMembership.class);

  private final Store store;
  private final Clock clock;
  private final String instance;
  private final Thread heartbeat;
  private volatile boolean isClosed;
  private volatile int liveNodes = 1;

  private NodeMembership(Store store, Clock clock, String instance, Duration every) {
    this.store = store;
    this.clock = clock;
    this.instance = instance;
    this.heartbeat = Thread.ofVirtual().name("hikyaku-node-heartbeat").unstarted(() -> beat(every));
  }

  /**
   * Joins as the store's node and starts the heartbeat; refused when the id is another live node's.
   * On a store {@code isShared} by several nodes, every log line from now on names this node.
   */
  static NodeMembership join(Store store, boolean isShared, Clock clock) throws StartupException {
    byte[] random = new byte[8];
    new SecureRandom().nextBytes(random);
    String instance = HexFormat.of().formatHex(random);
    String id = store.queue().leases().node().id();
    if (isShared && LoggerFactory.getILoggerFactory() instanceof LoggerContext logs) {
      logs.putProperty("node", "[" + id + "] "); // logback.xml's %property{node}
    }
    try {
      store.nodes().join(address(), instance, clock.instant());
      int freed = store.queue().leases().releaseAll();
      if (freed > 0) {
        log.info("node {}: took back {} message(s) its previous run held", id, freed);
      }
    } catch (StoreException e) {
      throw new StartupException("cannot join as node " + id + ": " + e.getMessage(), e);
    }
    NodeMembership membership =
        new NodeMembership(store, clock, instance, store.queue().leases().node().lease().dividedBy(3));
    membership.countLiveNodes();
    membership.heartbeat.start();
    log.info("joined as node {}", id);
    return membership;
  }

  private void beat(Duration every) {
    boolean isFailing = false;
    while (!isClosed) {
      try {
        Thread.sleep(every);
        store.queue().leases().renew(clock.instant());
        countLiveNodes();
        if (!store.nodes().beat(instance, clock.instant())) {
          log.error("node {}: another process has joined with this node id; its leases and ours are now one: "
              + "give each node its own store.node-id", store.queue().leases().node().id());
        }
        if (isFailing) {
          isFailing = false;
          log.info("node heartbeat written again");
        }
      } catch (InterruptedException e) {
        return;
      } catch (StoreException | RuntimeException e) {
        if (!isFailing && !isClosed) {
          isFailing = true;
          // The leases lapse if this goes on past a lease: other nodes take the work over.
          log.warn("node heartbeat failed: {}", e.getMessage());
        }
      }
    }
  }

  /**
   * How many nodes share the store now, this one included: those seen within two leases (as {@code
   * hikyaku cluster status} counts them), refreshed at every beat. The scheduler divides the
   * per-destination limits by it.
   */
  int liveNodes() {
    return liveNodes;
  }

  private void countLiveNodes() {
    try {
      Nodes.Listing listing = store.nodes().list(clock.instant());
      Duration gone = store.queue().leases().node().lease().multipliedBy(2);
      long alive = listing.nodes().stream()
          .filter(node -> Duration.between(node.seenAt(), listing.at()).compareTo(gone) < 0)
          .count();
      int counted = (int) Math.max(1, alive);
      if (counted != liveNodes) {
        log.info("{} node(s) share the store now; each takes its share of every destination's limits", counted);
      }
      liveNodes = counted;
    } catch (StoreException e) {
      // Keep the last count: a node that cannot read the store delivers nothing meanwhile anyway.
      log.debug("could not count the nodes: {}", e.getMessage());
    }
  }

  /**
   * The host name, for the operator reading {@code cluster status}, and what tells this node's own
   * restart (same host) from a second node with a copied config (another host).
   */
  private static String address() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown-host";
    }
  }

  @Override
  public void close() {
    isClosed = true;
    heartbeat.interrupt();
    try {
      heartbeat.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
