package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The queue as an operator sees it (admin CLI, HTTP API): searching and reading messages, holding,
 * releasing, deleting and returning them, and asking for deferred recipients to be flushed. Its
 * changes go through the same group-commit writer as the delivery state machine ({@link
 * MessageQueue}), so the queue keeps one writer; a flush request is only recorded here, and the
 * scheduler applies it in batches ({@link MessageQueue#applyFlush}).
 */
public final class QueueAdmin {

  private static final String SELECT_MESSAGE =
      """
      SELECT received_at, reverse_path, mail_parameters, listener, client_address, helo_name,
             tls_protocol, tls_cipher, principal, size, state, hold_reason
      FROM message WHERE id = ?""";
  private static final String SELECT_RECIPIENTS =
      """
      SELECT forward_path, parameters, state, attempts, last_reply, next_attempt_at, last_attempt_at
      FROM recipient WHERE message_id = ? ORDER BY position""";

  private final GroupCommitWriter writer;
  private final ReadConnections readers;
  private final Clock clock;

  QueueAdmin(GroupCommitWriter writer, ReadConnections readers, Clock clock) {
    this.writer = writer;
    this.readers = readers;
    this.clock = clock;
  }

  /** Messages matching {@code query}, oldest first. Never reads message content. */
  public List<QueueEntry> list(QueueQuery query) throws StoreException {
    Listing listing = Listing.of(query);
    String sql = listing.sql();
    List<Object> arguments = listing.arguments();
    return readers.read("listing the queue", connection -> {
      try (PreparedStatement statement = connection.prepareStatement(sql)) {
        for (int i = 0; i < arguments.size(); i++) {
          statement.setObject(i + 1, arguments.get(i));
        }
        List<QueueEntry> entries = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            entries.add(new QueueEntry(
                MessageQueue.storedId(rows.getString("id")),
                Instant.ofEpochMilli(rows.getLong("received_at")),
                rows.getString("reverse_path"),
                rows.getInt("recipient_count"),
                rows.getLong("size"),
                MessageState.fromStored(rows.getString("state")),
                Optional.ofNullable(rows.getString("hold_reason"))));
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

  /** Keeps message {@code id} from delivery until {@link #release}d (admin). */
  public void hold(QueueId id) throws StoreException {
    setMessageState(id, MessageState.QUEUED, MessageState.HELD);
  }

  /**
   * Lets a held message be delivered again. Its recipients keep their schedule: a deferred one is
   * due at its next attempt time, as if it had never been held.
   */
  public void release(QueueId id) throws StoreException {
    setMessageState(id, MessageState.HELD, MessageState.QUEUED);
  }

  /** Removes message {@code id}, its recipients and content without delivering it (admin). */
  public void delete(QueueId id) throws StoreException {
    writer.apply("deleting message " + id, connection -> {
      MessageQueue.requireMessage(connection, id);
      MessageQueue.deleteMessage(connection, id);
      return null;
    });
  }

  /**
   * Sends message {@code id} back to its sender (Exim's {@code -Mg}): its
   * open recipients become due now, and the scheduler fails them at its next pass with a DSN
   * instead of delivering them. A held message is returned too.
   */
  public void returnToSender(QueueId id) throws StoreException {
    writer.apply("returning message " + id + " to its sender", connection -> {
      MessageQueue.requireMessage(connection, id);
      try (PreparedStatement message =
              connection.prepareStatement("UPDATE message SET state = '" + MessageState.RETURNING.stored() + "' WHERE id = ?");
          PreparedStatement recipients = connection.prepareStatement(
              "UPDATE recipient SET next_attempt_at = NULL WHERE message_id = ? AND state IN " + MessageQueue.OPEN)) {
        message.setString(1, id.value());
        message.executeUpdate();
        recipients.setString(1, id.value());
        recipients.executeUpdate();
      }
      return null;
    });
  }

  /**
   * Asks for the deferred recipients at {@code domain}, or of the whole queue when empty, to be made
   * due now (Postfix's {@code postqueue -s site} and {@code postqueue -f}). Like postqueue, this only
   * records the request: the scheduler moves the recipients in batches between its passes ({@link
   * MessageQueue#applyFlush}), so neither the caller nor the sessions' commits wait for tens of
   * thousands of rows to be rewritten. A request made while the server is stopped is applied when it starts.
   *
   * @return how many deferred recipients are not yet due now, and so will be moved (counted through
   *     the index the batches walk); nothing is recorded when none
   */
  public long requestFlush(Optional<String> domain) throws StoreException {
    Optional<String> key = domain.map(d -> d.toLowerCase(Locale.ROOT));
    String action = key.map(d -> "requesting a flush of recipients at " + d).orElse("requesting a flush of the queue");
    long candidates = readers.read(action, connection -> {
      try (PreparedStatement select = connection.prepareStatement(key.isPresent() ? QueueFlush.COUNT_DOMAIN_NOT_DUE : QueueFlush.COUNT_NOT_DUE)) {
        if (key.isPresent()) {
          select.setString(1, key.get());
        }
        try (ResultSet rows = select.executeQuery()) {
          rows.next();
          return rows.getLong(1);
        }
      }
    });
    if (candidates == 0) {
      return 0;
    }
    long requestedAt = clock.millis();
    writer.apply(action, connection -> {
      try (PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO flush_request (domain, requested_at, remaining) VALUES (?, ?, ?)")) {
        insert.setString(1, key.orElse(null));
        insert.setLong(2, requestedAt);
        // One batch more than counted: recipients deferred meanwhile may be moved too, but cannot
        // keep the flush going for ever.
        insert.setLong(3, candidates + QueueFlush.FLUSH_BATCH);
        insert.executeUpdate();
      }
      return null;
    });
    return candidates;
  }

  /**
   * Makes the deferred recipients of message {@code id} due now; returns how many were moved.
   * {@code NOT_FOUND} when the queue has no such message (as {@link #hold} and the others).
   */
  public int flush(QueueId id) throws StoreException {
    return writer.apply("flushing " + id, connection -> {
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE recipient SET next_attempt_at = NULL WHERE state = 'deferred' AND message_id = ?")) {
        update.setString(1, id.value());
        int moved = update.executeUpdate();
        if (moved == 0) {
          MessageQueue.requireMessage(connection, id);
        }
        return moved;
      }
    });
  }

  /**
   * Moves message {@code id} from state {@code from} to {@code to}. A message in another state is
   * left as it is: releasing or holding one that is being returned must not cancel the return.
   */
  private void setMessageState(QueueId id, MessageState from, MessageState to) throws StoreException {
    writer.apply("setting message " + id + " " + to.stored(), connection -> {
      try (PreparedStatement update =
          connection.prepareStatement("UPDATE message SET state = ?, hold_reason = NULL WHERE id = ? AND state = ?")) {
        update.setString(1, to.stored());
        update.setString(2, id.value());
        update.setString(3, from.stored());
        if (update.executeUpdate() == 0) {
          MessageQueue.requireMessage(connection, id);
          try (PreparedStatement select = connection.prepareStatement("SELECT state FROM message WHERE id = ?")) {
            select.setString(1, id.value());
            try (ResultSet row = select.executeQuery()) {
              row.next();
              throw new StoreException(StoreException.Kind.CONFLICT,
                  "message " + id + " is " + row.getString(1) + ", not " + from.stored());
            }
          }
        }
      }
      return null;
    });
  }

  private static Optional<QueuedMessage> readMessage(Connection connection, QueueId id)
      throws SQLException, StoreException {
    try (PreparedStatement message = connection.prepareStatement(SELECT_MESSAGE);
        PreparedStatement recipients = connection.prepareStatement(SELECT_RECIPIENTS);
        PreparedStatement content = connection.prepareStatement(MessageBodies.SELECT)) {
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
            MessageState.fromStored(row.getString("state")),
            MessageBodies.read(content, id),
            Optional.ofNullable(row.getString("hold_reason"))));
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
        long lastAttemptAt = rows.getLong("last_attempt_at");
        boolean hasLastAttempt = !rows.wasNull();
        recipients.add(new QueuedRecipient(
            rows.getString("forward_path"),
            rows.getString("parameters"),
            rows.getString("state"),
            rows.getInt("attempts"),
            rows.getString("last_reply"),
            hasNextAttempt ? Instant.ofEpochMilli(nextAttemptAt) : null,
            hasLastAttempt ? Instant.ofEpochMilli(lastAttemptAt) : null));
      }
    }
    return recipients;
  }

  /**
   * The statement {@link #list} runs: one driving index, chosen here, the other filters checked on
   * its rows. A recipient drives when given (an address has few messages in the queue; they are
   * looked up by id and sorted), else the sender, else the state, else the time, each through an
   * index ordered by (received_at, id) so that the oldest {@code limit} are read and no more (V17).
   * An expression on a column ("x || ''" on text, a unary + on a number; see HistorySearch) keeps
   * the planner off that column's index. Package-private for the test that checks every plan.
   */
  record Listing(String sql, List<Object> arguments) {

    static Listing of(QueueQuery query) {
      List<String> conditions = new ArrayList<>();
      List<Object> arguments = new ArrayList<>();
      boolean isByRecipient = query.recipient().isPresent();
      boolean isBySender = !isByRecipient && query.sender().isPresent();
      boolean isByState = !isByRecipient && !isBySender && query.state().isPresent();
      // Address matches compare lower() of both sides, the same function as the expression indexes
      // in V1 and V17, so the indexes apply. SQLite's lower() folds ASCII only; addresses that differ
      // in the case of non-ASCII letters (RFC 6531) are told apart.
      query.recipient().ifPresent(recipient -> {
        // IN, not a correlated EXISTS: with EXISTS the planner walked every message and, for each,
        // the address's index entries (100,000 x 1,000 rows for a busy address: minutes).
        conditions.add("m.id IN (SELECT r.message_id FROM recipient r WHERE lower(r.forward_path) = lower(?))");
        arguments.add(recipient);
      });
      query.sender().ifPresent(sender -> {
        conditions.add((isBySender ? "lower(m.reverse_path)" : "lower(m.reverse_path || '')") + " = lower(?)");
        arguments.add(sender);
      });
      query.state().ifPresent(state -> {
        conditions.add((isByState ? "m.state" : "m.state || ''") + " = ?");
        arguments.add(state);
      });
      query.receivedBefore().ifPresent(before -> {
        conditions.add((isByRecipient ? "+m.received_at" : "m.received_at") + " < ?");
        arguments.add(before.toEpochMilli());
      });
      arguments.add(query.limit());
      String sql =
          "SELECT m.id, m.received_at, m.reverse_path, m.size, m.state, m.hold_reason,"
              + " (SELECT count(*) FROM recipient c WHERE c.message_id = m.id) AS recipient_count"
              + " FROM message m"
              + (conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions))
              + " ORDER BY m.received_at, m.id LIMIT ?";
      return new Listing(sql, List.copyOf(arguments));
    }
  }
}
