package dev.hikyaku.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** SPF against the cases of {@code mailauth/spf-cases.txt}, each citing the RFC 7208 section it checks. */
class SpfTest {

  private static TestDnsServer dns;
  private static Spf spf;

  @BeforeAll
  static void serveZone() throws Exception {
    dns = TestDnsServer.start();
    ZoneCases.load("spf-cases.txt").serve(dns);
    spf = new Spf(new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(500), 1));
  }

  @AfterAll
  static void stop() {
    dns.close();
  }

  @TestFactory
  Stream<DynamicTest> cases() throws Exception {
    return ZoneCases.load("spf-cases.txt").cases().stream().map(c -> DynamicTest.dynamicTest(c.rule(), () -> {
      String expected = c.fields().get(0);
      InetAddress client = InetAddress.getByName(c.fields().get(1)); // a literal: no lookup
      String sender = c.fields().get(2).equals("<>") ? "" : c.fields().get(2);
      Spf.Verdict verdict = spf.check(client, sender, c.fields().get(3));
      assertThat(verdict.result().name().toLowerCase(Locale.ROOT)).as("%s (%s)", c.rule(), verdict.reason()).isEqualTo(expected);
    }));
  }
}
