package dev.hikyaku.reporting;

import dev.hikyaku.dns.DnsResolver;
import dev.hikyaku.dns.Lookup;
import dev.hikyaku.intake.IntakeException;
import dev.hikyaku.intake.IntakeResult;
import dev.hikyaku.intake.MessageIntake;
import dev.hikyaku.intake.MessageSource;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.MailParams;
import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.protocol.ReversePath;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.store.TlsReports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the daily TLS reports (RFC 8460 §5): once a UTC day is over, for each policy domain with
 * counts that day, the domain's {@code _smtp._tls} record says where ({@link TlsRptRecord}); the
 * report goes by mail through intake (§5.3: multipart/report, report-type "tlsrpt", the JSON
 * gzipped) and by HTTPS POST (§5.4: {@code application/tlsrpt+gzip}, the certificate verified).
 * One node of those sharing the store sends each report: the one that takes it on ({@link
 * TlsReports#take}). Looked for every {@link #EVERY}; the day before yesterday too, for a server
 * that was down at midnight. A domain whose record cannot be looked up now is tried at the next
 * look; a domain without one gets no report.
 */
public final class TlsReportSender extends DailyReportSender {

  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(TlsReportSender.class);

  private final TlsReports store;
  private final DnsResolver dns;
  private final MessageIntake intake;
  private final HttpClient http;
  private final String hostname;

  /**
   * @param hostname this server's name: the report's submitter and organization, and the domain of
   *     its From address ({@code postmaster@hostname}, the contact too)
   * @param tls the context HTTPS reports are verified with; the JDK's when empty
   */
  public TlsReportSender(TlsReports store, DnsResolver dns, MessageIntake intake, String hostname, Optional<SSLContext> tls,
      Clock clock) {
    super("TLS", store.ledger(), clock);
    this.store = store;
    this.dns = dns;
    this.intake = intake;
    this.hostname = hostname;
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER);
    tls.ifPresent(builder::sslContext);
    this.http = builder.build();
  }

  /** Starts the looks: the first at once. */
  public TlsReportSender start() {
    startLoop();
    return this;
  }

  @Override
  boolean send(LocalDate day, String domain) throws StoreException {
    Optional<TlsRptRecord> record;
    switch (dns.txt("_smtp._tls." + domain)) {
      case Lookup.Found<List<String>>(List<String> txt) -> record = TlsRptRecord.among(txt);
      case Lookup.TemporaryFailure<List<String>>(String reason) -> {
        log.info("TLS report of {} for {}: its _smtp._tls record cannot be looked up now ({}); trying later", domain, day, reason);
        return false;
      }
      default -> record = Optional.empty();
    }
    String reportId = day + "." + domain + "." + UUID.randomUUID() + "@" + hostname;
    if (!ledger.take(day, domain, reportId, clock.instant())) {
      return false; // another node has it
    }
    if (record.isEmpty()) {
      ledger.outcome(day, domain, "no TLSRPT record");
      return false;
    }
    TlsReport report = new TlsReport(hostname, hostname, "postmaster@" + hostname, reportId, day, domain, store.counts(day, domain));
    List<String> outcomes = new ArrayList<>();
    for (URI rua : record.get().rua()) {
      outcomes.add(rua + ": " + (rua.getScheme().equalsIgnoreCase("mailto") ? mail(report, rua) : post(report, rua)));
    }
    ledger.outcome(day, domain, String.join("; ", outcomes));
    log.info("TLS report of {} for {}: {}", domain, day, String.join("; ", outcomes));
    return true;
  }

  /** §5.3: by mail, from the null reverse-path (a report about reports would go nowhere). */
  private String mail(TlsReport report, URI rua) {
    String address = rua.getSchemeSpecificPart();
    int query = address.indexOf('?');
    address = query < 0 ? address : address.substring(0, query);
    try {
      Envelope envelope = new Envelope(ReversePath.NULL, MailParams.NONE,
          List.of(new Envelope.Recipient(ForwardPath.of(address), RcptParams.NONE)));
      IntakeResult result = intake.acceptBounce(new MessageSource.Bounce(hostname), envelope, message(report, address));
      return result instanceof IntakeResult.Queued queued ? "queued as " + queued.id() : "refused: " + result;
    } catch (IntakeException | IllegalArgumentException e) {
      return "not queued: " + e.getMessage();
    }
  }

  /** §5.4: HTTPS POST of the gzipped report; any 2xx is taken. */
  private String post(TlsReport report, URI rua) {
    HttpRequest request = HttpRequest.newBuilder(rua)
        .timeout(HTTP_TIMEOUT)
        .header("Content-Type", "application/tlsrpt+gzip")
        .POST(HttpRequest.BodyPublishers.ofByteArray(report.gzipped()))
        .build();
    try {
      HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
      return response.statusCode() / 100 == 2 ? "posted" : "refused with HTTP " + response.statusCode();
    } catch (IOException e) {
      return "not posted: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "not posted: interrupted";
    }
  }

  /** The report as a message (RFC 8460 §5.3, RFC 6522 multipart/report). */
  byte[] message(TlsReport report, String to) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("TLS-Report-Domain", report.policyDomain());
    fields.put("TLS-Report-Submitter", report.submitter());
    return ReportMail.of(hostname, to, "Report Domain: " + report.policyDomain() + " Submitter: " + report.submitter()
            + " Report-ID: <" + report.reportId() + ">", fields, "multipart/report; report-type=\"tlsrpt\"",
        "The SMTP TLS report (RFC 8460) of " + report.submitter() + " for " + report.policyDomain().toLowerCase(Locale.ROOT)
            + ", " + report.day() + " (UTC).",
        "application/tlsrpt+gzip", report.fileName(), report.gzipped(), clock);
  }
}
