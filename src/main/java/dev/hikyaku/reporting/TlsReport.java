package dev.hikyaku.reporting;

import dev.hikyaku.store.TlsReports;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPOutputStream;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One day's aggregate report for one policy domain (RFC 8460 §4.4), made from the day's counts:
 * a "policies" entry per policy applied, with its summary and its failure details.
 *
 * @param organization the reporting organization ("organization-name")
 * @param submitter the host name that makes the report (the mail's TLS-Report-Submitter, §5.3)
 * @param contact an address to write to about the report ("contact-info")
 */
public record TlsReport(String organization, String submitter, String contact, String reportId, LocalDate day,
    String policyDomain, List<TlsReports.Count> counts) {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  public TlsReport {
    Objects.requireNonNull(day, "day");
    counts = List.copyOf(counts);
  }

  /** The report as RFC 8460 §4.4 gives it. */
  public ObjectNode json() {
    ObjectNode report = JSON.createObjectNode();
    report.put("organization-name", organization);
    ObjectNode range = report.putObject("date-range");
    range.put("start-datetime", day + "T00:00:00Z");
    range.put("end-datetime", day + "T23:59:59Z");
    report.put("contact-info", contact);
    report.put("report-id", reportId);
    ArrayNode policies = report.putArray("policies");
    Map<List<Object>, List<TlsReports.Count>> byPolicy = new LinkedHashMap<>();
    for (TlsReports.Count count : counts) {
      byPolicy.computeIfAbsent(List.of(count.policyType(), count.policyStrings(), count.mxHosts()), k -> new ArrayList<>())
          .add(count);
    }
    byPolicy.forEach((key, ofPolicy) -> {
      TlsReports.Count first = ofPolicy.getFirst();
      ObjectNode entry = policies.addObject();
      ObjectNode policy = entry.putObject("policy");
      policy.put("policy-type", first.policyType());
      ArrayNode strings = policy.putArray("policy-string");
      first.policyStrings().forEach(strings::add);
      policy.put("policy-domain", policyDomain);
      if (!first.mxHosts().isEmpty()) {
        ArrayNode mx = policy.putArray("mx-host");
        first.mxHosts().forEach(mx::add);
      }
      long successes = ofPolicy.stream().filter(c -> c.resultType().equals(TlsReports.SUCCESS)).mapToLong(TlsReports.Count::sessions).sum();
      long failures = ofPolicy.stream().filter(c -> !c.resultType().equals(TlsReports.SUCCESS)).mapToLong(TlsReports.Count::sessions).sum();
      ObjectNode summary = entry.putObject("summary");
      summary.put("total-successful-session-count", successes);
      summary.put("total-failure-session-count", failures);
      if (failures > 0) {
        ArrayNode details = entry.putArray("failure-details");
        for (TlsReports.Count count : ofPolicy) {
          if (count.resultType().equals(TlsReports.SUCCESS)) {
            continue;
          }
          ObjectNode detail = details.addObject();
          detail.put("result-type", count.resultType());
          if (!count.receivingIp().isEmpty()) {
            detail.put("receiving-ip", count.receivingIp());
          }
          if (!count.mxHost().isEmpty()) {
            detail.put("receiving-mx-hostname", count.mxHost());
          }
          detail.put("failed-session-count", count.sessions());
        }
      }
    });
    return report;
  }

  /** The JSON, gzipped (§5.3: application/tlsrpt+gzip). */
  public byte[] gzipped() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(JSON.writeValueAsString(json()).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** §5.3: {@code submitter!policy-domain!begin!end!unique-id.json.gz}, the times in seconds since the epoch. */
  public String fileName() {
    long begin = day.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    return submitter + "!" + policyDomain + "!" + begin + "!" + (begin + 86_399) + "!" + reportId.replaceAll("[^A-Za-z0-9._-]", "_")
        + ".json.gz";
  }
}
