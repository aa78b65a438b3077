package dev.hikyaku.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * A queue flush applied in batches: {@link QueueAdmin#requestFlush} writes a request (all deferred
 * recipients, or one destination's, up to the number it counted then), and the scheduler applies it
 * a batch per pass through {@link MessageQueue#applyFlush}, so that no flush of a big destination
 * holds the write lock, and every session's 250 waiting on it, for long.
 */
final class QueueFlush {

  private static final String OPEN = MessageQueue.OPEN;

  /**
   * Recipients made due per transaction by {@link #applyBatch}: a flush of a big destination moves
   * tens of thousands, and in one transaction it held the write lock (and the group commit of every
   * session waiting for its 250) for a second or more; batches of 1,000 still held it ~200 ms each
   * under load. 250 keeps a batch to tens of milliseconds (bench/README.md "Queue at scale").
   */
  static final int FLUSH_BATCH = 250;
  // Each batch takes the next deferred recipients not yet due now; those it makes due (NULL) drop
  // out of the range, so the batches make progress and each reads only what it changes:
  // recipient_domain_state_next_attempt_at (V17) and recipient_open_next_attempt_at (V19).
  private static final String DOMAIN_NOT_DUE = "domain = ? AND state = 'deferred' AND next_attempt_at IS NOT NULL";
  // "state IN OPEN" too: it is what lets the planner use the partial recipient_open_next_attempt_at.
  private static final String NOT_DUE =
      "state IN " + OPEN + " AND state = 'deferred' AND next_attempt_at IS NOT NULL";
  static final String FLUSH_DOMAIN =
      "UPDATE recipient SET next_attempt_at = NULL WHERE (message_id, position) IN (SELECT message_id, position FROM recipient WHERE " + DOMAIN_NOT_DUE + " LIMIT ?)";
  static final String FLUSH_ALL =
      "UPDATE recipient SET next_attempt_at = NULL WHERE (message_id, position) IN (SELECT message_id, position FROM recipient WHERE " + NOT_DUE + " LIMIT ?)";
  static final String COUNT_DOMAIN_NOT_DUE = "SELECT count(*) FROM recipient WHERE " + DOMAIN_NOT_DUE;
  static final String COUNT_NOT_DUE = "SELECT count(*) FROM recipient WHERE " + NOT_DUE;
  // The oldest request first: requests are applied in the order they were made.
  static final String SELECT_FLUSH_REQUEST =
      "SELECT id, domain, remaining FROM flush_request ORDER BY id LIMIT 1";

  private final GroupCommitWriter writer;
  private final ReadConnections readers;

  QueueFlush(GroupCommitWriter writer, ReadConnections readers) {
    this.writer = writer;
    this.readers = readers;
  }

  /**
   * Applies one batch (at most {@link #FLUSH_BATCH} recipients, one short transaction) of the oldest
   * {@link QueueAdmin#requestFlush flush request}, and removes the request once a batch finds fewer than it
   * could take or its budget is spent. The scheduler calls this between passes; the recipients made
   * due are then taken by its due passes like any other, under their destination's limits.
   *
   * @return true when a request was open (call again: there may be more to do), false when none was
   */
  boolean applyBatch() throws StoreException {
    // Read first: every pass calls this, and a write transaction (with its fsync) for nothing would
    // cost each pass a commit.
    boolean isRequested = readers.read("looking for a queue flush", connection -> {
      try (PreparedStatement select = connection.prepareStatement(SELECT_FLUSH_REQUEST);
          ResultSet row = select.executeQuery()) {
        return row.next();
      }
    });
    if (!isRequested) {
      return false;
    }
    return writer.apply("applying a queue flush", connection -> {
      long id;
      String domain;
      long remaining;
      try (PreparedStatement select = connection.prepareStatement(SELECT_FLUSH_REQUEST);
          ResultSet row = select.executeQuery()) {
        if (!row.next()) {
          return false;
        }
        id = row.getLong("id");
        domain = row.getString("domain");
        remaining = row.getLong("remaining");
      }
      int limit = (int) Math.min(FLUSH_BATCH, remaining);
      int changed;
      try (PreparedStatement update = connection.prepareStatement(domain == null ? FLUSH_ALL : FLUSH_DOMAIN)) {
        int parameter = 1;
        if (domain != null) {
          update.setString(parameter++, domain);
        }
        update.setInt(parameter, limit);
        changed = update.executeUpdate();
      }
      boolean isDone = changed < limit || changed >= remaining;
      if (isDone) {
        try (PreparedStatement end = connection.prepareStatement("DELETE FROM flush_request WHERE id = ?")) {
          end.setLong(1, id);
          end.executeUpdate();
        }
      } else {
        try (PreparedStatement step = connection.prepareStatement("UPDATE flush_request SET remaining = remaining - ? WHERE id = ?")) {
          step.setInt(1, changed);
          step.setLong(2, id);
          step.executeUpdate();
        }
      }
      return true;
    });
  }
}
