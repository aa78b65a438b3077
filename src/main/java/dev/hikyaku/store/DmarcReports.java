package dev.hikyaku.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The counts DMARC aggregate reports (RFC 7489 §7.2) are made from (V23): messages per UTC day,
 * policy domain and report "record", and which daily reports have been taken on, by one node of
 * those sharing the store. Written through the account writer in short transactions: a node adds
 * its counts once a minute, not once a message.
 */
public final class DmarcReports {

  /**
   * A count of messages with the same report record.
   *
   * @param policy the policy as published: {@code adkim=r aspf=r p=none sp=none pct=100} ({@code sp}
   *     left out when not published)
   * @param rua the aggregate report destinations, as published
   * @param dkimResults "domain selector result" per DKIM signature
   */
  public record Count(LocalDate day, String policyDomain, String policy, List<String> rua, String sourceIp, String headerFrom,
      String disposition, String dkimAligned, String spfAligned, List<String> dkimResults, String spfDomain, String spfScope,
      String spfResult, long messages) {
    public Count {
      Objects.requireNonNull(day, "day");
      rua = List.copyOf(rua);
      dkimResults = List.copyOf(dkimResults);
      if (rua.stream().anyMatch(s -> s.indexOf('\n') >= 0) || dkimResults.stream().anyMatch(s -> s.indexOf('\n') >= 0)) {
        throw new IllegalArgumentException("a value holds a line feed");
      }
    }

    public Count withMessages(long messages) {
      return new Count(day, policyDomain, policy, rua, sourceIp, headerFrom, disposition, dkimAligned, spfAligned, dkimResults,
          spfDomain, spfScope, spfResult, messages);
    }
  }

  private static final String COLUMNS = "day, policy_domain, policy, rua, source_ip, header_from, disposition, dkim_aligned,"
      + " spf_aligned, dkim_results, spf_domain, spf_scope, spf_result, messages";
  private static final String ADD = "INSERT INTO dmarc_record_count (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
      + " ON CONFLICT (day, policy_domain, policy, rua, source_ip, header_from, disposition, dkim_aligned, spf_aligned,"
      + " dkim_results, spf_domain, spf_scope, spf_result) DO UPDATE SET messages = dmarc_record_count.messages + excluded.messages";

  private final AccountWriter writer;
  private final ReadConnections readers;
  private final ReportLedger ledger;

  DmarcReports(AccountWriter writer, ReadConnections readers) {
    this.writer = writer;
    this.readers = readers;
    this.ledger = new ReportLedger(writer, readers, "dmarc_record_count", "dmarc_report_sent", "DMARC");
  }

  /** Adds {@code counts} to the day's totals, in one transaction (in key order, as every node does). */
  public void add(Collection<Count> counts) throws StoreException {
    if (counts.isEmpty()) {
      return;
    }
    List<Count> ordered = counts.stream().sorted(Comparator.comparing(DmarcReports::key)).toList();
    writer.writeDuringClose("adding " + counts.size() + " DMARC record count(s)", connection -> {
      try (PreparedStatement add = connection.prepareStatement(ADD)) {
        for (Count c : ordered) {
          String[] values = {c.day().toString(), c.policyDomain(), c.policy(), String.join("\n", c.rua()), c.sourceIp(),
              c.headerFrom(), c.disposition(), c.dkimAligned(), c.spfAligned(), String.join("\n", c.dkimResults()), c.spfDomain(),
              c.spfScope(), c.spfResult()};
          for (int i = 0; i < values.length; i++) {
            add.setString(i + 1, values[i]);
          }
          add.setLong(values.length + 1, c.messages());
          add.addBatch();
        }
        add.executeBatch();
      }
      return null;
    });
  }

  /** The counts of {@code policyDomain} on {@code day}. */
  public List<Count> counts(LocalDate day, String policyDomain) throws StoreException {
    return readers.read("reading the DMARC record counts of " + policyDomain, connection -> {
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT " + COLUMNS + " FROM dmarc_record_count WHERE day = ? AND policy_domain = ?")) {
        select.setString(1, day.toString());
        select.setString(2, policyDomain);
        try (ResultSet rows = select.executeQuery()) {
          List<Count> counts = new ArrayList<>();
          while (rows.next()) {
            counts.add(new Count(LocalDate.parse(rows.getString(1)), rows.getString(2), rows.getString(3), lines(rows.getString(4)),
                rows.getString(5), rows.getString(6), rows.getString(7), rows.getString(8), rows.getString(9),
                lines(rows.getString(10)), rows.getString(11), rows.getString(12), rows.getString(13), rows.getLong(14)));
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

  private static String key(Count c) {
    return String.join("\u0000", c.day().toString(), c.policyDomain(), c.policy(), String.join("\n", c.rua()), c.sourceIp(),
        c.headerFrom(), c.disposition(), c.dkimAligned(), c.spfAligned(), String.join("\n", c.dkimResults()), c.spfDomain(),
        c.spfScope(), c.spfResult());
  }

  private static List<String> lines(String joined) {
    return joined.isEmpty() ? List.of() : Arrays.asList(joined.split("\n", -1));
  }
}
