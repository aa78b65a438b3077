package dev.hikyaku.app;

import dev.hikyaku.api.TlsReportInbox;
import dev.hikyaku.api.Unavailable;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.store.TlsReports;
import java.time.Clock;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The API's TLS report inbox on the store: a report about one of the hosted domains (the config's,
 * or one added with {@code hikyaku domain add}) is kept, once per organization and report id.
 */
final class ApiTlsReports implements TlsReportInbox {

  private final Store store;
  private final Set<String> configured;
  private final Clock clock;

  ApiTlsReports(Store store, Set<String> hostedDomains, Clock clock) {
    this.store = store;
    this.configured = hostedDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    this.clock = clock;
  }

  @Override
  public Receipt keep(Report report) throws Unavailable {
    try {
      if (!configured.contains(report.policyDomain()) && !store.domains().list().contains(report.policyDomain())) {
        return Receipt.NOT_OURS;
      }
      boolean isNew = store.tlsReports().keep(new TlsReports.Received(report.organization(), report.reportId(),
          report.policyDomain(), report.start(), report.end(), report.successes(), report.failures(), report.json(),
          clock.instant()));
      return isNew ? Receipt.KEPT : Receipt.ALREADY_KEPT;
    } catch (StoreException e) {
      throw new Unavailable(e.getMessage(), e);
    }
  }
}
