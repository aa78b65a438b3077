package dev.hikyaku.reporting;

import dev.hikyaku.store.DmarcReports;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPOutputStream;

/**
 * One day's DMARC aggregate report for one policy domain (RFC 7489 §7.2 and Appendix C): the
 * report's metadata, the policy as published, and a record per distinct source, result and
 * disposition with its message count. Written without a namespace, as the large reporters write it.
 *
 * @param organization the reporting organization ("org_name")
 * @param contact the address to write to about the report ("email")
 */
public record DmarcReport(String organization, String contact, String reportId, LocalDate day, String policyDomain,
    List<DmarcReports.Count> counts) {

  public DmarcReport {
    Objects.requireNonNull(day, "day");
    counts = List.copyOf(counts);
    if (counts.isEmpty()) {
      throw new IllegalArgumentException("a report has at least one record");
    }
  }

  /** The report's XML (Appendix C). */
  public String xml() {
    long begin = day.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n");
    xml.append("  <report_metadata>\n");
    element(xml, 4, "org_name", organization);
    element(xml, 4, "email", contact);
    element(xml, 4, "report_id", reportId);
    xml.append("    <date_range>\n");
    element(xml, 6, "begin", Long.toString(begin));
    element(xml, 6, "end", Long.toString(begin + 86_399));
    xml.append("    </date_range>\n  </report_metadata>\n");
    // The policy as published: the latest of the day's (a domain may change it during the day).
    Map<String, String> tags = tags(counts.getLast().policy());
    xml.append("  <policy_published>\n");
    element(xml, 4, "domain", policyDomain);
    element(xml, 4, "adkim", tags.getOrDefault("adkim", "r"));
    element(xml, 4, "aspf", tags.getOrDefault("aspf", "r"));
    element(xml, 4, "p", tags.getOrDefault("p", "none"));
    if (tags.containsKey("sp")) {
      element(xml, 4, "sp", tags.get("sp"));
    }
    element(xml, 4, "pct", tags.getOrDefault("pct", "100"));
    xml.append("  </policy_published>\n");
    for (DmarcReports.Count c : counts) {
      xml.append("  <record>\n    <row>\n");
      element(xml, 6, "source_ip", c.sourceIp());
      element(xml, 6, "count", Long.toString(c.messages()));
      xml.append("      <policy_evaluated>\n");
      element(xml, 8, "disposition", c.disposition());
      element(xml, 8, "dkim", c.dkimAligned());
      element(xml, 8, "spf", c.spfAligned());
      xml.append("      </policy_evaluated>\n    </row>\n    <identifiers>\n");
      element(xml, 6, "header_from", c.headerFrom());
      xml.append("    </identifiers>\n    <auth_results>\n");
      for (String dkim : c.dkimResults()) {
        String[] parts = dkim.split(" ", 3);
        xml.append("      <dkim>\n");
        element(xml, 8, "domain", parts[0]);
        if (!parts[1].equals("-")) {
          element(xml, 8, "selector", parts[1]);
        }
        element(xml, 8, "result", parts[2]);
        xml.append("      </dkim>\n");
      }
      xml.append("      <spf>\n");
      element(xml, 8, "domain", c.spfDomain());
      element(xml, 8, "scope", c.spfScope());
      element(xml, 8, "result", c.spfResult());
      xml.append("      </spf>\n    </auth_results>\n  </record>\n");
    }
    return xml.append("</feedback>\n").toString();
  }

  /** The XML, gzipped (§7.2.1.1: the report MAY be compressed with gzip; everyone does). */
  public byte[] gzipped() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(xml().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** §7.2.1.1: {@code receiver!policy-domain!begin!end!unique-id.xml.gz}. */
  public String fileName() {
    long begin = day.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    return organization + "!" + policyDomain + "!" + begin + "!" + (begin + 86_399) + "!"
        + reportId.replaceAll("[^A-Za-z0-9._-]", "_") + ".xml.gz";
  }

  private static Map<String, String> tags(String policy) {
    Map<String, String> tags = new HashMap<>();
    for (String tag : policy.split(" ")) {
      int equals = tag.indexOf('=');
      if (equals > 0) {
        tags.put(tag.substring(0, equals), tag.substring(equals + 1));
      }
    }
    return tags;
  }

  private static void element(StringBuilder xml, int indent, String name, String value) {
    xml.append(" ".repeat(indent)).append('<').append(name).append('>').append(escaped(value)).append("</").append(name).append(">\n");
  }

  private static String escaped(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
