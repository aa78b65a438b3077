package dev.hikyaku.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The counts SMTP TLS Reporting (RFC 8460) is made from (V21): TLS sessions towards recipient
 * policy domains, per UTC day, applied policy and result; which daily reports have been taken
 * on, by one node of those sharing the store; and the reports other senders sent us (V22). Written through the account writer in short
 * transactions: a node adds its counts once a minute, not once a session.
 */
public final class TlsReports {

  /** The result type of the sessions that went well (RFC 8460 §4.4: the summary's successes). */
  public static final String SUCCESS = "success";

  /**
   * A count of TLS sessions.
   *
   * @param policyType {@code sts}, {@code tlsa} or {@code no-policy-found} (RFC 8460 §4.4)
   * @param policyStrings the applied policy, line by line (its text for sts, its records for tlsa)
   * @param mxHosts the policy's MX patterns (sts); empty otherwise
   * @param resultType {@link #SUCCESS} or an RFC 8460 §4.3 result type
   * @param mxHost the MX host of a failed session; empty for successes
   * @param receivingIp its address; empty for successes
   */
  public record Count(LocalDate day, String policyDomain, String policyType, List<String> policyStrings, List<String> mxHosts,
      String resultType, String mxHost, String receivingIp, long sessions) {
    public Count {
      Objects.requireNonNull(day, "day");
      policyStrings = List.copyOf(policyStrings);
      mxHosts = List.copyOf(mxHosts);
      if (policyStrings.stream().anyMatch(s -> s.indexOf('\n') >= 0) || mxHosts.stream().anyMatch(s -> s.indexOf('\n') >= 0)) {
        throw new IllegalArgumentException("a policy line holds a line feed");
      }
    }

    /** The same count with {@code sessions} sessions. */
    public Count withSessions(long sessions) {
      return new Count(day, policyDomain, policyType, policyStrings, mxHosts, resultType, mxHost, receivingIp, sessions);
    }
  }

  private static final String COLUMNS =
      "day, policy_domain, policy_type, policy_strings, mx_hosts, result_type, mx_host, receiving_ip, sessions";
  private static final String ADD = "INSERT INTO tls_session_count (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
      + " ON CONFLICT (day, policy_domain, policy_type, policy_strings, mx_hosts, result_type, mx_host, receiving_ip)"
      + " DO UPDATE SET sessions = tls_session_count.sessions + excluded.sessions";

  private final AccountWriter writer;
  private final ReadConnections readers;
  private final ReportLedger ledger;

  TlsReports(AccountWriter writer, ReadConnections readers) {
    this.writer = writer;
    this.readers = readers;
    this.ledger = new ReportLedger(writer, readers, "tls_session_count", "tls_report_sent", "TLS");
  }

  /** Adds {@code counts} to the day's totals, in one transaction (in key order, as every node does). */
  public void add(Collection<Count> counts) throws StoreException {
    if (counts.isEmpty()) {
      return;
    }
    List<Count> ordered = counts.stream()
        .sorted(Comparator.comparing((Count c) -> c.day().toString()).thenComparing(Count::policyDomain)
            .thenComparing(Count::policyType).thenComparing(c -> String.join("\n", c.policyStrings()))
            .thenComparing(c -> String.join("\n", c.mxHosts())).thenComparing(Count::resultType)
            .thenComparing(Count::mxHost).thenComparing(Count::receivingIp))
        .toList();
    writer.writeDuringClose("adding " + counts.size() + " TLS session count(s)", connection -> {
      try (PreparedStatement add = connection.prepareStatement(ADD)) {
        for (Count c : ordered) {
          add.setString(1, c.day().toString());
          add.setString(2, c.policyDomain());
          add.setString(3, c.policyType());
          add.setString(4, String.join("\n", c.policyStrings()));
          add.setString(5, String.join("\n", c.mxHosts()));
          add.setString(6, c.resultType());
          add.setString(7, c.mxHost());
          add.setString(8, c.receivingIp());
          add.setLong(9, c.sessions());
          add.addBatch();
        }
        add.executeBatch();
      }
      return null;
    });
  }

