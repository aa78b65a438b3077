package dev.hikyaku.reporting;

import dev.hikyaku.dns.DnsResolver;
import dev.hikyaku.dns.Lookup;
import dev.hikyaku.intake.IntakeException;
import dev.hikyaku.intake.IntakeResult;
import dev.hikyaku.intake.MessageIntake;
import dev.hikyaku.intake.MessageSource;
import dev.hikyaku.mailauth.Dmarc;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.MailParams;
import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.protocol.ReversePath;
import dev.hikyaku.store.DmarcReports;
import dev.hikyaku.store.StoreException;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the daily DMARC aggregate reports (RFC 7489 §7.2): once a UTC day is over, each policy
 * domain whose record asked for them ({@code rua=}) gets the day's report by mail through intake,
 * from the null sender, as a gzipped XML attachment, to each {@code mailto:} destination that takes
 * it: one in another organizational domain only when that domain says so ({@code
 * <policy-domain>._report._dmarc.<destination domain>}, §7.1), and not past a size limit the URI
 * gives ({@code !10m}). One node of several sends each report.
 */
public final class DmarcReportSender extends DailyReportSender {

  // §6.2: dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ]
  private static final Pattern MAILTO = Pattern.compile("(?i)mailto:([^!?]+)(?:\\?[^!]*)?(?:!(\\d+)([kmgt]?))?");

  private static final Logger log = LoggerFactory.getLogger(DmarcReportSender.class);

  private final DmarcReports store;
  private final DnsResolver dns;
  private final MessageIntake intake;
  private final String hostname;

  /** @param hostname this server's name: the report's org_name, and {@code postmaster@hostname} its email */
  public DmarcReportSender(DmarcReports store, DnsResolver dns, MessageIntake intake, String hostname, Clock clock) {
    super("DMARC", store.ledger(), clock);
    this.store = store;
    this.dns = dns;
    this.intake = intake;
    this.hostname = hostname;
  }

  /** Starts the looks: the first at once. */
  public DmarcReportSender start() {
    startLoop();
    return this;
  }

  @Override
  boolean send(LocalDate day, String domain) throws StoreException {
    String reportId = day + "." + domain + "." + UUID.randomUUID() + "@" + hostname;
    if (!ledger.take(day, domain, reportId, clock.instant())) {
      return false; // another node has it
    }
    List<DmarcReports.Count> counts = store.counts(day, domain);
    DmarcReport report = new DmarcReport(hostname, "postmaster@" + hostname, reportId, day, domain, counts);
    byte[] gzip = report.gzipped();
    Set<String> rua = new LinkedHashSet<>(counts.getLast().rua());
    List<String> outcomes = new ArrayList<>();
    for (String uri : rua) {
      outcomes.add(uri + ": " + deliver(report, gzip, uri));
    }
    String outcome = outcomes.isEmpty() ? "no rua" : String.join("; ", outcomes);
    ledger.outcome(day, domain, outcome);
    log.info("DMARC report of {} for {}: {}", domain, day, outcome);
    return true;
  }

  private String deliver(DmarcReport report, byte[] gzip, String uri) {
    Matcher mailto = MAILTO.matcher(uri.strip());
    if (!mailto.matches() || !mailto.group(1).contains("@")) {
      return "not a mailto: URI (only mail is sent)";
    }
    String address = mailto.group(1);
    OptionalLong limit = limit(mailto.group(2), mailto.group(3));
    if (limit.isPresent() && gzip.length > limit.getAsLong()) {
      return "not sent: " + gzip.length + " octets over its limit of " + limit.getAsLong();
    }
    String destination = address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    if (!Dmarc.organizationalDomain(destination).equals(Dmarc.organizationalDomain(report.policyDomain()))) {
      Optional<String> refusal = externalRefusal(report.policyDomain(), destination);
      if (refusal.isPresent()) {
        return refusal.get();
      }
    }
    try {
      Envelope envelope = new Envelope(ReversePath.NULL, MailParams.NONE,
          List.of(new Envelope.Recipient(ForwardPath.of(address), RcptParams.NONE)));
      byte[] message = ReportMail.of(hostname, address, "Report Domain: " + report.policyDomain() + " Submitter: " + hostname
              + " Report-ID: <" + report.reportId() + ">", Map.of(), "multipart/mixed",
          "The DMARC aggregate report (RFC 7489) of " + hostname + " for " + report.policyDomain() + ", " + report.day() + " (UTC).",
          "application/gzip", report.fileName(), gzip, clock);
      IntakeResult result = intake.acceptBounce(new MessageSource.Bounce(hostname), envelope, message);
      return result instanceof IntakeResult.Queued queued ? "queued as " + queued.id() : "refused: " + result;
    } catch (IntakeException | IllegalArgumentException e) {
      return "not queued: " + e.getMessage();
    }
  }

  /**
   * §7.1: a destination outside the policy domain's organization must publish {@code
   * <policy-domain>._report._dmarc.<destination>} with {@code v=DMARC1}; why not, when it does not.
   */
  private Optional<String> externalRefusal(String policyDomain, String destination) {
    String name = policyDomain + "._report._dmarc." + destination;
    return switch (dns.txt(name)) {
      case Lookup.Found<List<String>>(List<String> txt) when txt.stream().anyMatch(t -> t.replace(" ", "").toLowerCase(Locale.ROOT)
          .startsWith("v=dmarc1")) -> Optional.empty();
      case Lookup.TemporaryFailure<List<String>>(String reason) ->
          Optional.of("not sent: " + name + " could not be looked up (" + reason + ")");
      default -> Optional.of("not sent: " + destination + " does not take reports for " + policyDomain + " (no v=DMARC1 at "
          + name + ", RFC 7489 §7.1)");
    };
  }

  private static OptionalLong limit(String digits, String unit) {
    if (digits == null) {
      return OptionalLong.empty();
    }
    long value = Long.parseLong(digits);
    int shift = switch (unit == null ? "" : unit.toLowerCase(Locale.ROOT)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
    return OptionalLong.of(value > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : value << shift);
  }
}
