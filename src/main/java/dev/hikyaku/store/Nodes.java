package dev.hikyaku.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The nodes sharing the store (V20's {@code node} table): each joins at start, beats every third
 * of a lease with its lease renewal, and is listed by {@code hikyaku cluster status}. A node id is
 * a node's name in every lease it holds, so two live processes must never share one: joining is
 * refused while a node elsewhere with the same id has been seen within two leases.
 */
public final class Nodes {

  /** One node as the table has it; {@code seenAt} by the lease clock. */
  public record Node(String id, String address, Instant startedAt, Instant seenAt) {}

  private static final String SELECT =
      "SELECT id, address, instance, started_at, seen_at FROM node";

  private final GroupCommitWriter writer;
  private final ReadConnections readers;
  private final DeliveryLeases leases;

  Nodes(GroupCommitWriter writer, ReadConnections readers, DeliveryLeases leases) {
    this.writer = writer;
    this.readers = readers;
    this.leases = leases;
  }

  /**
   * Writes this node's row, {@code address} (host name and process) and {@code instance} (random per
   * process). Refused ({@code CONFLICT}) when the row names another address seen within two leases:
   * a second node started with a copied config. The same address (this node restarted after a
   * crash) takes its row over.
   */
  public void join(String address, String instance, Instant now) throws StoreException {
    NodeIdentity node = leases.node();
    writer.apply("joining as node " + node.id(), connection -> {
      long at = leases.clock(connection, now);
      try (PreparedStatement select = connection.prepareStatement(SELECT + " WHERE id = ?")) {
        select.setString(1, node.id());
        try (ResultSet rows = select.executeQuery()) {
          if (rows.next() && !rows.getString("address").equals(address)
              && rows.getLong("seen_at") > at - 2 * node.leaseMillis()) {
            throw new StoreException(StoreException.Kind.CONFLICT, "node id " + node.id() + " is in use by "
                + rows.getString("address") + ", seen " + (at - rows.getLong("seen_at")) / 1000
                + " s ago; give this node its own store.node-id");
          }
        }
      }
      try (PreparedStatement upsert = connection.prepareStatement(
          "INSERT INTO node (id, address, instance, started_at, seen_at) VALUES (?, ?, ?, ?, ?)"
              + " ON CONFLICT (id) DO UPDATE SET address = excluded.address, instance = excluded.instance,"
              + " started_at = excluded.started_at, seen_at = excluded.seen_at")) {
        upsert.setString(1, node.id());
        upsert.setString(2, address);
        upsert.setString(3, instance);
        upsert.setLong(4, at);
        upsert.setLong(5, at);
        upsert.executeUpdate();
      }
      return null;
    });
  }

  /**
   * Moves this node's {@code seen_at} on; false when the row is another process's now (a node with
   * this id joined since), which the caller reports loudly: its leases are no longer its own.
   */
  public boolean beat(String instance, Instant now) throws StoreException {
    NodeIdentity node = leases.node();
    return writer.apply("heartbeat of node " + node.id(), connection -> {
      try (PreparedStatement beat = connection.prepareStatement(
          "UPDATE node SET seen_at = ? WHERE id = ? AND instance = ?")) {
        beat.setLong(1, leases.clock(connection, now));
        beat.setString(2, node.id());
        beat.setString(3, instance);
        return beat.executeUpdate() == 1;
      }
    });
  }

  /** Every node that has joined, by id, and the lease clock's now. */
  public Listing list(Instant now) throws StoreException {
    return readers.read("listing the nodes", connection -> {
      List<Node> nodes = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement(SELECT + " ORDER BY id");
          ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          nodes.add(new Node(rows.getString("id"), rows.getString("address"),
              Instant.ofEpochMilli(rows.getLong("started_at")), Instant.ofEpochMilli(rows.getLong("seen_at"))));
        }
      }
      return new Listing(List.copyOf(nodes), Instant.ofEpochMilli(leases.clock(connection, now)));
    });
  }

  /** The nodes, and the time they were listed at by the clock their {@code seenAt} is on. */
  public record Listing(List<Node> nodes, Instant at) {}
}