  /** The counts of {@code policyDomain} on {@code day}. */
  public List<Count> counts(LocalDate day, String policyDomain) throws StoreException {
    return readers.read("reading the TLS session counts of " + policyDomain, connection -> {
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT " + COLUMNS + " FROM tls_session_count WHERE day = ? AND policy_domain = ?")) {
        select.setString(1, day.toString());
        select.setString(2, policyDomain);
        try (ResultSet rows = select.executeQuery()) {
          List<Count> counts = new ArrayList<>();
          while (rows.next()) {
            counts.add(new Count(LocalDate.parse(rows.getString(1)), rows.getString(2), rows.getString(3),
                lines(rows.getString(4)), lines(rows.getString(5)), rows.getString(6), rows.getString(7), rows.getString(8),
                rows.getLong(9)));
          }
          return counts;
        }
      }
    });
  }

  /** Which daily reports are still to make, taking one on, what came of it, and pruning old days. */
  public ReportLedger ledger() {
    return ledger;
  }

  /**
   * A report another sender sent about mail to one of our domains (V22).
   *
   * @param report the JSON as received
   */
  public record Received(String organization, String reportId, String policyDomain, Instant start, Instant end,
      long successes, long failures, String report, Instant receivedAt) {
    public Received {
      Objects.requireNonNull(organization, "organization");
      Objects.requireNonNull(reportId, "reportId");
      Objects.requireNonNull(policyDomain, "policyDomain");
      Objects.requireNonNull(report, "report");
    }
  }

  /** Keeps {@code report}; false when a report with its organization and id is kept already. */
  public boolean keep(Received report) throws StoreException {
    return writer.write("keeping the TLS report " + report.reportId() + " of " + report.organization(), connection -> {
      try (PreparedStatement insert = connection.prepareStatement("INSERT INTO tls_report_received"
          + " (organization, report_id, policy_domain, start_at, end_at, successes, failures, report, received_at)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
        insert.setString(1, report.organization());
        insert.setString(2, report.reportId());
        insert.setString(3, report.policyDomain());
        insert.setLong(4, report.start().toEpochMilli());
        insert.setLong(5, report.end().toEpochMilli());
        insert.setLong(6, report.successes());
        insert.setLong(7, report.failures());
        insert.setString(8, report.report());
        insert.setLong(9, report.receivedAt().toEpochMilli());
        return insert.executeUpdate() == 1;
      }
    });
  }

  /** The reports kept about {@code policyDomain} (every domain when empty) whose range ends after {@code since}, newest first. */
  public List<Received> received(Optional<String> policyDomain, Instant since, int limit) throws StoreException {
    return readers.read("listing the TLS reports received", connection -> {
      try (PreparedStatement select = connection.prepareStatement("SELECT organization, report_id, policy_domain, start_at, end_at,"
          + " successes, failures, report, received_at FROM tls_report_received WHERE end_at > ?"
          + (policyDomain.isPresent() ? " AND policy_domain = ?" : "") + " ORDER BY start_at DESC, id DESC LIMIT ?")) {
        int at = 1;
        select.setLong(at++, since.toEpochMilli());
        if (policyDomain.isPresent()) {
          select.setString(at++, policyDomain.get());
        }
        select.setInt(at, limit);
        try (ResultSet rows = select.executeQuery()) {
          List<Received> found = new ArrayList<>();
          while (rows.next()) {
            found.add(new Received(rows.getString(1), rows.getString(2), rows.getString(3), Instant.ofEpochMilli(rows.getLong(4)),
                Instant.ofEpochMilli(rows.getLong(5)), rows.getLong(6), rows.getLong(7), rows.getString(8),
                Instant.ofEpochMilli(rows.getLong(9))));
          }
          return found;
        }
      }
    });
  }

  private static List<String> lines(String joined) {
    return joined.isEmpty() ? List.of() : Arrays.asList(joined.split("\n", -1));
  }
}
