package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node's hold on the queued messages it delivers (V20; SCALE.md §2.3), so that nodes sharing one
 * store never deliver a message at the same time, and a dead node's messages are taken over.
 *
 * <ul>
 *   <li><b>Claim</b> ({@link MessageQueue#claim}): a due message whose lease is free, lapsed or
 *       this node's own becomes this node's until now + lease, and its token goes up by one.
 *   <li><b>Renew</b> ({@link #renew}): every third of a lease, this node's live leases are moved on;
 *       a lease already lapsed is not revived (another node may hold the message by now).
 *   <li><b>Fence</b>: outcomes are written only while the message's token is the one it was claimed
 *       with ({@link #requireToken}, in the same transaction as the outcomes and the reports): a node
 *       that was paused or cut off past its lease writes nothing, and is told so ({@link #lost}).
 *   <li><b>Release</b> ({@link #release}): at the end of a pass, so another node may take what is
 *       still due at once rather than after the lease; at start, a node frees what its previous run
 *       held ({@link #releaseAll}).
 * </ul>
 *
 * Times are the database's clock where several nodes share it ({@link Dialect#clockQuery}), never a
 * node's: leases must lapse alike for every node.
 */
public final class DeliveryLeases {

  private static final String CLAIM = "UPDATE message SET lease_owner = ?, lease_until = ?, lease_token = lease_token + 1 WHERE ";
  private static final String FREE_LAPSED_OR_MINE = "(lease_owner = ? OR lease_until <= ?)";
  // A take-over: only what one other node held and let lapse, never what this node holds (in flight).
  private static final String LEFT_BY = "lease_owner = ? AND lease_until <= ?";
  // The nodes a take-over would take from; the partial index message_lease_owner holds only leased rows.
  private static final String LAPSED_OWNERS =
      "SELECT lease_owner FROM message WHERE lease_owner IS NOT NULL AND lease_owner <> ? AND lease_until <= ?"
          + " GROUP BY lease_owner ORDER BY lease_owner";
  private static final String TOKEN = "SELECT lease_token FROM message WHERE id = ?";
  private static final String HOLDER = "SELECT lease_token, lease_owner, lease_until FROM message WHERE id = ?";
  private static final String RENEW =
      "UPDATE message SET lease_until = ? WHERE lease_owner = ? AND lease_until > ?";
  private static final String RELEASE =
      "UPDATE message SET lease_owner = NULL, lease_until = 0 WHERE id = ? AND lease_owner = ? AND lease_token = ?";
  private static final String RELEASE_ALL =
      "UPDATE message SET lease_owner = NULL, lease_until = 0 WHERE lease_owner = ?";
  private static final String HELD =
      "SELECT lease_owner, count(*) FROM message WHERE lease_owner IS NOT NULL AND lease_until > ? GROUP BY lease_owner";

  private final GroupCommitWriter writer;
  private final ReadConnections readers;
  private final NodeIdentity node;
  private final AtomicLong lost = new AtomicLong();

  DeliveryLeases(GroupCommitWriter writer, ReadConnections readers, NodeIdentity node) {
    this.writer = writer;
    this.readers = readers;
    this.node = node;
  }

  /** The node the leases are held as. */
  public NodeIdentity node() {
    return node;
  }

  /** Outcomes refused since start because their lease had been taken over (fenced). */
  public long lost() {
    return lost.get();
  }

  /**
   * Moves this node's live leases on by a lease from now; returns how many. Run every third of a
   * lease (the node's heartbeat), so a delivery that takes longer than a lease keeps its message.
   */
  public int renew(Instant now) throws StoreException {
    return writer.apply("renewing the delivery leases of node " + node.id(), connection -> {
      long at = clock(connection, now);
      try (PreparedStatement renew = connection.prepareStatement(RENEW)) {
        renew.setLong(1, at + node.leaseMillis());
        renew.setString(2, node.id());
        renew.setLong(3, at);
        return renew.executeUpdate();
      }
    });
  }

  /** Gives up the leases of {@code claimed} (id to token) that are still this node's. */
  public void release(Map<QueueId, Long> claimed) throws StoreException {
    if (claimed.isEmpty()) {
      return;
    }
    writer.apply("releasing " + claimed.size() + " delivery lease(s)", connection -> {
      try (PreparedStatement release = connection.prepareStatement(RELEASE)) {
        for (Map.Entry<QueueId, Long> entry : claimed.entrySet()) {
          release.setString(1, entry.getKey().value());
          release.setString(2, node.id());
          release.setLong(3, entry.getValue());
          release.addBatch();
        }
        release.executeBatch();
      }
      return null;
    });
  }

  /**
   * Frees every lease held in this node's name: at start, when nothing of this process is in flight
   * and what its previous run held (a crash) is to be delivered now rather than after the lease.
   * Only safe once the node table has shown no other live process uses this id ({@link Nodes#join}).
   */
  public int releaseAll() throws StoreException {
    return writer.apply("releasing the leases of node " + node.id(), connection -> {
      try (PreparedStatement release = connection.prepareStatement(RELEASE_ALL)) {
        release.setString(1, node.id());
        return release.executeUpdate();
      }
    });
  }

  /** Live leases by node, for {@code hikyaku cluster status}. */
  public Map<String, Long> held(Instant now) throws StoreException {
    return readers.read("counting delivery leases", connection -> {
      Map<String, Long> held = new LinkedHashMap<>();
      try (PreparedStatement count = connection.prepareStatement(HELD)) {
        count.setLong(1, clock(connection, now));
        try (ResultSet rows = count.executeQuery()) {
          while (rows.next()) {
            held.put(rows.getString(1), rows.getLong(2));
          }
        }
      }
      return held;
    });
  }

  /**
   * The other nodes that hold leases they let lapse (a node died or stalled), by name: whose mail a
   * take-over pass would take, one pass per node ({@code MessageQueue#takeOver}).
   */
  public List<String> lapsedOwners(Instant now) throws StoreException {
    return readers.read("finding lapsed delivery leases", connection -> {
      List<String> owners = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement(LAPSED_OWNERS)) {
        select.setString(1, node.id());
        select.setLong(2, clock(connection, now));
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            owners.add(rows.getString(1));
          }
        }
      }
      return owners;
    });
  }

  /**
   * Claims those of {@code candidates} that are free, lapsed or this node's (a take-over, {@code
   * leftBy} present: only those that node held and let lapse), at most {@code limit}, in the
   * writer's transaction; returns the claimed ones with their new tokens, in the candidates' order.
   */
  Map<QueueId, Long> claim(List<QueueId> candidates, Instant now, Optional<String> leftBy, int limit) throws StoreException {
    if (candidates.isEmpty()) {
      return Map.of();
    }
    return writer.apply("claiming " + candidates.size() + " due message(s)", connection -> {
      long at = clock(connection, now);
      Map<QueueId, Long> claimed = new LinkedHashMap<>();
      // A row another node's open transaction has locked is passed over, not waited for.
      String sql = CLAIM + readers.dialect().unlessLocked("message", leftBy.isPresent() ? LEFT_BY : FREE_LAPSED_OR_MINE);
      try (PreparedStatement claim = connection.prepareStatement(sql);
          PreparedStatement token = connection.prepareStatement(TOKEN)) {
        for (QueueId id : candidates) {
          if (claimed.size() >= limit) {
            break;
          }
          claim.setString(1, node.id());
          claim.setLong(2, at + node.leaseMillis());
          claim.setString(3, id.value());
          claim.setString(4, leftBy.orElse(node.id()));
          claim.setLong(5, at);
          if (claim.executeUpdate() == 1) {
            token.setString(1, id.value());
            try (ResultSet rows = token.executeQuery()) {
              rows.next();
              claimed.put(id, rows.getLong(1));
            }
          }
        }
      }
      return claimed;
    });
  }

  /**
   * Whether this node still holds message {@code id} under {@code token}: the token is still the
   * message's and its lease has not lapsed. Asked before a delivery begins late in a pass (after a
   * pause, the message may be another node's by now), so that a node that stalled does not deliver
   * what it no longer holds; the outcome would be fenced anyway, but the mail would have gone twice.
   * A message gone from the queue is not held.
   */
  public boolean isHeld(QueueId id, long token, Instant now) throws StoreException {
    return readers.read("checking the delivery lease of message " + id, connection -> {
      long at = clock(connection, now);
      try (PreparedStatement select = connection.prepareStatement(HOLDER)) {
        select.setString(1, id.value());
        try (ResultSet rows = select.executeQuery()) {
          return rows.next() && rows.getLong(1) == token && node.id().equals(rows.getString(2)) && rows.getLong(3) > at;
        }
      }
    });
  }

  /**
   * Inside the transaction that writes a delivery's outcomes: refuses ({@code CONFLICT}) when the
   * message's lease has been claimed again since {@code token} was handed out, so nothing of the
   * stale delivery is written (no outcome, no report: a DSN is made once).
   */
  void requireToken(Connection connection, QueueId id, long token) throws SQLException, StoreException {
    try (PreparedStatement select = connection.prepareStatement(TOKEN)) {
      select.setString(1, id.value());
      try (ResultSet rows = select.executeQuery()) {
        if (rows.next() && rows.getLong(1) != token) {
          lost.incrementAndGet();
          throw new StoreException(StoreException.Kind.CONFLICT, "the delivery lease of message " + id
              + " was taken over by another node (token " + token + " is stale); its outcomes are not written");
        }
      }
    }
  }

  /** The lease clock: the database's where it has one for all nodes, else the caller's. */
  long clock(Connection connection, Instant callers) throws SQLException {
    if (readers.dialect().clockQuery().isEmpty()) {
      return callers.toEpochMilli();
    }
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(readers.dialect().clockQuery().get())) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
