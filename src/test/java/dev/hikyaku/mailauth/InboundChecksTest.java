package dev.hikyaku.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The checks of one message keep to their budget when DNS does not answer. */
class InboundChecksTest {

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS) // the resolver alone would wait 2 × 30 s per lookup
  void aSilentResolverGivesTemperrorWithinTheBudget() throws Exception {
    try (TestDnsServer dns = TestDnsServer.start()) {
      dns.silent("slow.example").silent("_dmarc.slow.example");
      InboundChecks checks = new InboundChecks(new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(30), 2),
          Clock.systemUTC(), "mx.hikyaku.test", Duration.ofSeconds(1));
      byte[] message = "From: a@slow.example\r\nSubject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

      InboundChecks.Report report = checks.check(message, InetAddress.getByName("192.0.2.1"), "mta.slow.example", "a@slow.example");

      assertThat(report.spf().result()).isEqualTo(Spf.Result.TEMPERROR);
      assertThat(report.field()).contains("spf=temperror (no answer within 1 s) smtp.mailfrom=a@slow.example", "dkim=none",
          "dmarc=temperror header.from=slow.example");
    }
  }
}
