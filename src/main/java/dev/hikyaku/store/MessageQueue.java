package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

/**
 * The queue of accepted messages. Writes go through the group-commit writer; reads use their own
 * connections and see committed messages only.
 */
public final class MessageQueue {

  private static final String SELECT_MESSAGE =
      """
      SELECT received_at, reverse_path, mail_parameters, listener, client_address, helo_name,
             tls_protocol, tls_cipher, principal, size, state
      FROM message WHERE id = ?""";
  private static final String SELECT_RECIPIENTS =
      """
      SELECT forward_path, parameters, state, attempts, last_reply, next_attempt_at
      FROM recipient WHERE message_id = ? ORDER BY position""";
  private static final String SELECT_CONTENT =
      "SELECT content FROM message_content WHERE message_id = ?";

  private final GroupCommitWriter writer;
  private final ReadConnections readers;

  MessageQueue(GroupCommitWriter writer, ReadConnections readers) {
    this.writer = writer;
    this.readers = readers;
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
    var committed = writer.submit(message);
    try {
      committed.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StoreException cause) {
        // A fresh exception so the stack trace shows this caller, not only the writer thread.
        throw new StoreException(cause.kind(), cause.reason(), cause);
      }
      throw StoreException.from("accepting message " + message.id(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(
          StoreException.Kind.UNAVAILABLE,
          "interrupted while waiting for the commit of message " + message.id()
              + "; it may or may not be stored",
          e);
    }
  }

  /** Messages matching {@code query}, oldest first. Never reads message content. */
  public List<QueueEntry> list(QueueQuery query) throws StoreException {
    List<String> conditions = new ArrayList<>();
    List<Object> arguments = new ArrayList<>();
    // Address matches compare lower() of both sides, the same function as the expression indexes
    // in V1, so the indexes apply. SQLite's lower() folds ASCII only; addresses that differ in the
    // case of non-ASCII letters (RFC 6531) are told apart.
    query.sender().ifPresent(sender -> {
      conditions.add("lower(m.reverse_path) = lower(?)");
      arguments.add(sender);
    });
    query.recipient().ifPresent(recipient -> {
      conditions.add(
          "EXISTS (SELECT 1 FROM recipient r"
              + " WHERE r.message_id = m.id AND lower(r.forward_path) = lower(?))");
      arguments.add(recipient);
    });
    query.state().ifPresent(state -> {
      conditions.add("m.state = ?");
      arguments.add(state);
    });
    query.receivedBefore().ifPresent(before -> {
      conditions.add("m.received_at < ?");
      arguments.add(before.toEpochMilli());
    });
    String sql =
        "SELECT m.id, m.received_at, m.reverse_path, m.size, m.state,"
            + " (SELECT count(*) FROM recipient r WHERE r.message_id = m.id) AS recipient_count"
            + " FROM message m"
            + (conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions))
            + " ORDER BY m.received_at, m.id LIMIT ?";
    arguments.add(query.limit());

    return readers.read("listing the queue", connection -> {
      try (PreparedStatement statement = connection.prepareStatement(sql)) {
        for (int i = 0; i < arguments.size(); i++) {
          statement.setObject(i + 1, arguments.get(i));
        }
        List<QueueEntry> entries = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            entries.add(new QueueEntry(
                storedId(rows.getString("id")),
                Instant.ofEpochMilli(rows.getLong("received_at")),
                rows.getString("reverse_path"),
                rows.getInt("recipient_count"),
                rows.getLong("size"),
                rows.getString("state")));
          }
        }
        return entries;
      }
    });
  }

  /** The message named {@code id} with its recipients and content, if the queue holds it. */
  public Optional<QueuedMessage> find(QueueId id) throws StoreException {
    return readers.read("reading message " + id, connection -> readMessage(connection, id));
  }

  /** How many messages the queue holds (for the queue-depth gauge). */
  public long count() throws StoreException {
    return readers.read("counting the queue", connection -> {
      try (PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM message");
          java.sql.ResultSet rows = count.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    });
  }

  /** Messages written and commits done since the store opened. */
  public GroupCommitStats stats() {
    return writer.stats();
  }

  private static Optional<QueuedMessage> readMessage(Connection connection, QueueId id)
      throws SQLException, StoreException {
    try (PreparedStatement message = connection.prepareStatement(SELECT_MESSAGE);
        PreparedStatement recipients = connection.prepareStatement(SELECT_RECIPIENTS);
        PreparedStatement content = connection.prepareStatement(SELECT_CONTENT)) {
      message.setString(1, id.value());
      recipients.setString(1, id.value());
      content.setString(1, id.value());
      try (ResultSet row = message.executeQuery()) {
        if (!row.next()) {
          return Optional.empty();
        }
        Origin origin = new Origin(
            row.getString("listener"),
            row.getString("client_address"),
            row.getString("helo_name"),
            row.getString("tls_protocol"),
            row.getString("tls_cipher"),
            row.getString("principal"));
        return Optional.of(new QueuedMessage(
            id,
            Instant.ofEpochMilli(row.getLong("received_at")),
            row.getString("reverse_path"),
            row.getString("mail_parameters"),
            readRecipients(recipients),
            origin,
            row.getLong("size"),
            row.getString("state"),
            readContent(content, id)));
      }
    }
  }

  private static List<QueuedRecipient> readRecipients(PreparedStatement statement)
      throws SQLException {
    List<QueuedRecipient> recipients = new ArrayList<>();
    try (ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        long nextAttemptAt = rows.getLong("next_attempt_at");
        boolean hasNextAttempt = !rows.wasNull();
        recipients.add(new QueuedRecipient(
            rows.getString("forward_path"),
            rows.getString("parameters"),
            rows.getString("state"),
            rows.getInt("attempts"),
            rows.getString("last_reply"),
            hasNextAttempt ? Instant.ofEpochMilli(nextAttemptAt) : null));
      }
    }
    return recipients;
  }

  private static byte[] readContent(PreparedStatement statement, QueueId id)
      throws SQLException, StoreException {
    try (ResultSet rows = statement.executeQuery()) {
      if (!rows.next()) {
        // The writer inserts row and content in one transaction; a row without one was damaged.
        throw new StoreException(StoreException.Kind.CORRUPT, "message " + id + " has no content");
      }
      byte[] bytes = rows.getBytes(1);
      // SQLite hands back NULL for a zero-length BLOB through getBytes.
      return bytes == null ? new byte[0] : bytes;
    }
  }

  private static QueueId storedId(String text) throws StoreException {
    return QueueId.parse(text)
        .orElseThrow(() -> new StoreException(
            StoreException.Kind.CORRUPT, "stored queue id is malformed: \"" + text + "\""));
  }
}
