package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 8461: the policy file (§3.2), MX matching (§4.1), the TXT record (§3.1), the HTTP answer (§3.3). */
class MtaStsPolicyTest {

  @Test
  void readsThePolicyOfTheRfcsExample() {
    // RFC 8461 §3.2, with CRLF as served, an unknown field and an mx given twice.
    MtaStsPolicy policy = MtaStsPolicy.parse(
        "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\n"
            + "future_field: ignored\r\nmax_age: 604800\r\n");
    assertThat(policy.mode()).isEqualTo(MtaStsPolicy.Mode.ENFORCE);
    assertThat(policy.mx()).containsExactly("mail.example.com", "*.example.net", "backupmx.example.com");
    assertThat(policy.maxAge()).isEqualTo(Duration.ofDays(7));
    assertThat(MtaStsPolicy.parse("version: STSv1\nmode: none\nmax_age: 86400\n").mode()).isEqualTo(MtaStsPolicy.Mode.NONE);
  }

  @Test
  void aWildcardStandsForExactlyOneLabel() {
    MtaStsPolicy policy = new MtaStsPolicy(MtaStsPolicy.Mode.ENFORCE, List.of("mail.example.com", "*.example.net"), Duration.ofDays(1));
    assertThat(policy.matches("mail.example.com")).isTrue();
    assertThat(policy.matches("MAIL.Example.COM.")).isTrue();
    assertThat(policy.matches("mx1.example.net")).isTrue();
    assertThat(policy.matches("example.net")).isFalse();
    assertThat(policy.matches("a.mx1.example.net")).isFalse();
    assertThat(policy.matches("evilexample.net")).isFalse();
    assertThat(policy.matches("mail.example.com.evil.test")).isFalse();
  }

  @Test
  void aPolicyMissingWhatItMustHaveIsRefusedSayingWhat() {
    assertThatThrownBy(() -> MtaStsPolicy.parse("mode: enforce\nmx: a.example\nmax_age: 1\n")).hasMessageContaining("version");
    assertThatThrownBy(() -> MtaStsPolicy.parse("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n"))
        .hasMessageContaining("STSv1");
    assertThatThrownBy(() -> MtaStsPolicy.parse("version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n"))
        .hasMessageContaining("enforce, testing or none");
    assertThatThrownBy(() -> MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmax_age: 1\n")).hasMessageContaining("names no mx");
    assertThatThrownBy(() -> MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: a.example\n")).hasMessageContaining("max_age");
    assertThatThrownBy(() -> MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n"))
        .hasMessageContaining("max_age");
    assertThatThrownBy(() -> MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: a..example\nmax_age: 1\n"))
        .hasMessageContaining("not an MX pattern");
    assertThatThrownBy(() -> MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1\n\u001b[2J junk"))
        .hasMessageContaining("\\x1b");
  }

  @Test
  void theTxtRecordGivesTheIdOfTheOneStsRecord() {
    assertThat(MtaStsPolicies.recordId(List.of("v=STSv1; id=20160831085700Z;"))).contains("20160831085700Z");
    assertThat(MtaStsPolicies.recordId(List.of("v=spf1 -all", "v=STSv1;id=abc123"))).contains("abc123");
    assertThat(MtaStsPolicies.recordId(List.of("v=STSv1; id=a;", "v=STSv1; id=b;"))).as("two records: none").isEmpty();
    assertThat(MtaStsPolicies.recordId(List.of("v=STSv1; id=not-alnum;"))).isEmpty();
    assertThat(MtaStsPolicies.recordId(List.of("v=STSv1; noequals;"))).isEmpty();
    assertThat(MtaStsPolicies.recordId(List.of("v=STSv1 id=a;"))).as("v=STSv1 must end in ;").isEmpty();
  }

  @Test
  void onlyA200TextPlainAnswerIsAPolicy() throws IOException {
    assertThat(PolicyHostFetch.read(answer("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 4\r\n\r\nbody"),
        "mta-sts.example")).isEqualTo("body");
    assertThat(PolicyHostFetch.read(answer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "3\r\nver\r\n4;ext=1\r\nsion\r\n0\r\n\r\n"), "mta-sts.example")).isEqualTo("version");
    assertThatThrownBy(() -> PolicyHostFetch.read(answer("HTTP/1.1 301 Moved\r\nLocation: https://elsewhere/\r\n\r\n"), "mta-sts.example"))
        .hasMessageContaining("answered HTTP/1.1 301");
    assertThatThrownBy(() -> PolicyHostFetch.read(answer("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1\r\n\r\nx"),
        "mta-sts.example")).hasMessageContaining("not text/plain");
    assertThatThrownBy(() -> PolicyHostFetch.read(answer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 70000\r\n\r\n"),
        "mta-sts.example")).hasMessageContaining("larger than 65536");
  }

  private static ByteArrayInputStream answer(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1));
  }
}
