package dev.hikyaku.store;

import java.time.Duration;
import java.util.Objects;

/**
 * Which node this process is among those sharing the store, and how long its delivery leases last
 * unless renewed (V20, {@link DeliveryLeases}).
 *
 * @param id the node's name ({@code store.node-id}), unique among live nodes
 * @param lease how long a claim holds without renewal ({@code store.lease})
 */
public record NodeIdentity(String id, Duration lease) {

  /** A store used by one process alone (SQLite, tests): any id will do. */
  public static final NodeIdentity LOCAL = new NodeIdentity("local", Duration.ofSeconds(60));

  public NodeIdentity {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(lease, "lease");
    if (id.isEmpty() || lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("a node needs an id and a positive lease");
    }
  }

  long leaseMillis() {
    return lease.toMillis();
  }
}
