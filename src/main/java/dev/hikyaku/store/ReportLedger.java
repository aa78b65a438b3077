package dev.hikyaku.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The daily reports a server sends from counts it keeps per UTC day and policy domain (TLS-RPT,
 * DMARC aggregate): which domains still need the report of a day, taking one on (the one node whose
 * row it is), what came of it, and pruning old days. {@code counts} and {@code sent} name the two
 * tables; both have {@code day} and {@code policy_domain} columns, {@code sent} the V21 layout.
 */
public final class ReportLedger {

  private final AccountWriter writer;
  private final ReadConnections readers;
  private final String counts;
  private final String sent;
  private final String what;

  ReportLedger(AccountWriter writer, ReadConnections readers, String counts, String sent, String what) {
    this.writer = writer;
    this.readers = readers;
    this.counts = counts;
    this.sent = sent;
    this.what = what;
  }

  /** The policy domains with counts on {@code day} whose report no node has taken on yet. */
  public List<String> unreported(LocalDate day) throws StoreException {
    return readers.read("finding the " + what + " reports still to make", connection -> {
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT DISTINCT c.policy_domain FROM " + counts + " c WHERE c.day = ? AND NOT EXISTS"
              + " (SELECT 1 FROM " + sent + " s WHERE s.day = c.day AND s.policy_domain = c.policy_domain)"
              + " ORDER BY c.policy_domain")) {
        select.setString(1, day.toString());
        try (ResultSet rows = select.executeQuery()) {
          List<String> domains = new ArrayList<>();
          while (rows.next()) {
            domains.add(rows.getString(1));
          }
          return domains;
        }
      }
    });
  }

  /** Takes the report on as {@code reportId}: true for the one node whose row this is. */
  public boolean take(LocalDate day, String policyDomain, String reportId, Instant at) throws StoreException {
    return writer.write("taking on the " + what + " report of " + policyDomain + " for " + day, connection -> {
      try (PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO " + sent + " (day, policy_domain, report_id, taken_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
        insert.setString(1, day.toString());
        insert.setString(2, policyDomain);
        insert.setString(3, reportId);
        insert.setLong(4, at.toEpochMilli());
        return insert.executeUpdate() == 1;
      }
    });
  }

  public void outcome(LocalDate day, String policyDomain, String outcome) throws StoreException {
    writer.write("recording the " + what + " report of " + policyDomain + " for " + day, connection -> {
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE " + sent + " SET outcome = ? WHERE day = ? AND policy_domain = ?")) {
        update.setString(1, outcome);
        update.setString(2, day.toString());
        update.setString(3, policyDomain);
        update.executeUpdate();
      }
      return null;
    });
  }

  public Optional<String> outcome(LocalDate day, String policyDomain) throws StoreException {
    return readers.read("reading the " + what + " report of " + policyDomain, connection -> {
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT outcome FROM " + sent + " WHERE day = ? AND policy_domain = ?")) {
        select.setString(1, day.toString());
        select.setString(2, policyDomain);
        try (ResultSet rows = select.executeQuery()) {
          return rows.next() ? Optional.of(rows.getString(1)) : Optional.<String>empty();
        }
      }
    });
  }

  /** Deletes the counts and report records of days before {@code day}; returns how many rows went. */
  public int prune(LocalDate day) throws StoreException {
    return writer.write("pruning " + what + " report counts", connection -> delete(connection, counts, day)
        + delete(connection, sent, day));
  }

  private static int delete(Connection connection, String table, LocalDate before) throws SQLException {
    try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table + " WHERE day < ?")) {
      delete.setString(1, before.toString());
      return delete.executeUpdate();
    }
  }
}
