package dev.hikyaku.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** DMARC against the cases of {@code mailauth/dmarc-cases.txt}, each citing the RFC 7489 section it checks. */
class DmarcTest {

  private static TestDnsServer dns;
  private static Dmarc dmarc;

  @BeforeAll
  static void serveZone() throws Exception {
    dns = TestDnsServer.start();
    ZoneCases.load("dmarc-cases.txt").serve(dns);
    dmarc = new Dmarc(new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(500), 1));
  }

  @AfterAll
  static void stop() {
    dns.close();
  }

  @TestFactory
  Stream<DynamicTest> cases() throws Exception {
    return ZoneCases.load("dmarc-cases.txt").cases().stream().map(c -> DynamicTest.dynamicTest(c.rule(), () -> {
      List<String> f = c.fields();
      List<DkimVerifier.Signature> dkim = new ArrayList<>();
      if (!f.get(5).equals("-")) {
        for (String pair : f.get(5).split(",")) {
          String[] dr = pair.split("=");
          dkim.add(new DkimVerifier.Signature(DkimVerifier.Result.valueOf(dr[1].toUpperCase(Locale.ROOT)), dr[0], "s1", "rsa-sha256", "case"));
        }
      }
      Dmarc.Evaluation evaluation =
          dmarc.evaluate(f.get(2), Spf.Result.valueOf(f.get(3).toUpperCase(Locale.ROOT)), f.get(4), dkim);
      assertThat(evaluation.result().keyword()).as("%s (%s)", c.rule(), evaluation.reason()).isEqualTo(f.get(0));
      String policy = evaluation.policy().map(Dmarc.Policy::keyword).orElse("-");
      String disposition = evaluation.disposition().map(Dmarc.Policy::keyword).orElse("-");
      assertThat(disposition.equals(policy) ? policy : policy + "/" + disposition).as(c.rule()).isEqualTo(f.get(1));
    }));
  }
}
