package dev.hikyaku.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/**
 * The answers kept for Idempotency-Key (V11 {@code idempotency}). A record is written only with its
 * message, by {@link MessageQueue#accept} ({@link NewMessage#idempotency()}); here it is read back
 * and, once older than {@link IdempotencyRecord#KEPT_FOR}, pruned.
 */
public final class IdempotencyRecords {

  // A record under the same scope that is past KEPT_FOR is replaced; a current one is kept, and the
  // insert changes no row, which fails the message's transaction (see insert).
  static final String INSERT =
      """
      INSERT INTO idempotency (scope, fingerprint, queue_id, status, response, created_at)
      VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (scope) DO UPDATE SET fingerprint = excluded.fingerprint, queue_id = excluded.queue_id,
          status = excluded.status, response = excluded.response, created_at = excluded.created_at
      WHERE idempotency.created_at <= ?""";
  static final String SELECT =
      "SELECT scope, fingerprint, queue_id, status, response, created_at FROM idempotency WHERE scope = ?";
  // Oldest first through idempotency_created_at, in batches, as history pruning does.
  static final String DELETE_OLD =
      "DELETE FROM idempotency WHERE scope IN (SELECT scope FROM idempotency WHERE created_at <= ? ORDER BY created_at LIMIT ?)";

  private final GroupCommitWriter writer;
  private final ReadConnections readers;

  IdempotencyRecords(GroupCommitWriter writer, ReadConnections readers) {
    this.writer = writer;
    this.readers = readers;
  }

  /** The record kept under {@code scope}, however old (the caller decides what is still current). */
  public Optional<IdempotencyRecord> find(String scope) throws StoreException {
    return readers.read("reading the idempotency record", connection -> {
      try (PreparedStatement select = connection.prepareStatement(SELECT)) {
        select.setString(1, scope);
        try (ResultSet row = select.executeQuery()) {
          if (!row.next()) {
            return Optional.empty();
          }
          return Optional.of(new IdempotencyRecord(
              row.getString("scope"),
              row.getString("fingerprint"),
              MessageQueue.storedId(row.getString("queue_id")),
              row.getInt("status"),
              row.getString("response"),
              Instant.ofEpochMilli(row.getLong("created_at"))));
        }
      }
    });
  }

  /**
   * Deletes up to {@code maxRecords} records created at or before {@code createdBefore}, oldest
   * first, in one transaction of the writer.
   *
   * @return how many went; fewer than {@code maxRecords} when no more are due
   */
  public int prune(Instant createdBefore, int maxRecords) throws StoreException {
    if (maxRecords < 1) {
      throw new IllegalArgumentException("maxRecords must be at least 1, was " + maxRecords);
    }
    return writer.apply("pruning idempotency records before " + createdBefore, connection -> {
      try (PreparedStatement delete = connection.prepareStatement(DELETE_OLD)) {
        delete.setLong(1, createdBefore.toEpochMilli());
        delete.setInt(2, maxRecords);
        return delete.executeUpdate();
      }
    });
  }

  /**
   * Writes {@code record} with the writer's prepared {@link #INSERT}, inside the transaction that
   * queues its message. A current record under the same scope (one request racing another that the
   * API's in-flight guard did not see, such as from a second process) makes it fail, and with it the
   * message: the request is answered "try again", and the retry finds the record.
   */
  static void insert(PreparedStatement insert, IdempotencyRecord record) throws SQLException, StoreException {
    insert.setString(1, record.scope());
    insert.setString(2, record.fingerprint());
    insert.setString(3, record.queueId().value());
    insert.setInt(4, record.status());
    insert.setString(5, record.response());
    insert.setLong(6, record.createdAt().toEpochMilli());
    insert.setLong(7, record.createdAt().minus(IdempotencyRecord.KEPT_FOR).toEpochMilli());
    if (insert.executeUpdate() == 0) {
      throw new StoreException(
          StoreException.Kind.CONFLICT, "an answer is already recorded for this idempotency key; message " + record.queueId() + " not stored");
    }
  }
}
