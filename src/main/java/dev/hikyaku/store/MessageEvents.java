package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The event feed of each account (V12, V14): what happened to the messages it submitted, and to its
 * sends refused for a suppressed recipient, in the order it was recorded, for {@code GET
 * /v1/events}. A client resumes after the last {@link MessageEvent#seq} it saw.
 *
 * <p>The entries of what the store records (a message queued, an attempt's outcome, a recipient
 * suppressed by its bounce) are written by the store itself in the transaction of that change
 * ({@link FeedEntries}): the feed is the webhooks' outbox, and holds an entry exactly when its
 * change committed. {@link #append} is for events without a store change of their own (a send
 * refused for a suppressed recipient); it goes through the queue's group-commit writer, a batch per
 * transaction, so appends share the commits (and the fsyncs) of whatever mail is pending. A
 * message's row takes its account from the message's history in the statement that writes it (one
 * primary-key lookup), so no caller has to carry the account along a delivery, and the events of a
 * message without a principal are passed over; an event that names its account (a send refused
 * whole has no message) is written as it is. Reads use the query-only connections; pruning follows
 * the history's retention, in batches.
 *
 * <p>The tags and metadata of each entry's message (V11) are joined in when the feed is read, not
 * copied into every entry when it is written: a page of at most 100 entries costs two primary-key
 * lookups per distinct message on a reading connection, where copying would put the same lookups
 * (one per entry, several entries a message) on the writer thread that every SMTP 250 waits for,
 * and store the same tags again in every entry. The price: an entry that outlives its message's
 * history (events are pruned by when they happened, the history by when the message came, so the
 * last events of a message that stayed in the queue for days can) comes back without them.
 */
public final class MessageEvents {

  // Kept only for a message whose history names an account.
  static final String INSERT =
      """
      INSERT INTO message_event (at, type, account, queue_id, recipient, data)
      SELECT ?, ?, lower(principal), queue_id, ?, ? FROM history_message WHERE queue_id = ? AND principal IS NOT NULL""";
  // An event that names its account, with or without a message.
  static final String INSERT_FOR_ACCOUNT =
      "INSERT INTO message_event (at, type, account, queue_id, recipient, data) VALUES (?, ?, lower(?), ?, ?, ?)";
  static final String COLUMNS = "seq, at, type, account, queue_id, recipient, data";
  // Oldest first through message_event_at; the batch is a subquery so that one DELETE takes it.
  static final String DELETE_BEFORE =
      "DELETE FROM message_event WHERE seq IN (SELECT seq FROM message_event WHERE at < ? ORDER BY at LIMIT ?)";

  private final GroupCommitWriter writer;
  private final ReadConnections readers;

  MessageEvents(GroupCommitWriter writer, ReadConnections readers) {
    this.writer = writer;
    this.readers = readers;
  }

  /**
   * Appends {@code events} in this order in one transaction of the writer and returns after its
   * commit.
   *
   * @return how many were kept: those of messages whose history names an account
   */
  public int append(List<NewMessageEvent> events) throws StoreException {
    List<NewMessageEvent> copied = List.copyOf(events);
    if (copied.isEmpty()) {
      return 0;
    }
    return writer.apply("recording " + copied.size() + " message event(s)", connection -> insert(connection, copied));
  }

  /**
   * Writes {@code events} inside the caller's transaction of the writer (the store's own changes
   * write their entries this way, {@link FeedEntries}); returns how many were kept.
   */
  static int insert(Connection connection, List<NewMessageEvent> events) throws SQLException {
    if (events.isEmpty()) {
      return 0;
    }
    int kept = 0;
    try (PreparedStatement byHistory = connection.prepareStatement(INSERT);
        PreparedStatement byAccount = connection.prepareStatement(INSERT_FOR_ACCOUNT)) {
      for (NewMessageEvent e : events) {
        kept += e.account().isPresent() ? insertForAccount(byAccount, e) : insertByHistory(byHistory, e);
      }
    }
    return kept;
  }

  /**
   * Writes {@code e}, an event of a message filed under its history's principal, with {@code insert},
   * a prepared {@link #INSERT}; 1 when kept, 0 when its history names no principal.
   */
  static int insertByHistory(PreparedStatement insert, NewMessageEvent e) throws SQLException {
    if (e.account().isPresent()) {
      throw new IllegalArgumentException("an event that names its account is written with INSERT_FOR_ACCOUNT");
    }
    insert.setLong(1, e.at().toEpochMilli());
    insert.setString(2, e.type());
    MessageHistory.setNullable(insert, 3, e.recipient());
    insert.setString(4, e.data());
    insert.setString(5, e.queueId().get().value());
    return insert.executeUpdate();
  }

  /** Writes {@code e}, which names its account, with {@code insert}, a prepared {@link #INSERT_FOR_ACCOUNT}. */
  private static int insertForAccount(PreparedStatement insert, NewMessageEvent e) throws SQLException {
    insert.setLong(1, e.at().toEpochMilli());
    insert.setString(2, e.type());
    insert.setString(3, e.account().orElseThrow());
    MessageHistory.setNullable(insert, 4, e.queueId().map(QueueId::value));
    MessageHistory.setNullable(insert, 5, e.recipient());
    insert.setString(6, e.data());
    return insert.executeUpdate();
  }

  /**
   * The entries of {@code account} (any case) after {@code afterSeq}, oldest first, at most {@code
   * limit}; only those of {@code types} when that is not empty. Each comes with the tags and metadata
   * its message has in the history (see the class comment).
   */
  public List<MessageEvent> after(String account, long afterSeq, Collection<String> types, int limit)
      throws StoreException {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, was " + limit);
    }
    List<String> kinds = List.copyOf(types);
    String sql = select(kinds.size());
    return readers.read("reading the events of " + account, connection -> {
      try (PreparedStatement select = connection.prepareStatement(sql)) {
        int i = 1;
        select.setString(i++, account);
        select.setLong(i++, afterSeq);
        for (String kind : kinds) {
          select.setString(i++, kind);
        }
        select.setInt(i, limit);
        List<MessageEvent> found = new ArrayList<>();
        try (ResultSet rows = select.executeQuery(); AnnotationReader annotations = AnnotationReader.prepare(connection)) {
          while (rows.next()) {
            found.add(event(rows, 1, annotations));
          }
        }
        return found;
      }
    });
  }

  /**
   * The entries of message {@code id}, oldest first, at most {@code limit}, with its tags and
   * metadata (V25's index on {@code queue_id}).
   */
  public List<MessageEvent> ofMessage(QueueId id, int limit) throws StoreException {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, was " + limit);
    }
    return readers.read("reading the events of message " + id, connection -> {
      try (PreparedStatement select = connection.prepareStatement(OF_MESSAGE)) {
        select.setString(1, id.value());
        select.setInt(2, limit);
        List<MessageEvent> found = new ArrayList<>();
        try (ResultSet rows = select.executeQuery(); AnnotationReader annotations = AnnotationReader.prepare(connection)) {
          while (rows.next()) {
            found.add(event(rows, 1, annotations));
          }
        }
        return found;
      }
    });
  }

  /**
   * The entry in the columns of {@link #COLUMNS} from {@code first} on, with its message's tags and
   * metadata read through {@code annotations} (also for the webhooks' due deliveries, {@link
   * WebhookDeliveries#due}).
   */
  static MessageEvent event(ResultSet row, int first, AnnotationReader annotations) throws SQLException, StoreException {
    String stored = row.getString(first + 4);
    Optional<QueueId> queueId = stored == null ? Optional.empty() : Optional.of(MessageQueue.storedId(stored));
    return new MessageEvent(row.getLong(first), Instant.ofEpochMilli(row.getLong(first + 1)), row.getString(first + 2),
        row.getString(first + 3), queueId, Optional.ofNullable(row.getString(first + 5)), row.getString(first + 6),
        annotations.readOnce(queueId));
  }

  /**
   * The statement of {@link #after} with {@code types} placeholders for the types (none: every type).
   * Package-private for the test that checks its plan.
   */
  static final String OF_MESSAGE = "SELECT " + COLUMNS + " FROM message_event WHERE queue_id = ? ORDER BY seq LIMIT ?";

  static String select(int types) {
    String byType = types == 0 ? "" : " AND type || '' IN (" + String.join(", ", Collections.nCopies(types, "?")) + ")";
    return "SELECT " + COLUMNS + " FROM message_event WHERE account = lower(?) AND seq > ?" + byType + " ORDER BY seq LIMIT ?";
  }

  /**
   * Deletes up to {@code maxEvents} entries that happened before {@code before}, oldest first, in one
   * transaction of the writer (small batches, as {@link MessageHistory#prune}).
   *
   * @return how many were removed; fewer than {@code maxEvents} when no more are due
   */
  public int prune(Instant before, int maxEvents) throws StoreException {
    if (maxEvents < 1) {
      throw new IllegalArgumentException("maxEvents must be at least 1, was " + maxEvents);
    }
    return writer.apply("pruning the message events before " + before, connection -> {
      try (PreparedStatement delete = connection.prepareStatement(DELETE_BEFORE)) {
        delete.setLong(1, before.toEpochMilli());
        delete.setInt(2, maxEvents);
        return delete.executeUpdate();
      }
    });
  }
}
