package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The suppression list (V10): per sending domain, the recipients mail is no longer taken for.
 * Hard bounces are added by {@link MessageQueue#record} in the transaction that records the failure;
 * operators add and remove entries here, through the account writer (short transactions, safe
 * alongside a running server). Domains and addresses are compared with SQLite's {@code lower()},
 * as {@link QueueAdmin#list} compares them.
 */
public final class Suppressions {

  private static final String COLUMNS =
      "sender_domain, recipient, reason, enhanced_status, diagnostic, queue_id, created_at";
  // The RCPT lookup: one SEARCH of suppression_key (SuppressionsTest checks the plan).
  static final String FIND =
      "SELECT " + COLUMNS + " FROM suppression WHERE lower(sender_domain) = lower(?) AND lower(recipient) = lower(?)";
  // OR IGNORE: an address already listed keeps its first reason and time.
  private static final String INSERT = "INSERT INTO suppression (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
  private static final String DELETE =
      "DELETE FROM suppression WHERE lower(sender_domain) = lower(?) AND lower(recipient) = lower(?)";
  // A page of one domain: a range of suppression_key, in its order (SuppressionsTest checks the plans).
  static final String PAGE =
      "SELECT " + COLUMNS + " FROM suppression WHERE lower(sender_domain) = ? ORDER BY lower(recipient) LIMIT ?";
  static final String PAGE_AFTER = "SELECT " + COLUMNS
      + " FROM suppression WHERE lower(sender_domain) = ? AND lower(recipient) > ? ORDER BY lower(recipient) LIMIT ?";

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

  /**
   * Where an entry stands in the order of {@link #page}: its sending domain, then its recipient,
   * each as SQLite's {@code lower()} folds it (ASCII only, as the list compares them).
   */
  public record Position(String senderDomain, String recipient) {
    public Position {
      senderDomain = fold(senderDomain);
      recipient = fold(recipient);
    }

    /** The position of {@code entry}: a page {@link #page after} it goes on with the next one. */
    public static Position of(Suppression entry) {
      return new Position(entry.senderDomain(), entry.recipient());
    }
  }

  /**
   * Up to {@code limit} entries of the sending domains {@code senderDomains}, by domain and then by
   * recipient, after {@code after} (keyset paging: each domain is one range of the {@code
   * suppression_key} index, read from where the page before stopped, never from an offset).
   */
  public List<Suppression> page(Collection<String> senderDomains, Optional<Position> after, int limit)
      throws StoreException {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, was " + limit);
    }
    // The order of domains is ours (Java's, on the folded names); SQLite orders recipients within one.
    List<String> domains = senderDomains.stream().map(Suppressions::fold).distinct().sorted().toList();
    return readers.read("listing suppressions of " + domains.size() + " domain(s)", connection -> {
      List<Suppression> found = new ArrayList<>();
      for (String domain : domains) {
        Optional<String> afterRecipient = Optional.empty();
        if (after.isPresent()) {
          int order = domain.compareTo(after.get().senderDomain());
          if (order < 0) {
            continue;
          }
          if (order == 0) {
            afterRecipient = Optional.of(after.get().recipient());
          }
        }
        try (PreparedStatement select = connection.prepareStatement(afterRecipient.isPresent() ? PAGE_AFTER : PAGE)) {
          select.setString(1, domain);
          int next = 2;
          if (afterRecipient.isPresent()) {
            select.setString(next++, afterRecipient.get());
          }
          select.setInt(next, limit - found.size());
          found.addAll(read(select));
        }
        if (found.size() == limit) {
          break;
        }
      }
      return found;
    });
  }

  /**
   * Takes {@code recipient} off the list of every domain of {@code senderDomains}, in one
   * transaction; returns the entries that were removed (none when it was on no list of them).
   */
  public List<Suppression> removeEverywhere(Collection<String> senderDomains, String recipient) throws StoreException {
    List<String> domains = senderDomains.stream().map(Suppressions::fold).distinct().sorted().toList();
    return writer.write("removing suppression of <" + recipient + "> for " + domains, connection -> {
      List<Suppression> removed = new ArrayList<>();
      try (PreparedStatement delete = connection.prepareStatement(DELETE)) {
        for (String domain : domains) {
          Optional<Suppression> entry = find(connection, domain, recipient);
          if (entry.isPresent()) {
            delete.setString(1, domain);
            delete.setString(2, recipient);
            delete.executeUpdate();
            removed.add(entry.get());
          }
        }
      }
      return removed;
    });
  }

  /**
   * Lists each of {@code entries} whose recipient is not yet suppressed for its domain, in one
   * transaction; returns those that were added (an entry already listed keeps its first reason).
   */
  public List<Suppression> addAbsent(List<Suppression> entries) throws StoreException {
    List<Suppression> copied = List.copyOf(entries);
    return writer.write("suppressing " + copied.size() + " recipient(s)", connection -> {
      return insertAbsent(connection, copied);
    });
  }

  /** As SQLite's {@code lower()}: ASCII letters only, so a position compares as the index does. */
  static String fold(String text) {
    StringBuilder folded = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      folded.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
    }
    return folded.toString();
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

  /**
   * Adds the entries not already listed, inside the caller's transaction; returns those added (an
   * entry already listed keeps its first reason and time, and is not told again).
   */
  static List<Suppression> insertAbsent(Connection connection, List<Suppression> entries) throws SQLException {
    List<Suppression> added = new ArrayList<>();
    for (Suppression entry : entries) {
      if (insert(connection, List.of(entry)) == 1) {
        added.add(entry);
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
