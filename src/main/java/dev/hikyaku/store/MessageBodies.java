package dev.hikyaku.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Where a queued message's content lives, and the one place that knows it: the table {@code
 * message_content} (BLOB on SQLite, BYTEA on PostgreSQL), apart from the {@code message} row so
 * that listing the queue never reads bodies, written and deleted in the transactions that write
 * and delete the message. Everything that stores, reads or drops a body goes through here, so
 * that an object store (bodies written and made durable first, a reference kept in this table)
 * can come later without touching the queue's code (issue 16 point 5).
 */
final class MessageBodies {

  static final String INSERT = "INSERT INTO message_content (message_id, content) VALUES (?, ?)";
  static final String SELECT = "SELECT content FROM message_content WHERE message_id = ?";
  static final String DELETE = "DELETE FROM message_content WHERE message_id = ?";

  private MessageBodies() {}

  /** The body {@code select} (prepared from {@link #SELECT}, its id set) finds for message {@code id}. */
  static byte[] read(PreparedStatement select, QueueId id) throws SQLException, StoreException {
    try (ResultSet rows = select.executeQuery()) {
      if (!rows.next()) {
        // The writer inserts row and content in one transaction; a row without one was damaged.
        throw new StoreException(StoreException.Kind.CORRUPT, "message " + id + " has no content");
      }
      byte[] bytes = rows.getBytes(1);
      // SQLite hands back NULL for a zero-length BLOB through getBytes.
      return bytes == null ? new byte[0] : bytes;
    }
  }
}
