package dev.hikyaku.reporting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.store.DmarcReports;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import java.util.zip.GZIPInputStream;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.junit.jupiter.api.Test;
import org.xml.sax.SAXException;

/** RFC 7489 §7.2: the aggregate report's XML, checked against Appendix C's schema (test resources). */
class DmarcReportTest {

  private static final LocalDate DAY = LocalDate.of(2026, 12, 6);

  /** Appendix C's schema, as a validator. */
  static Validator validator() throws SAXException {
    SchemaFactory factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
    return factory.newSchema(DmarcReportTest.class.getResource("/dmarc/aggregate-report.xsd")).newValidator();
  }

  static String gunzipped(byte[] gzip) throws Exception {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void aDaysCountsMakeAReportThatFollowsTheSchema() throws Exception {
    DmarcReport report = new DmarcReport("mx.receiver.example", "postmaster@mx.receiver.example", "r-1", DAY, "sender.example",
        List.of(
            count("192.0.2.1", "none", "pass", "pass", List.of("sender.example s1 pass"), "pass", 40),
            count("2001:db8::7", "reject", "fail", "fail", List.of("elsewhere.example - fail"), "softfail", 2),
            count("198.51.100.3", "none", "fail", "fail", List.of(), "none", 1)));
    String xml = gunzipped(report.gzipped());
    validator().validate(new StreamSource(new StringReader(xml)));
    assertThat(xml)
        .contains("<begin>1796515200</begin>", "<end>1796601599</end>")
        .contains("<domain>sender.example</domain>", "<p>quarantine</p>", "<sp>none</sp>", "<pct>50</pct>")
        .contains("<source_ip>2001:db8::7</source_ip>", "<count>40</count>", "<disposition>reject</disposition>")
        .contains("<selector>s1</selector>")
        .contains("<scope>mfrom</scope>", "<result>softfail</result>");
    assertThat(report.fileName()).isEqualTo("mx.receiver.example!sender.example!1796515200!1796601599!r-1.xml.gz");
  }

  @Test
  void theSchemaIsNotOneThatTakesAnything() throws Exception {
    DmarcReport report = new DmarcReport("o", "c", "r", DAY, "sender.example",
        List.of(count("192.0.2.1", "maybe", "pass", "pass", List.of(), "pass", 1)));
    assertThatThrownBy(() -> validator().validate(new StreamSource(new StringReader(report.xml()))))
        .isInstanceOf(SAXException.class).hasMessageContaining("maybe");
  }

  private static DmarcReports.Count count(String ip, String disposition, String dkim, String spf, List<String> dkimResults,
      String spfResult, long messages) {
    return new DmarcReports.Count(DAY, "sender.example", "adkim=r aspf=r p=quarantine sp=none pct=50",
        List.of("mailto:dmarc@sender.example"), ip, "sender.example", disposition, dkim, spf, dkimResults, "sender.example",
        "mfrom", spfResult, messages);
  }
}
