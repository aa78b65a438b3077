package dev.hikyaku.api;

import java.time.Instant;
import java.util.Objects;

/**
 * Where the TLS reports (RFC 8460) other senders POST about mail to our hosted domains are kept
 * ({@code POST /tlsrpt}, {@link TlsReportPost}).
 */
public interface TlsReportInbox {

  /**
   * A report as received: its identity, its one policy domain, its date range and its totals over
   * every policy, and the JSON itself.
   */
  record Report(String organization, String reportId, String policyDomain, Instant start, Instant end, long successes,
      long failures, String json) {
    public Report {
      Objects.requireNonNull(organization, "organization");
      Objects.requireNonNull(reportId, "reportId");
      Objects.requireNonNull(policyDomain, "policyDomain");
      Objects.requireNonNull(json, "json");
    }
  }

  /** What became of a report. */
  enum Receipt {
    KEPT,
    /** The same organization sent a report with that id before; it is kept once. */
    ALREADY_KEPT,
    /** Its policy domain is none of ours: not kept. */
    NOT_OURS
  }

  Receipt keep(Report report) throws Unavailable;

  /** Keeps nothing: every domain is someone else's. */
  TlsReportInbox NONE = report -> Receipt.NOT_OURS;
}
