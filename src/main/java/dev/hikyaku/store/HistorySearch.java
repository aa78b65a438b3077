package dev.hikyaku.store;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The statement a {@link MessageHistory#search} runs: one driving index (see that class's comment),
 * the other filters as conditions on its rows, newest first. Package-private for the test that
 * checks every plan.
 */
record HistorySearch(String sql, List<Object> arguments) {

  static HistorySearch of(HistoryQuery query, Dialect dialect) {
    List<String> where = new ArrayList<>();
    List<Object> arguments = new ArrayList<>();
    // An expression on a column ("x || ''" on text, a unary + on a number: SQLite's unary + on text,
    // https://sqlite.org/optoverview.html#disqualifying_where_clause_terms_using_unary_, is no
    // operator in PostgreSQL) keeps the planner off that column's index, so the index chosen here is
    // the one it uses.
    boolean isByRecipient = query.messageId().isEmpty()
        && (query.recipient().isPresent()
            || query.sender().isEmpty() && query.principal().isEmpty() && query.status().isPresent());
    String table = isByRecipient ? "r" : "m";
    if (isByRecipient) {
      query.recipient().ifPresent(recipient -> {
        where.add("lower(r.forward_path) = lower(?)");
        arguments.add(recipient);
      });
      query.status().ifPresent(status -> {
        where.add((query.recipient().isPresent() ? "r.latest_outcome || ''" : "r.latest_outcome") + " = ?");
        arguments.add(status.keyword());
      });
      query.sender().ifPresent(sender -> {
        where.add("lower(m.reverse_path) = lower(?)");
        arguments.add(sender);
      });
      query.principal().ifPresent(principal -> {
        where.add("lower(m.principal || '') = lower(?)");
        arguments.add(principal);
      });
    } else {
      query.messageId().ifPresent(messageId -> {
        where.add("m.message_id IN (?, ?)");
        arguments.addAll(spellings(messageId));
      });
      query.sender().ifPresent(sender -> {
        where.add((query.messageId().isPresent() ? "lower(m.reverse_path || '')" : "lower(m.reverse_path)") + " = lower(?)");
        arguments.add(sender);
      });
      query.principal().ifPresent(principal -> {
        boolean isDriving = query.messageId().isEmpty() && query.sender().isEmpty();
        where.add((isDriving ? "lower(m.principal)" : "lower(m.principal || '')") + " = lower(?)");
        arguments.add(principal);
      });
      if (query.recipient().isPresent() || query.status().isPresent()) {
        // Looked up by the message's own recipients (the primary key), not by the other indexes.
        StringBuilder exists =
            new StringBuilder("EXISTS (SELECT 1 FROM history_recipient r WHERE r.queue_id = m.queue_id");
        query.recipient().ifPresent(recipient -> {
          exists.append(" AND lower(r.forward_path || '') = lower(?)");
          arguments.add(recipient);
        });
        query.status().ifPresent(status -> {
          exists.append(" AND r.latest_outcome || '' = ?");
          arguments.add(status.keyword());
        });
        where.add(exists.append(")").toString());
      }
    }
    query.tag().ifPresent(tag -> {
      // A condition on the message's own tags (their primary key), never the driving index: the
      // account, sender or recipient narrows first, and a message has at most ten tags.
      where.add("EXISTS (SELECT 1 FROM history_tag t WHERE t.queue_id = m.queue_id AND t.tag || '' = ?)");
      arguments.add(tag);
    });
    query.since().ifPresent(since -> {
      where.add(table + ".received_at >= ?");
      arguments.add(since.toEpochMilli());
    });
    // Of until and a page's position only the tighter bound is written: given both, the planner
    // bounds the index range by one and filters by the other, and a page far down would read every
    // row between them. received_at < until <= position.receivedAt implies the position's bound,
    // and a position before until implies until's.
    boolean isUntilTighter = query.until().isPresent()
        && (query.before().isEmpty() || !query.until().get().isAfter(query.before().get().receivedAt()));
    if (isUntilTighter) {
      where.add(table + ".received_at < ?");
      arguments.add(query.until().get().toEpochMilli());
    } else if (query.before().isPresent()) {
      // A row value, so that the driving index's (received_at, queue_id) tail bounds the range.
      where.add("(" + table + ".received_at, " + table + ".queue_id) < (?, ?)");
      arguments.add(query.before().get().receivedAt().toEpochMilli());
      arguments.add(query.before().get().queueId());
    }
    StringBuilder sql = new StringBuilder("SELECT ").append(MessageHistory.MESSAGE_COLUMNS);
    sql.append(isByRecipient
        ? " FROM history_recipient r " + dialect.outerLoopJoin() + " history_message m ON m.queue_id = r.queue_id"
        : " FROM history_message m");
    if (!where.isEmpty()) {
      sql.append(" WHERE ").append(String.join(" AND ", where));
    }
    sql.append(" ORDER BY ").append(table).append(".received_at DESC, ").append(table).append(".queue_id DESC");
    if (!isByRecipient) {
      // By recipient, a message may come more than once; the reader stops at the limit instead.
      sql.append(" LIMIT ?");
      arguments.add(query.limit());
    }
    return new HistorySearch(sql.toString(), List.copyOf(arguments));
  }

  void bind(PreparedStatement statement) throws SQLException {
    for (int i = 0; i < arguments.size(); i++) {
      statement.setObject(i + 1, arguments.get(i));
    }
  }

  /**
   * A Message-ID as typed and with its angle brackets added or taken off: the field holds {@code
   * <id@domain>} (RFC 5322 §3.6.4), and people copy it with and without them.
   */
  static List<String> spellings(String messageId) {
    String typed = messageId.strip();
    if (typed.length() >= 2 && typed.startsWith("<") && typed.endsWith(">")) {
      return List.of(typed, typed.substring(1, typed.length() - 1));
    }
    return List.of(typed, "<" + typed + ">");
  }
}
