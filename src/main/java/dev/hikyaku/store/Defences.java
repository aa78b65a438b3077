package dev.hikyaku.store;


import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The durable state of the abuse defences: blocks, each account's known-good source networks,
 * counter snapshots and account suspension. Writes go through the account writer (short
 * transactions, safe alongside the CLI in another process).
 */
public final class Defences {

  private final AccountWriter writer;
  private final ReadConnections readers;

  Defences(AccountWriter writer, ReadConnections readers) {
    this.writer = writer;
    this.readers = readers;
  }

  // ---- Blocks ----------------------------------------------------------------------------------

  /** Adds a block, or extends one with the same scope and subject. */
  public void block(Block block) throws StoreException {
    writer.write("blocking " + block.scope() + " " + block.subject(), connection -> {
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO block (scope, subject, until_at, reason, created_at) VALUES (?, ?, ?, ?, ?) "
                  + "ON CONFLICT (scope, subject) DO UPDATE SET until_at = "
                  // the later end: SQLite's scalar max(a, b) is an aggregate in PostgreSQL
                  + "CASE WHEN excluded.until_at > block.until_at THEN excluded.until_at ELSE block.until_at END, "
                  + "reason = excluded.reason")) {
        insert.setString(1, block.scope());
        insert.setString(2, block.subject());
        insert.setLong(3, block.until().toEpochMilli());
        insert.setString(4, block.reason());
        insert.setLong(5, block.createdAt().toEpochMilli());
        insert.executeUpdate();
      }
      return null;
    });
  }

  /** The blocks still in force at {@code now}, soonest to end first. */
  public List<Block> activeBlocks(Instant now) throws StoreException {
    return readers.read("listing blocks", connection -> {
      try (PreparedStatement select =
          connection.prepareStatement(
              "SELECT scope, subject, until_at, reason, created_at FROM block WHERE until_at > ? ORDER BY until_at, scope, subject")) {
        select.setLong(1, now.toEpochMilli());
        try (ResultSet rows = select.executeQuery()) {
          List<Block> blocks = new ArrayList<>();
          while (rows.next()) {
            blocks.add(
                new Block(
                    rows.getString(1),
                    rows.getString(2),
                    Instant.ofEpochMilli(rows.getLong(3)),
                    rows.getString(4),
                    Instant.ofEpochMilli(rows.getLong(5))));
          }
          return blocks;
        }
      }
    });
  }

  /** Removes a block; false when there was none. Ended blocks are deleted by {@link #purgeExpiredBlocks}. */
  public boolean unblock(String scope, String subject) throws StoreException {
    return writer.write("unblocking " + scope + " " + subject, connection -> {
      try (PreparedStatement delete = connection.prepareStatement("DELETE FROM block WHERE scope = ? AND subject = ?")) {
        delete.setString(1, scope);
        delete.setString(2, subject);
        return delete.executeUpdate() > 0;
      }
    });
  }

  /** Deletes blocks that ended at or before {@code now}; returns how many. The throttle's keeper calls it. */
  public int purgeExpiredBlocks(Instant now) throws StoreException {
    return writer.write("purging expired blocks", connection -> {
      try (PreparedStatement delete = connection.prepareStatement("DELETE FROM block WHERE until_at <= ?")) {
        delete.setLong(1, now.toEpochMilli());
        return delete.executeUpdate();
      }
    });
  }

  // ---- Known sources ---------------------------------------------------------------------------

  /** Records that {@code account} authenticated from {@code network} (a /24 or /64). */
  public void rememberSource(String account, String network, Instant at) throws StoreException {
    String login = account.toLowerCase(Locale.ROOT);
    writer.write("remembering a source of account " + login, connection -> {
      try (PreparedStatement upsert =
          connection.prepareStatement(
              "INSERT INTO known_source (account_id, network, last_success_at) "
                  + "SELECT id, ?, ? FROM account WHERE address = ? "
                  + "ON CONFLICT (account_id, network) DO UPDATE SET last_success_at = excluded.last_success_at")) {
        upsert.setString(1, network);
        upsert.setLong(2, at.toEpochMilli());
        upsert.setString(3, login);
        upsert.executeUpdate();
      }
      return null;
    });
  }

  public boolean isKnownSource(String account, String network) throws StoreException {
    String login = account.toLowerCase(Locale.ROOT);
    return readers.read("checking a source of account " + login, connection -> {
      try (PreparedStatement select =
          connection.prepareStatement(
              "SELECT 1 FROM known_source k JOIN account a ON a.id = k.account_id WHERE a.address = ? AND k.network = ?")) {
        select.setString(1, login);
        select.setString(2, network);
        try (ResultSet rows = select.executeQuery()) {
          return rows.next();
        }
      }
    });
  }

  // ---- Counter snapshots -----------------------------------------------------------------------

  /**
   * Adds this node's counts to the totals {@code group} (one component's counters) keeps, in one
   * transaction: first the totals of {@code reset} start again (deleted), then each of {@code added}
   * is added to its total, or replaces it when the total is of an earlier window; totals of windows
   * that began before {@code staleBefore} are deleted. Every node adds only what it counted since
   * its last exchange, so the totals are the cluster's. Other groups' counters are left alone.
   * Rows are written in name order, so that two nodes exchanging at once lock them in the same order.
   */
  public void addCounters(String group, Collection<CounterSnapshot> added, Collection<String> reset, Instant staleBefore)
      throws StoreException {
    List<CounterSnapshot> sorted = added.stream().sorted(Comparator.comparing(CounterSnapshot::name)).toList();
    List<String> cleared = reset.stream().sorted().toList();
    writer.writeDuringClose("saving " + group + " counters", connection -> {
      try (PreparedStatement clear = connection.prepareStatement("DELETE FROM counter WHERE name = ?");
          PreparedStatement add = connection.prepareStatement(ADD_COUNT);
          PreparedStatement purge = connection.prepareStatement(
              "DELETE FROM counter WHERE " + IN_GROUP + " AND window_start < ?")) {
        for (String name : cleared) {
          clear.setString(1, group + "/" + name);
          clear.addBatch();
        }
        clear.executeBatch();
        for (CounterSnapshot c : sorted) {
          add.setString(1, group + "/" + c.name());
          add.setLong(2, c.windowStart().toEpochMilli());
          add.setLong(3, c.count());
          add.addBatch();
        }
        add.executeBatch();
        purge.setString(1, group + "/");
        purge.setString(2, group + GROUP_END);
        purge.setLong(3, staleBefore.toEpochMilli());
        purge.executeUpdate();
      }
      return null;
    });
  }

  // A group's rows, "group/..." as a range of the primary key: every node reads its group every few
  // seconds, and a range is an index walk where substr() was a scan of every group's rows. '0' is
  // the character after '/', and both engines compare text by code point (the store's C locale).
  private static final String IN_GROUP = "name >= ? AND name < ?";
  private static final String GROUP_END = "0";

  // The same upsert on both engines: a count for the total's window adds to it, a later window's
  // replaces it, an earlier window's (a node whose clock lags) is dropped.
  private static final String ADD_COUNT =
      """
      INSERT INTO counter (name, window_start, count) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET
        count = CASE WHEN counter.window_start = excluded.window_start THEN counter.count + excluded.count
                     WHEN counter.window_start < excluded.window_start THEN excluded.count
                     ELSE counter.count END,
        window_start = CASE WHEN counter.window_start < excluded.window_start THEN excluded.window_start
                            ELSE counter.window_start END""";

  /** The totals {@code group} keeps, with their names as given to {@link #addCounters}. */
  public List<CounterSnapshot> savedCounters(String group) throws StoreException {
    return readers.read("reading " + group + " counters", connection -> {
      try (PreparedStatement select =
          connection.prepareStatement("SELECT name, window_start, count FROM counter WHERE " + IN_GROUP)) {
        select.setString(1, group + "/");
        select.setString(2, group + GROUP_END);
        try (ResultSet rows = select.executeQuery()) {
          List<CounterSnapshot> counters = new ArrayList<>();
          while (rows.next()) {
            counters.add(
                new CounterSnapshot(
                    rows.getString(1).substring(group.length() + 1), Instant.ofEpochMilli(rows.getLong(2)), rows.getLong(3)));
          }
          return counters;
        }
      }
    });
  }

  // ---- Suspension ------------------------------------------------------------------------------

  /** Suspends an account from sending (AUTH still works); the reason is shown to the admin. */
  public void suspend(String account, String reason, Instant at) throws StoreException {
    setSuspension(account, Optional.of(reason), at);
  }

  public void unsuspend(String account) throws StoreException {
    setSuspension(account, Optional.empty(), Instant.EPOCH);
  }

  /** The reason an account is suspended, if it is. */
  public Optional<String> suspension(String account) throws StoreException {
    String login = account.toLowerCase(Locale.ROOT);
    return readers.read("reading the suspension of account " + login, connection -> {
      try (PreparedStatement select = connection.prepareStatement("SELECT suspension_reason FROM account WHERE address = ?")) {
        select.setString(1, login);
        try (ResultSet rows = select.executeQuery()) {
          return rows.next() ? Optional.ofNullable(rows.getString(1)) : Optional.empty();
        }
      }
    });
  }

  private void setSuspension(String account, Optional<String> reason, Instant at) throws StoreException {
    String login = account.toLowerCase(Locale.ROOT);
    writer.write((reason.isPresent() ? "suspending" : "unsuspending") + " account " + login, connection -> {
      try (PreparedStatement update =
          connection.prepareStatement("UPDATE account SET suspended_at = ?, suspension_reason = ? WHERE address = ?")) {
        if (reason.isPresent()) {
          update.setLong(1, at.toEpochMilli());
          update.setString(2, reason.get());
        } else {
          update.setNull(1, Types.BIGINT);
          update.setNull(2, Types.VARCHAR);
        }
        update.setString(3, login);
        if (update.executeUpdate() == 0) {
          throw new StoreException(StoreException.Kind.NOT_FOUND, "account " + login + " not found");
        }
      }
      return null;
    });
  }

}
