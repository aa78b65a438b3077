package dev.hikyaku.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CIDR blocks as API key allow-lists take them: literals only, host bits cleared, RFC 5952 text. */
class CidrTest {

  @Test
  void blocksParseAndContain() throws Exception {
    Cidr v4 = Cidr.parse("192.0.2.77/26").orElseThrow();
    assertThat(v4).hasToString("192.0.2.64/26");
    assertThat(v4.contains(InetAddress.getByName("192.0.2.100"))).isTrue();
    assertThat(v4.contains(InetAddress.getByName("192.0.2.130"))).isFalse();
    assertThat(v4.contains(InetAddress.getByName("2001:db8::1"))).isFalse();
    Cidr v6 = Cidr.parse("2001:db8::/32").orElseThrow();
    assertThat(v6).hasToString("2001:db8::/32");
    assertThat(Cidr.parse("2001:db8:0:1:0:0:0:1")).map(Cidr::toString).contains("2001:db8:0:1::1/128");
    assertThat(Cidr.parse("::1")).map(Cidr::toString).contains("::1/128");
    assertThat(Cidr.parse("::/0")).map(Cidr::toString).contains("::/0");
    assertThat(Cidr.parse("fe80::1:0:0:0/64")).map(Cidr::toString).contains("fe80::/64");
    assertThat(Cidr.parse("1:0:0:2:0:0:0:3")).map(Cidr::toString).contains("1:0:0:2::3/128");
    assertThat(v6.contains(InetAddress.getByName("2001:db8:ffff::1"))).isTrue();
    assertThat(v6.contains(InetAddress.getByName("2001:db9::1"))).isFalse();
    assertThat(Cidr.parse("198.51.100.5")).map(Cidr::toString).contains("198.51.100.5/32");
    for (String bad : List.of("", "example.com", "192.0.2.0/33", "192.0.2.0/", "::ffff:192.0.2.1/24x", "localhost", "1.2.3/8")) {
      assertThat(Cidr.parse(bad)).as(bad).isEmpty();
    }
  }

  @Test
  void refusesHostNamesAndMappedAddresses() {
    assertThat(Cidr.parse("::ffff:192.0.2.1/120")).isEmpty();
    assertThat(Cidr.parse("mx.example.com/24")).isEmpty();
    assertThat(Cidr.parse("256.0.0.1/8")).isEmpty();
    assertThat(Cidr.parse("[2001:db8::]/32")).map(Cidr::toString).contains("2001:db8::/32");
  }
}
