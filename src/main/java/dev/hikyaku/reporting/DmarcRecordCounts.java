package dev.hikyaku.reporting;

import dev.hikyaku.mailauth.DkimVerifier;
import dev.hikyaku.mailauth.DmarcObservation;
import dev.hikyaku.store.DmarcReports;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The inbound DMARC evaluations of domains that ask for aggregate reports, counted per UTC day and
 * report record (RFC 7489 Appendix C "record") and added to the store's totals once a minute.
 */
public final class DmarcRecordCounts implements DmarcObservation.Sink, AutoCloseable {

  private final Clock clock;
  private final DailyCounts<DmarcReports.Count> counts;

  public DmarcRecordCounts(DmarcReports store, Clock clock) {
    this.clock = clock;
    this.counts = new DailyCounts<>("dmarc-report", store::add, DmarcReports.Count::withMessages);
  }

  /** Starts the flushes. */
  public DmarcRecordCounts start() {
    counts.start();
    return this;
  }

  @Override
  public void record(DmarcObservation o) {
    var p = o.published();
    String policy = "adkim=" + p.adkim() + " aspf=" + p.aspf() + " p=" + p.p().keyword()
        + p.sp().map(sp -> " sp=" + sp.keyword()).orElse("") + " pct=" + p.pct();
    counts.increment(new DmarcReports.Count(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC), p.domain(), policy, p.rua(),
        o.sourceIp(), o.headerFrom(), o.disposition().keyword(), o.isDkimAligned() ? "pass" : "fail",
        o.isSpfAligned() ? "pass" : "fail",
        o.dkim().stream().filter(s -> !s.domain().isEmpty()).map(DmarcRecordCounts::dkimResult).toList(),
        o.spfDomain(), o.spfScope(), o.spf().keyword(), 0));
  }

  /** RFC 7489 Appendix C DKIMResultType: none, pass, fail, policy, neutral, temperror, permerror. */
  private static String dkimResult(DkimVerifier.Signature s) {
    return s.domain() + " " + (s.selector().isEmpty() ? "-" : s.selector()) + " " + s.result().keyword();
  }

  /** Adds what was counted since the last flush to the store. */
  public void flush() {
    counts.flush();
  }

  @Override
  public void close() {
    counts.close();
  }
}
