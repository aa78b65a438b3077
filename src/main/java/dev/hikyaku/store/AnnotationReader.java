package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the tags and metadata of messages (V11: history_tag, history_metadata) on one connection,
 * each by its primary key (queue_id, position) in the order given: for the history's messages and
 * for the events of the event feed.
 */
final class AnnotationReader implements AutoCloseable {

  static final String SELECT_TAGS = "SELECT tag FROM history_tag WHERE queue_id = ? ORDER BY position";
  static final String SELECT_METADATA = "SELECT name, value FROM history_metadata WHERE queue_id = ? ORDER BY position";

  private final PreparedStatement tags;
  private final PreparedStatement metadata;
  private final Map<QueueId, Annotations> seen = new HashMap<>();

  private AnnotationReader(PreparedStatement tags, PreparedStatement metadata) {
    this.tags = tags;
    this.metadata = metadata;
  }

  static AnnotationReader prepare(Connection connection) throws SQLException {
    PreparedStatement tags = connection.prepareStatement(SELECT_TAGS);
    try {
      return new AnnotationReader(tags, connection.prepareStatement(SELECT_METADATA));
    } catch (SQLException e) {
      tags.close();
      throw e;
    }
  }

  /** The tags and metadata of message {@code id}; none when it has none, or the history no longer holds it. */
  Annotations read(QueueId id) throws SQLException {
    List<String> found = new ArrayList<>();
    tags.setString(1, id.value());
    try (ResultSet rows = tags.executeQuery()) {
      while (rows.next()) {
        found.add(rows.getString(1));
      }
    }
    Map<String, String> pairs = new LinkedHashMap<>();
    metadata.setString(1, id.value());
    try (ResultSet rows = metadata.executeQuery()) {
      while (rows.next()) {
        pairs.put(rows.getString(1), rows.getString(2));
      }
    }
    return found.isEmpty() && pairs.isEmpty() ? Annotations.NONE : new Annotations(found, pairs);
  }

  /**
   * As {@link #read}, each message read once by this reader (a page of the feed holds several
   * entries of one message); none without a message.
   */
  Annotations readOnce(Optional<QueueId> id) throws SQLException {
    if (id.isEmpty()) {
      return Annotations.NONE;
    }
    Annotations known = seen.get(id.get());
    if (known == null) {
      known = read(id.get());
      seen.put(id.get(), known);
    }
    return known;
  }

  @Override
  public void close() throws SQLException {
    try (tags; metadata) {
      // closed in reverse order by try-with-resources
    }
  }
}
