package dev.hikyaku.content;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** rspamd's JSON answers (its protocol page's members) read into verdicts; clamd's lines too. */
class RspamdTest {

  private static ScanVerdict read(String json) {
    return Rspamd.verdict(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void eachActionBecomesItsVerdictWithTheScoreAndSymbols() {
    String common = "\"score\":7.25,\"required_score\":15.0,\"symbols\":{\"B_RULE\":{},\"A_RULE\":{}}";
    assertThat(read("{\"action\":\"no action\"," + common + "}")).isInstanceOfSatisfying(ScanVerdict.Pass.class,
        v -> assertThat(v.score()).isEqualTo(new ScanVerdict.Score(7.25, 15.0, List.of("A_RULE", "B_RULE"))));
    assertThat(read("{\"action\":\"greylist\"," + common + "}")).isInstanceOf(ScanVerdict.Pass.class);
    assertThat(read("{\"action\":\"add header\"," + common + "}")).isInstanceOf(ScanVerdict.AddHeader.class);
    assertThat(read("{\"action\":\"rewrite subject\",\"subject\":\"[SPAM] hi\"," + common + "}"))
        .isInstanceOfSatisfying(ScanVerdict.RewriteSubject.class, v -> assertThat(v.subject()).hasValue("[SPAM] hi"));
    assertThat(read("{\"action\":\"soft reject\",\"messages\":{\"smtp_message\":\"Try again later\"}," + common + "}"))
        .isInstanceOfSatisfying(ScanVerdict.SoftReject.class, v -> assertThat(v.reason()).isEqualTo("Try again later"));
    assertThat(read("{\"action\":\"reject\"," + common + "}"))
        .isInstanceOfSatisfying(ScanVerdict.Reject.class, v -> assertThat(v.reason()).isEqualTo(Rspamd.DEFAULT_REASON));
  }

  @Test
  void aReasonWithLineBreaksIsOneLineAndNonsenseIsNoVerdict() {
    assertThat(read("{\"action\":\"reject\",\"messages\":{\"smtp_message\":\"bad\\r\\n250 ok\"}}"))
        .isInstanceOfSatisfying(ScanVerdict.Reject.class, v -> assertThat(v.reason()).isEqualTo("bad 250 ok"));
    assertThat(read("not json")).isInstanceOf(ScanVerdict.Unavailable.class);
    assertThat(read("{\"score\":1}")).isInstanceOf(ScanVerdict.Unavailable.class);
  }

  @Test
  void clamdsAnswerLines() {
    assertThat(Clamd.verdict("stream: Eicar-Test-Signature FOUND")).isInstanceOfSatisfying(ScanVerdict.Infected.class,
        v -> assertThat(v.signature()).isEqualTo("Eicar-Test-Signature"));
    assertThat(Clamd.verdict("stream: OK")).isInstanceOf(ScanVerdict.Pass.class);
    assertThat(Clamd.verdict("INSTREAM size limit exceeded. ERROR")).isInstanceOf(ScanVerdict.Unavailable.class);
  }
}
