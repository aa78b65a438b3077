package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Optional;

/**
 * The statements that store an accepted message on the writer's connection: its queue rows and
 * content, and in the same transaction its history rows, tags and metadata, idempotency record and
 * feed entry. Used by the {@link GroupCommitWriter} thread only, inside its transactions.
 */
final class AcceptStatements {

  private static final String INSERT_MESSAGE =
      """
      INSERT INTO message (id, received_at, reverse_path, mail_parameters, listener, client_address,
                           helo_name, tls_protocol, tls_cipher, principal, size,
                           lease_owner, lease_until, lease_token, state, hold_reason)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)""";
  private static final String INSERT_RECIPIENT =
      "INSERT INTO recipient (message_id, position, forward_path, parameters, domain) VALUES (?, ?, ?, ?, ?)";

  private final Connection connection;
  private final NodeIdentity node;
  // Prepared once, and again after any failure: sqlite-jdbc can leave a statement that failed
  // mid-step (SQLITE_FULL) unusable ("statement is not executing").
  private PreparedStatement insertMessage;
  private PreparedStatement insertContent;
  private PreparedStatement insertRecipient;
  private PreparedStatement insertHistoryMessage;
  private PreparedStatement insertHistoryRecipient;
  private PreparedStatement insertHistoryTag;
  private PreparedStatement insertHistoryMetadata;
  private PreparedStatement insertIdempotency;
  private PreparedStatement insertEvent;

  AcceptStatements(Connection connection, NodeIdentity node) throws SQLException {
    this.connection = connection;
    this.node = node;
    prepare();
  }

  void insert(NewMessage message, Optional<NewMessageEvent> accepted) throws SQLException, StoreException {
    String id = message.id().value();
    Origin origin = message.origin();
    insertMessage.setString(1, id);
    insertMessage.setLong(2, message.receivedAt().toEpochMilli());
    insertMessage.setString(3, message.reversePath());
    insertMessage.setString(4, message.mailParameters());
    insertMessage.setString(5, origin.listener());
    insertMessage.setString(6, origin.clientAddress());
    insertMessage.setString(7, origin.heloName());
    setNullableString(insertMessage, 8, origin.tlsProtocol());
    setNullableString(insertMessage, 9, origin.tlsCipher());
    setNullableString(insertMessage, 10, origin.principal());
    insertMessage.setLong(11, message.size());
    // The accepting node holds the new message's lease from the start (V20): it delivers it without
    // a poll, and no other node takes it unless this one dies. By the receipt time (this node's
    // clock); the first renewal moves it onto the database's clock.
    insertMessage.setString(12, node.id());
    insertMessage.setLong(13, message.receivedAt().toEpochMilli() + node.leaseMillis());
    insertMessage.setString(14, (message.holdReason().isPresent() ? MessageState.HELD : MessageState.QUEUED).stored());
    setNullableString(insertMessage, 15, message.holdReason().orElse(null));
    insertMessage.executeUpdate();

    insertContent.setString(1, id);
    insertContent.setBytes(2, message.content());
    insertContent.executeUpdate();
    insertContent.clearParameters(); // let the body be collected once written

    List<NewRecipient> recipients = message.recipients();
    for (int position = 0; position < recipients.size(); position++) {
      NewRecipient recipient = recipients.get(position);
      insertRecipient.setString(1, id);
      insertRecipient.setInt(2, position);
      insertRecipient.setString(3, recipient.forwardPath());
      insertRecipient.setString(4, recipient.parameters());
      insertRecipient.setString(5, recipient.domain());
      insertRecipient.addBatch();
    }
    try {
      insertRecipient.executeBatch();
    } finally {
      insertRecipient.clearBatch();
    }
    // In the same transaction: no accepted message lacks its history, and no extra commit.
    MessageHistory.insertAccepted(insertHistoryMessage, insertHistoryRecipient, message);
    MessageHistory.insertAnnotations(insertHistoryTag, insertHistoryMetadata, message);
    // And its idempotency record: a repeated API request finds the answer exactly when the message is queued.
    if (message.idempotency().isPresent()) {
      IdempotencyRecords.insert(insertIdempotency, message.idempotency().get());
    }
    // And its message.accepted in the account's event feed, the webhooks' outbox (FeedEntries).
    if (accepted.isPresent()) {
      MessageEvents.insertByHistory(insertEvent, accepted.get());
    }
  }

  private void prepare() throws SQLException {
    insertMessage = connection.prepareStatement(INSERT_MESSAGE);
    insertContent = connection.prepareStatement(MessageBodies.INSERT);
    insertRecipient = connection.prepareStatement(INSERT_RECIPIENT);
    insertHistoryMessage = connection.prepareStatement(MessageHistory.INSERT_MESSAGE);
    insertHistoryRecipient = connection.prepareStatement(MessageHistory.INSERT_RECIPIENT);
    insertHistoryTag = connection.prepareStatement(MessageHistory.INSERT_TAG);
    insertHistoryMetadata = connection.prepareStatement(MessageHistory.INSERT_METADATA);
    insertIdempotency = connection.prepareStatement(IdempotencyRecords.INSERT);
    insertEvent = connection.prepareStatement(MessageEvents.INSERT);
  }

  /** Closes and prepares every statement again after {@code failure}, which keeps what goes wrong doing so. */
  void renew(Exception failure) {
    for (PreparedStatement statement :
        List.of(insertMessage, insertContent, insertRecipient, insertHistoryMessage, insertHistoryRecipient, insertHistoryTag,
            insertHistoryMetadata, insertIdempotency, insertEvent)) {
      try {
        statement.close();
      } catch (SQLException closeFailure) {
        failure.addSuppressed(closeFailure);
      }
    }
    try {
      prepare();
    } catch (SQLException prepareFailure) {
      // The next commit() would use closed statements and fail with its own clear error; keep this
      // one with the failure that caused it.
      failure.addSuppressed(prepareFailure);
    }
  }

  private static void setNullableString(PreparedStatement statement, int index, String value)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.VARCHAR);
    } else {
      statement.setString(index, value);
    }
  }
}
