package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The suppression list (V10): per sending domain, the recipients mail is no longer taken for.
 * Hard bounces are added by {@link MessageQueue#record} in the transaction that records the failure;
 * operators add and remove entries here, through the account writer (short transactions, safe
 * alongside a running server). Domains and addresses are compared with SQLite's {@code lower()},
 * as {@link MessageQueue#list} compares them.
 */
public final class Suppressions {

  private static final String COLUMNS =
      "sender_domain, recipient, reason, enhanced_status, diagnostic, queue_id, created_at";
  // The RCPT lookup: one SEARCH of suppression_key (SuppressionsTest checks the plan).
  static final String FIND =
      "SELECT " + COLUMNS + " FROM suppression WHERE lower(sender_domain) = lower(?) AND lower(recipient) = lower(?)";
  // OR IGNORE: an address already listed keeps its first reason and time.
  private static final String INSERT = "INSERT OR IGNORE INTO suppression (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)";
  private static final String DELETE =
      "DELETE FROM suppression WHERE lower(sender_domain) = lower(?) AND lower(recipient) = lower(?)";

  private final AccountWriter writer;
  private final ReadConnections readers;

  Suppressions(AccountWriter writer, ReadConnections readers) {
    this.writer = writer;
    this.readers = readers;
  }

  /**
   * Lists {@code entry}; fails with {@code CONFLICT} (naming the existing entry's reason and time)
   * when its recipient is already suppressed for that domain.
   */
  public void add(Suppression entry) throws StoreException {
    writer.write("suppressing <" + entry.recipient() + "> for " + entry.senderDomain(), connection -> {
      if (insert(connection, List.of(entry)) == 0) {
        Suppression existing = find(connection, entry.senderDomain(), entry.recipient()).orElseThrow();
        throw new StoreException(StoreException.Kind.CONFLICT, "<" + existing.recipient() + "> is already suppressed for "
            + existing.senderDomain() + " since " + existing.createdAt() + " (" + existing.reason().keyword() + ")");
      }
      return null;
    });
  }

  /** Takes the recipient off the list for that domain; {@code NOT_FOUND} when it is not on it. */
  public void remove(String senderDomain, String recipient) throws StoreException {
    writer.write("removing suppression of <" + recipient + "> for " + senderDomain, connection -> {
      try (PreparedStatement delete = connection.prepareStatement(DELETE)) {
        delete.setString(1, senderDomain);
        delete.setString(2, recipient);
        if (delete.executeUpdate() == 0) {
          throw new StoreException(StoreException.Kind.NOT_FOUND,
              "<" + recipient + "> is not suppressed for " + senderDomain);
        }
      }
      return null;
    });
  }

  /** The entry for mail from {@code senderDomain} to {@code recipient}, if it is suppressed. */
  public Optional<Suppression> find(String senderDomain, String recipient) throws StoreException {
    return readers.read("looking up suppression of <" + recipient + "> for " + senderDomain,
        connection -> find(connection, senderDomain, recipient));
  }

  /** The entries, optionally of one sending domain and/or one recipient, by domain and recipient. */
  public List<Suppression> list(Optional<String> senderDomain, Optional<String> recipient) throws StoreException {
    return readers.read("listing suppressions", connection -> {
      List<String> conditions = new ArrayList<>();
      List<String> arguments = new ArrayList<>();
      senderDomain.ifPresent(d -> {
        conditions.add("lower(sender_domain) = lower(?)");
        arguments.add(d);
      });
      recipient.ifPresent(r -> {
        conditions.add("lower(recipient) = lower(?)");
        arguments.add(r);
      });
      String sql = "SELECT " + COLUMNS + " FROM suppression"
          + (conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions))
          + " ORDER BY lower(sender_domain), lower(recipient)";
      try (PreparedStatement select = connection.prepareStatement(sql)) {
        for (int i = 0; i < arguments.size(); i++) {
          select.setString(i + 1, arguments.get(i));
        }
        return read(select);
      }
    });
  }

  /** Adds entries not already listed, inside the caller's transaction; returns how many were new. */
  static int insert(Connection connection, List<Suppression> entries) throws SQLException {
    int added = 0;
    try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
      for (Suppression s : entries) {
        insert.setString(1, s.senderDomain());
        insert.setString(2, s.recipient());
        insert.setString(3, s.reason().keyword());
        setNullable(insert, 4, s.enhancedStatus());
        setNullable(insert, 5, s.diagnostic());
        setNullable(insert, 6, s.queueId().map(QueueId::value));
        insert.setLong(7, s.createdAt().toEpochMilli());
        added += insert.executeUpdate();
      }
    }
    return added;
  }

  private static Optional<Suppression> find(Connection connection, String senderDomain, String recipient) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(FIND)) {
      select.setString(1, senderDomain);
      select.setString(2, recipient);
      return read(select).stream().findFirst();
    }
  }

  private static List<Suppression> read(PreparedStatement select) throws SQLException {
    List<Suppression> entries = new ArrayList<>();
    try (ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        entries.add(new Suppression(rows.getString(1), rows.getString(2), Suppression.Reason.fromKeyword(rows.getString(3)),
            Optional.ofNullable(rows.getString(4)), Optional.ofNullable(rows.getString(5)),
            Optional.ofNullable(rows.getString(6)).map(QueueId::new), Instant.ofEpochMilli(rows.getLong(7))));
      }
    }
    return entries;
  }

  private static void setNullable(PreparedStatement statement, int index, Optional<String> value) throws SQLException {
    if (value.isPresent()) {
      statement.setString(index, value.get());
    } else {
      statement.setNull(index, Types.VARCHAR);
    }
  }
}
