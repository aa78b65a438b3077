package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The queue of accepted messages as delivery sees it: accepting, finding what is due, recording
 * outcomes. Writes go through the group-commit writer; reads use their own connections and see
 * committed messages only. What an operator does to the queue is {@link QueueAdmin}'s.
 *
 * <p>Delivery state: each recipient is {@code pending} (never tried), {@code deferred} (tried, due
 * again at {@code next_attempt_at}), {@code delivered} or {@code failed}. The scheduler takes what
 * is {@link #due}, and {@link #record}s each attempt's outcome; a recipient counts as crossed off
 * only once that record has committed. When no recipient of a message is left pending or deferred
 * the message leaves the queue: its row, recipients and content are deleted in the same
 * transaction. Deleting rather than keeping a {@code done} state keeps the queue (and every index
 * the scheduler walks) as small as the mail still in flight; what happened to a message is the
 * business of the event log, not of the queue.
 */
public final class MessageQueue {

  // "Open" recipients still wait for delivery; delivered and failed ones are crossed off.
  static final String OPEN = "('pending', 'deferred')";
  // Messages the scheduler takes: to deliver, or to return to the sender (queue bounce).
  private static final String SCHEDULED =
      "('" + MessageState.QUEUED.stored() + "', '" + MessageState.RETURNING.stored() + "')";
  private static final String IS_DUE =
      "r.state IN " + OPEN + " AND (r.next_attempt_at IS NULL OR r.next_attempt_at <= ?)";
  // The two ranges of recipient_open_next_attempt_at (V19) a due pass reads, each in the index's
  // order and only as far as the pass needs (MessageQueue.due stops reading): recipients never tried
  // or flushed (NULL, by message id, so in arrival order), and recipients due by now, longest due
  // first. Written as one condition, "IS NULL OR <= ?" is not a range, and the walk would not stop
  // at the end of the due ones. The state condition is the index's own WHERE, so the partial index
  // applies. "|| ''" keeps the planner off the message state index (SQLite's unary + does that
  // too, but PostgreSQL has no unary + on text): each due recipient's message is looked up by id,
  // and held ones are passed over.
  private static String dueMessageColumns(String leases) {
    return "SELECT m.id, m.received_at, m.reverse_path, m.mail_parameters, m.state, m.principal"
        + " FROM recipient r JOIN message m ON m.id = r.message_id WHERE r.state IN " + OPEN
        + " AND m.state || '' IN " + SCHEDULED + " AND " + leases;
  }

  // V20: a pass takes what is free, lapsed or this node's own, passing over what another node holds;
  // a take-over only what one other node held and let lapse (DeliveryLeases).
  private static final String FREE_OR_MINE = "(m.lease_owner = ? OR m.lease_until <= ?)";
  private static final String LEFT_BY = "(m.lease_owner = ? AND m.lease_until <= ?)";
  private static final String NEVER_TRIED = " AND r.next_attempt_at IS NULL ORDER BY r.next_attempt_at NULLS FIRST, r.message_id";
  private static final String BY_NOW = " AND r.next_attempt_at <= ? ORDER BY r.next_attempt_at NULLS FIRST, r.message_id";
  static final String SELECT_NEVER_TRIED = dueMessageColumns(FREE_OR_MINE) + NEVER_TRIED;
  static final String SELECT_DUE_BY_NOW = dueMessageColumns(FREE_OR_MINE) + BY_NOW;
  private static final List<String> LEFT_NEVER_TRIED_AND_BY_NOW =
      List.of(dueMessageColumns(LEFT_BY) + NEVER_TRIED, dueMessageColumns(LEFT_BY) + BY_NOW);
  private static final String SELECT_DUE_RECIPIENTS =
      "SELECT r.forward_path, r.parameters, r.attempts, r.last_reply, r.last_attempt_at"
          + " FROM recipient r WHERE r.message_id = ? AND " + IS_DUE + " ORDER BY r.position";
  // NULLS FIRST (SQLite's default, not PostgreSQL's): a never-tried recipient comes out ahead of any
  // time. One walk of
  // recipient_open_next_attempt_at (V19) from its start, passing over recipients of held messages.
  static final String SELECT_EARLIEST =
      "SELECT r.next_attempt_at FROM recipient r JOIN message m ON m.id = r.message_id"
          + " WHERE r.state IN " + OPEN + " AND m.state || '' IN " + SCHEDULED + " ORDER BY r.next_attempt_at NULLS FIRST LIMIT 1";
  private static final String UPDATE_RECIPIENT =
      "UPDATE recipient SET state = ?, attempts = attempts + 1, last_reply = ?,"
          + " last_attempt_at = ?, next_attempt_at = ?"
          + " WHERE message_id = ? AND forward_path = ? AND state IN " + OPEN;
  private static final String COUNT_OPEN =
      "SELECT count(*) FROM recipient WHERE message_id = ? AND state IN " + OPEN;

  private final GroupCommitWriter writer;
  private final ReadConnections readers;
  private final DeliveryLeases leases;
  private final QueueFlush flush;

  MessageQueue(GroupCommitWriter writer, ReadConnections readers, DeliveryLeases leases) {
    this.writer = writer;
    this.readers = readers;
    this.leases = leases;
    this.flush = new QueueFlush(writer, readers);
  }

  /**
   * Stores {@code message}. Returns only after the transaction holding it has committed and the
   * WAL has been fsync'd: this is what lets a session answer 250 after DATA (RFC 5321 §4.2.5: a
   * server must not lose a message it has acknowledged). Concurrent callers share commits.
   *
   * <p>Blocks the calling (virtual) thread. On any exception the message may not be treated as
   * stored; the one uncertain case, interruption while waiting, says so in its message.
   */
  public void accept(NewMessage message) throws StoreException {
    writer.accept(message);
  }

  /** How many messages the queue holds (for the queue-depth gauge). */
  public long count() throws StoreException {
    return readers.read("counting the queue", connection -> {
      try (PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM message");
          ResultSet rows = count.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    });
  }

  /** When the oldest message in the queue arrived (for the queue-age gauge); empty when it is empty. */
  public Optional<Instant> oldestReceivedAt() throws StoreException {
    return readers.read("finding the oldest message", connection -> {
      // min() over the message_received_at index: one index probe, not a scan.
      try (PreparedStatement oldest = connection.prepareStatement("SELECT min(received_at) FROM message");
          ResultSet rows = oldest.executeQuery()) {
        rows.next();
        long millis = rows.getLong(1);
        return rows.wasNull() ? Optional.<Instant>empty() : Optional.of(Instant.ofEpochMilli(millis));
      }
    });
  }

  /**
   * Up to {@code limit} messages in state {@code queued} or {@code returning} (never {@code held})
   * that have a recipient pending, or deferred with its next attempt at or before {@code now}; each
   * with only its due recipients and with its content, oldest first.
   *
   * <p>Which ones, when more are due: the first {@code limit} messages with a recipient never tried
   * (or flushed), in arrival order, and the first {@code limit} with a recipient longest past its
   * due time; of those, the oldest {@code limit}. Both are read in index order and no further
   * ({@link #SELECT_NEVER_TRIED}, {@link #SELECT_DUE_BY_NOW}), so a pass costs what it takes, not
   * the size of the backlog. (Before, the oldest {@code limit} of all due messages, sorted from all
   * of them; the same whenever no more than {@code limit} are due in either range.)
   */
  public List<DueDelivery> due(Instant now, int limit) throws StoreException {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, was " + limit);
    }
    return readers.read("finding due deliveries", connection ->
        deliveries(connection, dueMessages(connection, List.of(SELECT_NEVER_TRIED, SELECT_DUE_BY_NOW), leases.node().id(), now, limit,
            Long.MAX_VALUE),
            now, Map.of()));
  }

  /**
   * {@link #due}, claimed for this node ({@link DeliveryLeases}): only messages whose lease is free,
   * lapsed or this node's are taken, and each comes with the token its outcomes are fenced by. What
   * another node claimed between the read and the claim is passed over.
   */
  public List<DueDelivery> claim(Instant now, int limit) throws StoreException {
    return claim(now, limit, id -> false);
  }

  /** {@link #claim(Instant, int)}, passing over the messages {@code skip} names (those in flight here). */
  public List<DueDelivery> claim(Instant now, int limit, Predicate<QueueId> skip) throws StoreException {
    return claim(now, limit, skip, List.of(SELECT_NEVER_TRIED, SELECT_DUE_BY_NOW), Optional.empty());
  }

  /**
   * {@link #claim}, but only messages whose lease node {@code leftBy} held and let lapse: what a node
   * that died or stalled left behind ({@link DeliveryLeases#lapsedOwners}), taken over while this
   * node's own pass is still busy, so that a busy node takes over within a lease and a poll, not
   * after its pass. One lost node at a time, so that one node's backlog, held up by a slow
   * destination, cannot keep another's mail waiting.
   */
  public List<DueDelivery> takeOver(Instant now, int limit, Predicate<QueueId> skip, String leftBy) throws StoreException {
    if (leftBy.equals(leases.node().id())) {
      throw new IllegalArgumentException("a node does not take over its own leases: " + leftBy);
    }
    return claim(now, limit, skip, LEFT_NEVER_TRIED_AND_BY_NOW, Optional.of(leftBy));
  }

  private List<DueDelivery> claim(Instant now, int limit, Predicate<QueueId> skip, List<String> ranges, Optional<String> leftBy)
      throws StoreException {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, was " + limit);
    }
    List<DueMessage> candidates = readers.read("finding due deliveries", connection ->
        dueMessages(connection, ranges, leftBy.orElse(leases.node().id()), now, readers.dialect().claimWindow(limit),
            leases.clock(connection, now))).stream()
        .filter(m -> !skip.test(m.id()))
        .toList();
    // On PostgreSQL more candidates than the limit (Dialect.claimWindow): rows a node stopped inside
    // a transaction has locked are skipped by the claim, and must not fill the window.
    Map<QueueId, Long> claimed = leases.claim(candidates.stream().map(DueMessage::id).toList(), now, leftBy, limit);
    if (claimed.isEmpty()) {
      return List.of();
    }
    List<DueMessage> taken = candidates.stream().filter(m -> claimed.containsKey(m.id())).toList();
    return readers.read("reading claimed deliveries", connection -> deliveries(connection, taken, now, claimed));
  }

  /** The leases this queue's deliveries are held by (V20). */
  public DeliveryLeases leases() {
    return leases;
  }

  /**
   * The oldest {@code limit} due messages: never tried (or flushed) in arrival order, and due by
   * now, longest due first; of those, the oldest. Messages another node holds at {@code leaseNow}
   * are passed over (Long.MAX_VALUE: none); {@code owner} is the node the ranges' lease condition
   * names (this one, or for a take-over the node that let its leases lapse).
   */
  private List<DueMessage> dueMessages(Connection connection, List<String> ranges, String owner, Instant now, int limit,
      long leaseNow) throws SQLException, StoreException {
    Map<QueueId, DueMessage> candidates = new LinkedHashMap<>();
    try (PreparedStatement neverTried = connection.prepareStatement(ranges.get(0));
        PreparedStatement dueByNow = connection.prepareStatement(ranges.get(1))) {
      for (PreparedStatement range : List.of(neverTried, dueByNow)) {
        range.setString(1, owner);
        range.setLong(2, leaseNow);
      }
      dueByNow.setLong(3, now.toEpochMilli());
      for (PreparedStatement range : List.of(neverTried, dueByNow)) {
        readDueMessages(range, limit, candidates);
      }
    }
    return candidates.values().stream()
        .sorted(Comparator.comparingLong(DueMessage::receivedAt).thenComparing(m -> m.id().value()))
        .limit(limit)
        .toList();
  }

  /** {@code oldest} with their due recipients and content; tokens of claimed ones (else 0). */
  private static List<DueDelivery> deliveries(
      Connection connection, List<DueMessage> oldest, Instant now, Map<QueueId, Long> tokens)
      throws SQLException, StoreException {
    long nowMillis = now.toEpochMilli();
    {
      List<DueDelivery> deliveries = new ArrayList<>();
      try (PreparedStatement recipients = connection.prepareStatement(SELECT_DUE_RECIPIENTS);
          PreparedStatement content = connection.prepareStatement(MessageBodies.SELECT)) {
        for (DueMessage message : oldest) {
          recipients.setString(1, message.id().value());
          recipients.setLong(2, nowMillis);
          content.setString(1, message.id().value());
          deliveries.add(new DueDelivery(
              message.id(),
              Instant.ofEpochMilli(message.receivedAt()),
              message.reversePath(),
              message.mailParameters(),
              MessageBodies.read(content, message.id()),
              readDueRecipients(recipients),
              message.isReturning(),
              message.isSubmitted()).withLease(tokens.getOrDefault(message.id(), 0L)));
        }
      }
      return deliveries;
    }
  }

  /** A message {@link #due} found, before its recipients and content are read. */
  private record DueMessage(
      QueueId id, long receivedAt, String reversePath, String mailParameters, boolean isReturning, boolean isSubmitted) {}

  /**
   * Adds the messages of the recipients {@code range} yields to {@code into}, stopping once it has
   * found {@code limit} messages it did not hold before: a message with several due recipients comes
   * once per recipient, so the statement cannot say LIMIT itself, and SQLite reads a row per step.
   */
  private static void readDueMessages(PreparedStatement range, int limit, Map<QueueId, DueMessage> into)
      throws SQLException, StoreException {
    int found = 0;
    try (ResultSet rows = range.executeQuery()) {
      while (found < limit && rows.next()) {
        QueueId id = storedId(rows.getString("id"));
        if (!into.containsKey(id)) {
          into.put(id, new DueMessage(
              id,
              rows.getLong("received_at"),
              rows.getString("reverse_path"),
              rows.getString("mail_parameters"),
              rows.getString("state").equals(MessageState.RETURNING.stored()),
              rows.getString("principal") != null));
          found++;
        }
      }
    }
  }

  /**
   * When the earliest open recipient of a queued (not held) message is due, for the scheduler to
   * wait until; a recipient never tried is due now and reports as {@link Instant#EPOCH}. Empty when
   * nothing waits for delivery.
   */
  public Optional<Instant> nextDue() throws StoreException {
    return readers.read("finding the next due time", connection -> {
      Optional<Instant> earliest = Optional.empty();
      try (PreparedStatement statement = connection.prepareStatement(SELECT_EARLIEST);
          ResultSet rows = statement.executeQuery()) {
        if (rows.next()) {
          long millis = rows.getLong(1);
          earliest = Optional.of(rows.wasNull() ? Instant.EPOCH : Instant.ofEpochMilli(millis));
        }
      }
      return earliest;
    });
  }

  /**
   * Writes the outcome of one attempt for each named recipient of message {@code id} in one
   * transaction, adding one to each one's attempt count. When that leaves no recipient pending or
   * deferred, the message leaves the queue in the same transaction. Returns only after the commit
   * (and its WAL fsync): only then is a recipient crossed off, so a crash before it makes delivery
   * repeat, never skip (ARCHITECTURE: deliver twice at worst, never lose).
   *
   * @return true when the message is finished and gone from the queue
   * @throws StoreException {@code NOT_FOUND} naming the message or the recipient when the message is
   *     gone (deleted by an admin meanwhile) or has no open recipient with that forward-path; nothing
   *     of the call is then written
   */
  public boolean record(QueueId id, List<RecipientOutcome> outcomes) throws StoreException {
    return record(id, outcomes, List.of());
  }

  /**
   * {@link #record(QueueId, List)}, and the attempts' rows of the message history in the same
   * transaction: the history never says less, or more, than the queue did.
   */
  public boolean record(QueueId id, List<RecipientOutcome> outcomes, List<AttemptRecord> attempts) throws StoreException {
    return record(id, outcomes, attempts, List.of());
  }

  /**
   * {@link #record(QueueId, List, List)}, and the hard bounces among the outcomes put on the
   * suppression list in the same transaction: a recipient is suppressed exactly when its failure is
   * recorded. Entries already listed keep their first reason and time. The event feed's entries
   * for the attempts and the new suppressions ({@link FeedEntries}) are written in the same
   * transaction too: the feed is the webhooks' outbox, and an outcome is never committed without
   * them.
   */
  public boolean record(QueueId id, List<RecipientOutcome> outcomes, List<AttemptRecord> attempts,
      List<Suppression> suppressions) throws StoreException {
    return record(id, 0, outcomes, attempts, suppressions);
  }

  /**
   * {@link #record(QueueId, List, List, List)} of a claimed delivery ({@link #claim}): written only
   * while {@code leaseToken} is still the message's (0: not claimed, not fenced); else nothing is
   * written and {@code CONFLICT} says the lease was lost to another node ({@link DeliveryLeases}).
   */
  public boolean record(QueueId id, long leaseToken, List<RecipientOutcome> outcomes, List<AttemptRecord> attempts,
      List<Suppression> suppressions) throws StoreException {
    return record(id, leaseToken, outcomes, attempts, suppressions, List.of());
  }

  /**
   * {@link #record(QueueId, long, List, List, List)}, and {@code reports} (the DSNs that tell the
   * sender of these outcomes) queued in the same transaction, as {@link #accept} would queue them:
   * a report exists exactly when the outcomes it tells of are recorded, so none is lost, none is
   * made twice by a retry after a crash, and a node fenced off by a stale token makes none.
   */
  public boolean record(QueueId id, long leaseToken, List<RecipientOutcome> outcomes, List<AttemptRecord> attempts,
      List<Suppression> suppressions, List<NewMessage> reports) throws StoreException {
    List<NewMessage> queued = List.copyOf(reports);
    List<AttemptRecord> history = List.copyOf(attempts);
    List<Suppression> suppressed = List.copyOf(suppressions);
    // One outcome per forward-path: the UPDATE below settles every row with that path (a queue from
    // before intake dropped duplicate recipients may hold two), so a second would find none.
    Map<String, RecipientOutcome> byPath = new LinkedHashMap<>();
    outcomes.forEach(o -> byPath.putIfAbsent(o.forwardPath(), o));
    List<RecipientOutcome> copied = List.copyOf(byPath.values());
    if (copied.isEmpty()) {
      throw new IllegalArgumentException("no outcomes to record for message " + id);
    }
    // The feed's entries (the webhooks' outbox) commit with the outcomes they tell of (FeedEntries);
    // made here, on the caller's thread, so that the writer thread only writes.
    List<NewMessageEvent> told = FeedEntries.attempts(history);
    return change("recording delivery outcomes of message " + id, connection -> {
      requireMessage(connection, id);
      if (leaseToken != 0) {
        leases.requireToken(connection, id, leaseToken);
      }
      MessageHistory.insertAttempts(connection, history);
      List<Suppression> added = Suppressions.insertAbsent(connection, suppressed);
      MessageEvents.insert(connection, told);
      MessageEvents.insert(connection, FeedEntries.suppressions(added));
      for (NewMessage report : queued) {
        writer.insertWithin(report);
      }
      try (PreparedStatement update = connection.prepareStatement(UPDATE_RECIPIENT)) {
        for (RecipientOutcome outcome : copied) {
          update.setString(1, outcome.state().stored());
          update.setString(2, outcome.lastReply());
          update.setLong(3, outcome.attemptedAt().toEpochMilli());
          if (outcome.nextAttemptAt().isPresent()) {
            update.setLong(4, outcome.nextAttemptAt().get().toEpochMilli());
          } else {
            update.setNull(4, Types.BIGINT);
          }
          update.setString(5, id.value());
          update.setString(6, outcome.forwardPath());
          if (update.executeUpdate() == 0) {
            throw new StoreException(StoreException.Kind.NOT_FOUND,
                "message " + id + " has no pending or deferred recipient <" + outcome.forwardPath()
                    + ">");
          }
        }
      }
      try (PreparedStatement count = connection.prepareStatement(COUNT_OPEN)) {
        count.setString(1, id.value());
        try (ResultSet rows = count.executeQuery()) {
          rows.next();
          if (rows.getLong(1) > 0) {
            return false;
          }
        }
      }
      deleteMessage(connection, id);
      return true;
    });
  }

  /**
   * Moves the next attempt of the named open recipients of message {@code id} to {@code until}
   * without counting an attempt or touching the last reply: a destination's rate limit held them
   * back. Recipients no longer open (an admin deleted the message meanwhile) are passed over.
   */
  public void postpone(QueueId id, List<String> forwardPaths, Instant until) throws StoreException {
    List<String> paths = List.copyOf(forwardPaths);
    change("postponing recipients of message " + id, connection -> {
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE recipient SET next_attempt_at = ? WHERE message_id = ? AND forward_path = ? AND state IN " + OPEN)) {
        for (String path : paths) {
          update.setLong(1, until.toEpochMilli());
          update.setString(2, id.value());
          update.setString(3, path);
          update.executeUpdate();
        }
      }
      return null;
    });
  }

  /**
   * Applies one batch of the oldest {@link QueueAdmin#requestFlush flush request} ({@link QueueFlush}). The
   * scheduler calls this between passes; the recipients made due are then taken by its due passes
   * like any other, under their destination's limits.
   *
   * @return true when a request was open (call again: there may be more to do), false when none was
   */
  public boolean applyFlush() throws StoreException {
    return flush.applyBatch();
  }

  /** Messages written and commits done since the store opened. */
  public GroupCommitStats stats() {
    return writer.stats();
  }


  /** Runs {@code work} on the writer thread and waits for its commit. */
  private <T> T change(String action, GroupCommitWriter.Change<T> work) throws StoreException {
    return writer.apply(action, work);
  }

  static void requireMessage(Connection connection, QueueId id)
      throws SQLException, StoreException {
    try (PreparedStatement select = connection.prepareStatement("SELECT 1 FROM message WHERE id = ?")) {
      select.setString(1, id.value());
      try (ResultSet rows = select.executeQuery()) {
        if (!rows.next()) {
          throw new StoreException(StoreException.Kind.NOT_FOUND, "no message " + id + " in the queue");
        }
      }
    }
  }

  /** Deletes children first rather than rely on ON DELETE CASCADE (foreign_keys is per connection). */
  static void deleteMessage(Connection connection, QueueId id) throws SQLException {
    for (String sql : List.of(
        "DELETE FROM recipient WHERE message_id = ?",
        MessageBodies.DELETE,
        "DELETE FROM message WHERE id = ?")) {
      try (PreparedStatement delete = connection.prepareStatement(sql)) {
        delete.setString(1, id.value());
        delete.executeUpdate();
      }
    }
  }

  private static List<DueRecipient> readDueRecipients(PreparedStatement statement)
      throws SQLException {
    List<DueRecipient> recipients = new ArrayList<>();
    try (ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        long lastAttemptAt = rows.getLong("last_attempt_at");
        boolean hasLastAttempt = !rows.wasNull();
        recipients.add(new DueRecipient(
            rows.getString("forward_path"),
            rows.getString("parameters"),
            rows.getInt("attempts"),
            Optional.ofNullable(rows.getString("last_reply")),
            hasLastAttempt ? Optional.of(Instant.ofEpochMilli(lastAttemptAt)) : Optional.empty()));
      }
    }
    return recipients;
  }

  static QueueId storedId(String text) throws StoreException {
    return QueueId.parse(text)
        .orElseThrow(() -> new StoreException(
            StoreException.Kind.CORRUPT, "stored queue id is malformed: \"" + text + "\""));
  }
}
