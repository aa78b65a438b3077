package dev.hikyaku.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.hikyaku.store.TlsReports;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.LocalDate;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** RFC 8460: the daily report's JSON (§4.4, checked against the schema in test resources) and the _smtp._tls record (§3). */
class TlsReportTest {

  private static final LocalDate DAY = LocalDate.of(2026, 12, 6);
  private static final List<String> STS = List.of("version: STSv1", "mode: testing", "mx: *.mail.example.net", "max_age: 86400");

  /** RFC 8460's report schema, read once. */
  static Schema schema() throws IOException {
    try (InputStream in = TlsReportTest.class.getResourceAsStream("/tlsrpt/report-schema.json")) {
      return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
    }
  }

  static JsonNode gunzipped(byte[] gzip) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
      return JsonMapper.shared().readTree(in.readAllBytes());
    }
  }

  @Test
  void aDaysCountsMakeAReportThatFollowsTheSchema() throws Exception {
    TlsReport report = new TlsReport("mx.sender.example", "mx.sender.example", "postmaster@mx.sender.example", "r-1", DAY,
        "example.net", List.of(
            count("sts", STS, List.of("*.mail.example.net"), TlsReports.SUCCESS, "", "", 41),
            count("sts", STS, List.of("*.mail.example.net"), "certificate-host-mismatch", "mx2.example.net", "192.0.2.7", 3),
            count("sts", STS, List.of("*.mail.example.net"), "starttls-not-supported", "mx3.example.net", "192.0.2.8", 1),
            count("tlsa", List.of("3 1 1 aabb"), List.of(), TlsReports.SUCCESS, "", "", 5),
            count("no-policy-found", List.of(), List.of(), TlsReports.SUCCESS, "", "", 2)));

    JsonNode json = gunzipped(report.gzipped());
    List<Error> errors = schema().validate(json);
    assertThat(errors).as(json.toString()).isEmpty();

    assertThat(json.get("date-range").get("start-datetime").asString()).isEqualTo("2026-12-06T00:00:00Z");
    assertThat(json.get("date-range").get("end-datetime").asString()).isEqualTo("2026-12-06T23:59:59Z");
    assertThat(json.get("policies")).hasSize(3);
    JsonNode sts = json.get("policies").get(0);
    assertThat(sts.get("policy").get("policy-type").asString()).isEqualTo("sts");
    assertThat(sts.get("policy").get("policy-string")).hasSize(4);
    assertThat(sts.get("summary").get("total-successful-session-count").asLong()).isEqualTo(41);
    assertThat(sts.get("summary").get("total-failure-session-count").asLong()).isEqualTo(4);
    assertThat(sts.get("failure-details")).hasSize(2);
    assertThat(sts.get("failure-details").get(0).get("result-type").asString()).isEqualTo("certificate-host-mismatch");
    assertThat(sts.get("failure-details").get(0).get("receiving-mx-hostname").asString()).isEqualTo("mx2.example.net");
    assertThat(json.get("policies").get(1).has("failure-details")).as("no failures, no details").isFalse();

    assertThat(report.fileName()).isEqualTo("mx.sender.example!example.net!1796515200!1796601599!r-1.json.gz");
  }

  @Test
  void aReportWithATypeTheRfcDoesNotKnowFailsTheSchema() throws Exception {
    TlsReport report = new TlsReport("o", "s", "c", "r", DAY, "example.net",
        List.of(count("sts", STS, List.of(), "made-up-failure", "mx", "192.0.2.1", 1)));
    assertThat(schema().validate(report.json())).as("the schema is not one that passes anything").isNotEmpty();
  }

  @Test
  void theRecordNamesMailAndHttpsDestinations() {
    assertThat(TlsRptRecord.among(List.of("v=TLSRPTv1; rua=mailto:tls@example.net,https://reports.example.net/v1")))
        .hasValueSatisfying(r -> assertThat(r.rua()).containsExactly(
            URI.create("mailto:tls@example.net"), URI.create("https://reports.example.net/v1")));
    assertThat(TlsRptRecord.among(List.of("v=TLSRPTv1;rua=mailto:a@example.net", "v=spf1 -all")))
        .hasValueSatisfying(r -> assertThat(r.rua()).hasSize(1));
    assertThat(TlsRptRecord.among(List.of("v=TLSRPTv1; rua=http://insecure.example.net/")))
        .as("plain http is not a TLS-RPT scheme").isEmpty();
    assertThat(TlsRptRecord.among(List.of("v=TLSRPTv1; rua=mailto:a@example.net", "v=TLSRPTv1; rua=mailto:b@example.net")))
        .as("two records: none").isEmpty();
    assertThat(TlsRptRecord.among(List.of("v=DMARC1; p=none"))).isEmpty();
  }

  private static TlsReports.Count count(String type, List<String> strings, List<String> mx, String result, String host, String ip,
      long sessions) {
    return new TlsReports.Count(DAY, "example.net", type, strings, mx, result, host, ip, sessions);
  }
}
