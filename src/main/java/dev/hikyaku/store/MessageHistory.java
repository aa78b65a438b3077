package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What became of accepted messages, kept after they leave the queue: the envelope, origin and
 * header fields of every accepted message, and every delivery attempt of every recipient (the send
 * log an operator asks "what happened to my mail?" of).
 *
 * <p>Writes go through the queue's group-commit writer. A message's history rows are written in
 * the transaction that accepts it ({@link MessageQueue#accept}), so no accepted message lacks them
 * and the 250 still waits for one commit; attempts are written by {@link #record}, or by {@link
 * #insertAttempts} inside another change of the writer (so that a queue change and its history
 * commit together). Reads use the query-only connections.
 *
 * <p>Every search is driven by one index that yields its matches newest first (V8, V12): by
 * Message-ID, else by recipient, else by sender, else by account (principal), else by latest
 * outcome, else by time. The other filters are checked on the rows that index yields, so a search
 * costs the rows it reads, not the size of the history. A page goes on from the position of the
 * last message of the page before (keyset paging: {@code (received_at, queue_id) < (?, ?)} on the
 * driving index), never from an offset, so it costs the same on page 1 and page 1000 and neither
 * skips nor repeats a message that arrives meanwhile.
 */
public final class MessageHistory {

  // ---- written in MessageQueue.accept's transaction (see AcceptStatements.insert) ----

  static final String INSERT_MESSAGE =
      """
      INSERT INTO history_message (queue_id, received_at, reverse_path, size, listener, client_address,
                                   principal, message_id, subject, from_field, api_key, scan_action, scan_score, scan_required)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";
  static final String INSERT_RECIPIENT =
      "INSERT INTO history_recipient (queue_id, position, forward_path, received_at) VALUES (?, ?, ?, ?)";
  // V11: what an application sending over the API attached to the message.
  static final String INSERT_TAG =
      "INSERT INTO history_tag (queue_id, position, tag, received_at) VALUES (?, ?, ?, ?)";
  static final String INSERT_METADATA =
      "INSERT INTO history_metadata (queue_id, position, name, value) VALUES (?, ?, ?, ?)";

  // ---- attempts ----

  // Kept only for a message the history has: its rows were written when it was accepted, unless
  // that was before V8 (or it has been pruned, which pruning never does to a queued message).
  private static final String INSERT_ATTEMPT =
      """
      INSERT INTO history_attempt (queue_id, forward_path, attempt, attempted_at, outcome, enhanced_status,
                                   diagnostic, remote_mta, tls_protocol, tls_cipher, delay_ms, next_attempt_at, source)
      SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM history_message WHERE queue_id = ?)""";
  // The latest attempt by time wins, whatever order attempts are recorded in.
  private static final String UPDATE_LATEST =
      """
      UPDATE history_recipient SET latest_outcome = ?, latest_attempt_at = ?
      WHERE queue_id = ? AND forward_path = ? AND (latest_attempt_at IS NULL OR latest_attempt_at <= ?)""";

  // ---- reads ----

  static final String MESSAGE_COLUMNS =
      "m.queue_id, m.received_at, m.reverse_path, m.size, m.listener, m.client_address, m.principal,"
          + " m.message_id, m.subject, m.from_field, m.scan_action, m.scan_score, m.scan_required";
  static final String SELECT_MESSAGE = "SELECT " + MESSAGE_COLUMNS + " FROM history_message m WHERE m.queue_id = ?";
  static final String SELECT_RECIPIENTS =
      "SELECT forward_path, latest_outcome, latest_attempt_at FROM history_recipient WHERE queue_id = ? ORDER BY position";
  static final String SELECT_ATTEMPTS =
      """
      SELECT forward_path, attempt, attempted_at, outcome, enhanced_status, diagnostic, remote_mta, tls_protocol,
             tls_cipher, delay_ms, next_attempt_at, source
      FROM history_attempt a WHERE queue_id = ?
      ORDER BY attempted_at, attempt,
               (SELECT min(position) FROM history_recipient r WHERE r.queue_id = a.queue_id AND r.forward_path = a.forward_path)""";

  // ---- pruning ----

  // Oldest first through history_message_received_at; a message still in the queue (held, or
  // retried for longer than the retention) keeps its history until it has left.
  static final String SELECT_PRUNABLE =
      """
      SELECT h.queue_id FROM history_message h
      WHERE h.received_at < ? AND NOT EXISTS (SELECT 1 FROM message q WHERE q.id = h.queue_id)
      ORDER BY h.received_at, h.queue_id LIMIT ?""";
  static final List<String> DELETE_MESSAGE = List.of(
      "DELETE FROM history_attempt WHERE queue_id = ?",
      "DELETE FROM history_tag WHERE queue_id = ?",
      "DELETE FROM history_metadata WHERE queue_id = ?",
      "DELETE FROM history_recipient WHERE queue_id = ?",
      "DELETE FROM history_message WHERE queue_id = ?");

  private final GroupCommitWriter writer;
  private final ReadConnections readers;

  MessageHistory(GroupCommitWriter writer, ReadConnections readers) {
    this.writer = writer;
    this.readers = readers;
  }

  /**
   * Writes {@code attempts} in one transaction of the group-commit writer and returns after its
   * commit. Each moves its recipient's latest outcome on (when it is not older than the one
   * recorded). Attempts of a message the history does not hold (accepted before the history
   * existed) are passed over.
   *
   * @return how many attempts were kept
   */
  public int record(List<AttemptRecord> attempts) throws StoreException {
    List<AttemptRecord> copied = List.copyOf(attempts);
    if (copied.isEmpty()) {
      return 0;
    }
    QueueId first = copied.getFirst().queueId();
    boolean isOneMessage = copied.stream().allMatch(a -> a.queueId().equals(first));
    return writer.apply(
        "recording " + copied.size() + " delivery attempt(s)" + (isOneMessage ? " of message " + first : ""),
        connection -> insertAttempts(connection, copied));
  }

  /**
   * Writes {@code attempts} on {@code connection}, inside the caller's transaction: for a change of
   * the writer thread that records attempts together with the queue state they lead to.
   *
   * @return how many attempts were kept (see {@link #record})
   */
  static int insertAttempts(Connection connection, List<AttemptRecord> attempts) throws SQLException {
    int kept = 0;
    try (PreparedStatement insert = connection.prepareStatement(INSERT_ATTEMPT);
        PreparedStatement latest = connection.prepareStatement(UPDATE_LATEST)) {
      for (AttemptRecord a : attempts) {
        String queueId = a.queueId().value();
        long attemptedAt = a.attemptedAt().toEpochMilli();
        insert.setString(1, queueId);
        insert.setString(2, a.forwardPath());
        insert.setInt(3, a.attempt());
        insert.setLong(4, attemptedAt);
        insert.setString(5, a.outcome().keyword());
        insert.setString(6, a.enhancedStatus());
        insert.setString(7, a.diagnostic());
        setNullable(insert, 8, a.remoteMta());
        setNullable(insert, 9, a.tlsProtocol());
        setNullable(insert, 10, a.tlsCipher());
        insert.setLong(11, a.delay().toMillis());
        if (a.nextAttemptAt().isPresent()) {
          insert.setLong(12, a.nextAttemptAt().get().toEpochMilli());
        } else {
          insert.setNull(12, Types.BIGINT);
        }
        insert.setString(13, a.source().keyword());
        insert.setString(14, queueId);
        if (insert.executeUpdate() == 0) {
          continue;
        }
        kept++;
        if (!a.movesLatestOutcome()) {
          continue;
        }
        latest.setString(1, a.outcome().keyword());
        latest.setLong(2, attemptedAt);
        latest.setString(3, queueId);
        latest.setString(4, a.forwardPath());
        latest.setLong(5, attemptedAt);
        latest.executeUpdate();
      }
    }
    return kept;
  }

  /**
   * Writes what reports that came back later say of recipients ({@code attempts} of source {@link
   * AttemptRecord.Source#DSN} or {@link AttemptRecord.Source#ARF}), puts those of {@code
   * suppressions} not yet listed on the suppression list, and writes the feed's entries for both
   * ({@link FeedEntries}: the webhooks' outbox), in one transaction of the group-commit writer: a
   * report is recorded together with the suppression it causes and the entries that tell of them,
   * or not at all.
   *
   * @return the suppressions that were added (an entry already listed keeps its first reason)
   */
  public List<Suppression> recordReports(List<AttemptRecord> attempts, List<Suppression> suppressions)
      throws StoreException {
    List<AttemptRecord> copied = List.copyOf(attempts);
    List<Suppression> entries = List.copyOf(suppressions);
    if (copied.stream().anyMatch(a -> a.source() == AttemptRecord.Source.SMTP)) {
      throw new IllegalArgumentException("our own attempts are recorded by the queue, not as reports");
    }
    // Made here, on the caller's thread, so that the writer thread only writes (as MessageQueue.record).
    List<NewMessageEvent> told = FeedEntries.attempts(copied);
    return writer.apply("recording " + copied.size() + " returned report(s)", connection -> {
      insertAttempts(connection, copied);
      List<Suppression> added = Suppressions.insertAbsent(connection, entries);
      MessageEvents.insert(connection, told);
      MessageEvents.insert(connection, FeedEntries.suppressions(added));
      return added;
    });
  }

  /** Messages matching {@code query}, newest first, each with its recipients' latest outcomes. */
  public List<HistoryMessage> search(HistoryQuery query) throws StoreException {
    HistorySearch search = HistorySearch.of(query, readers.dialect());
    return readers.read("searching the message history", connection -> {
      List<HistoryMessage> found = new ArrayList<>();
      try (PreparedStatement matches = connection.prepareStatement(search.sql());
          PreparedStatement recipients = connection.prepareStatement(SELECT_RECIPIENTS);
          AnnotationReader annotations = AnnotationReader.prepare(connection)) {
        search.bind(matches);
        try (ResultSet rows = matches.executeQuery()) {
          String previous = null;
          while (found.size() < query.limit() && rows.next()) {
            String id = rows.getString("queue_id");
            // Driven by recipients, a message with two matching recipients comes twice, in a row
            // (the order is by received_at, then id).
            if (id.equals(previous)) {
              continue;
            }
            previous = id;
            found.add(message(rows, recipients, annotations));
          }
        }
      }
      return found;
    });
  }

  /** Message {@code id} with every attempt of every recipient, if the history holds it. */
  public Optional<HistoryRecord> show(QueueId id) throws StoreException {
    return readers.read("reading the history of message " + id, connection -> {
      try (PreparedStatement message = connection.prepareStatement(SELECT_MESSAGE);
          PreparedStatement recipients = connection.prepareStatement(SELECT_RECIPIENTS);
          AnnotationReader annotations = AnnotationReader.prepare(connection);
          PreparedStatement attempts = connection.prepareStatement(SELECT_ATTEMPTS)) {
        message.setString(1, id.value());
        HistoryMessage found;
        try (ResultSet row = message.executeQuery()) {
          if (!row.next()) {
            return Optional.empty();
          }
          found = message(row, recipients, annotations);
        }
        attempts.setString(1, id.value());
        List<AttemptRecord> records = new ArrayList<>();
        try (ResultSet rows = attempts.executeQuery()) {
          while (rows.next()) {
            records.add(attempt(id, rows));
          }
        }
        return Optional.of(new HistoryRecord(found, records));
      }
    });
  }

  /**
   * Deletes the history of up to {@code maxMessages} messages received before {@code receivedBefore},
   * oldest first, with their recipients and attempts, in one transaction of the writer: callers
   * prune in small batches so that no commit waits long behind one. Messages still in the queue
   * are kept.
   *
   * @return how many messages were removed; fewer than {@code maxMessages} when no more are due
   */
  public int prune(Instant receivedBefore, int maxMessages) throws StoreException {
    if (maxMessages < 1) {
      throw new IllegalArgumentException("maxMessages must be at least 1, was " + maxMessages);
    }
    return writer.apply("pruning the message history before " + receivedBefore, connection -> {
      List<String> ids = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement(SELECT_PRUNABLE)) {
        select.setLong(1, receivedBefore.toEpochMilli());
        select.setInt(2, maxMessages);
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            ids.add(rows.getString(1));
          }
        }
      }
      for (String sql : DELETE_MESSAGE) {
        try (PreparedStatement delete = connection.prepareStatement(sql)) {
          for (String id : ids) {
            delete.setString(1, id);
            delete.addBatch();
          }
          delete.executeBatch();
        }
      }
      return ids.size();
    });
  }

  /**
   * Writes the history rows of {@code message} with the writer's prepared statements, inside the
   * transaction that queues it.
   */
  static void insertAccepted(PreparedStatement insertMessage, PreparedStatement insertRecipient, NewMessage message)
      throws SQLException {
    String id = message.id().value();
    Origin origin = message.origin();
    AcceptedHeaders headers = message.headers();
    insertMessage.setString(1, id);
    insertMessage.setLong(2, message.receivedAt().toEpochMilli());
    insertMessage.setString(3, message.reversePath());
    insertMessage.setLong(4, message.size());
    insertMessage.setString(5, origin.listener());
    insertMessage.setString(6, origin.clientAddress());
    setNullable(insertMessage, 7, Optional.ofNullable(origin.principal()));
    setNullable(insertMessage, 8, headers.messageId());
    setNullable(insertMessage, 9, headers.subject());
    setNullable(insertMessage, 10, headers.from());
    setNullable(insertMessage, 11, Optional.ofNullable(origin.apiKey()));
    setNullable(insertMessage, 12, message.scan().map(ScanSummary::action));
    if (message.scan().isPresent()) {
      insertMessage.setLong(13, message.scan().get().scoreHundredths());
      insertMessage.setLong(14, message.scan().get().requiredHundredths());
    } else {
      insertMessage.setNull(13, Types.BIGINT);
      insertMessage.setNull(14, Types.BIGINT);
    }
    insertMessage.executeUpdate();

    List<NewRecipient> recipients = message.recipients();
    for (int position = 0; position < recipients.size(); position++) {
      insertRecipient.setString(1, id);
      insertRecipient.setInt(2, position);
      insertRecipient.setString(3, recipients.get(position).forwardPath());
      insertRecipient.setLong(4, message.receivedAt().toEpochMilli());
      insertRecipient.addBatch();
    }
    try {
      insertRecipient.executeBatch();
    } finally {
      insertRecipient.clearBatch();
    }
  }

  /** Writes the tags and metadata of {@code message} (none for most), inside the transaction that queues it. */
  static void insertAnnotations(PreparedStatement insertTag, PreparedStatement insertMetadata, NewMessage message)
      throws SQLException {
    Annotations annotations = message.annotations();
    if (annotations.isEmpty()) {
      return;
    }
    String id = message.id().value();
    List<String> tags = annotations.tags();
    for (int position = 0; position < tags.size(); position++) {
      insertTag.setString(1, id);
      insertTag.setInt(2, position);
      insertTag.setString(3, tags.get(position));
      insertTag.setLong(4, message.receivedAt().toEpochMilli());
      insertTag.addBatch();
    }
    int position = 0;
    for (Map.Entry<String, String> entry : annotations.metadata().entrySet()) {
      insertMetadata.setString(1, id);
      insertMetadata.setInt(2, position++);
      insertMetadata.setString(3, entry.getKey());
      insertMetadata.setString(4, entry.getValue());
      insertMetadata.addBatch();
    }
    try {
      insertTag.executeBatch();
      insertMetadata.executeBatch();
    } finally {
      insertTag.clearBatch();
      insertMetadata.clearBatch();
    }
  }

  /** The message on {@code row}, with its recipients and its tags and metadata read by the statements given. */
  private static HistoryMessage message(ResultSet row, PreparedStatement recipients, AnnotationReader annotations)
      throws SQLException, StoreException {
    QueueId id = MessageQueue.storedId(row.getString("queue_id"));
    recipients.setString(1, id.value());
    List<HistoryRecipient> found = new ArrayList<>();
    try (ResultSet rows = recipients.executeQuery()) {
      while (rows.next()) {
        String outcome = rows.getString("latest_outcome");
        long at = rows.getLong("latest_attempt_at");
        Optional<Instant> latestAttemptAt = rows.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(at));
        found.add(new HistoryRecipient(
            rows.getString("forward_path"), outcome == null ? Optional.empty() : Optional.of(storedOutcome(outcome)),
            latestAttemptAt));
      }
    }
    String scanAction = row.getString("scan_action");
    Optional<ScanSummary> scan = scanAction == null ? Optional.empty()
        : Optional.of(ScanSummary.ofHundredths(scanAction, longOrZero(row, "scan_score"), longOrZero(row, "scan_required")));
    return new HistoryMessage(
        id,
        Instant.ofEpochMilli(row.getLong("received_at")),
        row.getString("reverse_path"),
        row.getLong("size"),
        row.getString("listener"),
        row.getString("client_address"),
        Optional.ofNullable(row.getString("principal")),
        new AcceptedHeaders(
            Optional.ofNullable(row.getString("message_id")),
            Optional.ofNullable(row.getString("subject")),
            Optional.ofNullable(row.getString("from_field"))),
        found,
        annotations.read(id),
        scan);
  }

  private static long longOrZero(ResultSet row, String column) throws SQLException {
    long value = row.getLong(column);
    return row.wasNull() ? 0 : value;
  }

  private static AttemptRecord attempt(QueueId id, ResultSet row) throws SQLException, StoreException {
    long next = row.getLong("next_attempt_at");
    Optional<Instant> nextAttemptAt = row.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(next));
    String source = row.getString("source");
    try {
      return new AttemptRecord(
          id,
          row.getString("forward_path"),
          row.getInt("attempt"),
          Instant.ofEpochMilli(row.getLong("attempted_at")),
          storedOutcome(row.getString("outcome")),
          row.getString("enhanced_status"),
          row.getString("diagnostic"),
          Optional.ofNullable(row.getString("remote_mta")),
          Optional.ofNullable(row.getString("tls_protocol")),
          Optional.ofNullable(row.getString("tls_cipher")),
          Duration.ofMillis(row.getLong("delay_ms")),
          nextAttemptAt,
          AttemptRecord.Source.fromKeyword(source).orElseThrow(
              () -> new IllegalArgumentException("unknown source \"" + source + "\"")));
    } catch (IllegalArgumentException e) {
      // Only this class writes the table, through the same record: a row it refuses was damaged.
      throw new StoreException(StoreException.Kind.CORRUPT, "stored attempt of message " + id + ": " + e.getMessage(), e);
    }
  }

  private static AttemptOutcome storedOutcome(String keyword) throws StoreException {
    return AttemptOutcome.fromKeyword(keyword)
        .orElseThrow(() -> new StoreException(StoreException.Kind.CORRUPT, "stored outcome is unknown: \"" + keyword + "\""));
  }

  static void setNullable(PreparedStatement statement, int index, Optional<String> value) throws SQLException {
    if (value.isPresent()) {
      statement.setString(index, value.get());
    } else {
      statement.setNull(index, Types.VARCHAR);
    }
  }
}
