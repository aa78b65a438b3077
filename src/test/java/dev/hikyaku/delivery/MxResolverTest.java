package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.delivery.MxResolver.Host;
import dev.hikyaku.delivery.MxResolver.Route;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.testing.SettableClock;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MxResolverTest {

  private final TestDnsServer server = TestDnsServer.start();
  private final DnsjavaResolver dns =
      new DnsjavaResolver(
          List.of(server.address()),
          Duration.ofSeconds(2),
          1,
          new SettableClock(Instant.parse("2026-01-01T00:00:00Z")),
          1_000);

  @AfterEach
  void stop() {
    server.close();
  }

  private Route resolve(String domain) {
    return new MxResolver(dns, new Random(1)).resolve(domain);
  }

  private static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> names(Route route) {
    assertThat(route).isInstanceOf(Route.Hosts.class);
    return ((Route.Hosts) route).hosts().stream().map(Host::name).toList();
  }

  @Test
  void hostsComeInPreferenceOrderWithTheirAddressesIpv6First() {
    server
        .mx("example.org", 20, "backup.example.org")
        .mx("example.org", 10, "primary.example.org")
        .a("primary.example.org", "192.0.2.10")
        .aaaa("primary.example.org", "2001:db8::10")
        .a("backup.example.org", "192.0.2.20");

    assertThat(resolve("example.org"))
        .isEqualTo(
            new Route.Hosts(
                List.of(
                    new Host("primary.example.org", List.of(ip("2001:db8::10"), ip("192.0.2.10"))),
                    new Host("backup.example.org", List.of(ip("192.0.2.20"))))));
  }

  @Test
  void equalPreferencesAreShuffledByTheInjectedRandom() {
    server
        .mx("spread.example", 10, "a.spread.example")
        .mx("spread.example", 10, "b.spread.example")
        .mx("spread.example", 5, "first.spread.example")
        .a("a.spread.example", "192.0.2.1")
        .a("b.spread.example", "192.0.2.2")
        .a("first.spread.example", "192.0.2.3");

    // SplittableRandom, not Random: Random's first draw is nearly the same for neighbouring seeds.
    Set<List<String>> orders = new HashSet<>();
    for (long seed = 0; seed < 32; seed++) {
      List<String> order = names(new MxResolver(dns, new SplittableRandom(seed)).resolve("spread.example"));
      assertThat(order.getFirst()).isEqualTo("first.spread.example");
      orders.add(order);
    }

    assertThat(orders)
        .containsExactlyInAnyOrder(
            List.of("first.spread.example", "a.spread.example", "b.spread.example"),
            List.of("first.spread.example", "b.spread.example", "a.spread.example"));
    // Same seed, same order: the route is reproducible.
    assertThat(names(new MxResolver(dns, new SplittableRandom(7)).resolve("spread.example")))
        .isEqualTo(names(new MxResolver(dns, new SplittableRandom(7)).resolve("spread.example")));
  }

  @Test
  void withoutMxTheDomainItselfIsTheImplicitMx() {
    server.a("plain.example", "192.0.2.30").aaaa("plain.example", "2001:db8::30");

    assertThat(resolve("plain.example"))
        .isEqualTo(
            new Route.Hosts(
                List.of(new Host("plain.example", List.of(ip("2001:db8::30"), ip("192.0.2.30"))))));
  }

  @Test
  void nullMxMeansNoMail() {
    server.mx("nomail.example", 0, ".").a("nomail.example", "192.0.2.40");

    assertThat(resolve("nomail.example")).isEqualTo(new Route.NullMx());
  }

  @Test
  void aRootExchangeBesideRealOnesIsIgnored() {
    server.mx("odd.example", 0, ".").mx("odd.example", 10, "mx.odd.example").a("mx.odd.example", "192.0.2.41");

    assertThat(names(resolve("odd.example"))).containsExactly("mx.odd.example");
  }

  @Test
  void nxDomainIsNoSuchDomain() {
    assertThat(resolve("nowhere.example")).isEqualTo(new Route.NoSuchDomain());
  }

  @Test
  void domainWithNeitherMxNorAddressIsNoSuchDomain() {
    server.txt("textonly.example", "hello");

    assertThat(resolve("textonly.example")).isEqualTo(new Route.NoSuchDomain());
  }

  @Test
  void servfailOnTheMxLookupIsTemporary() {
    server.servfail("broken.example");

    assertThat(resolve("broken.example")).isInstanceOf(Route.Temporary.class);
  }

  @Test
  void unansweredMxLookupIsTemporary() {
    server.silent("slow.example");
    DnsjavaResolver impatient = new DnsjavaResolver(List.of(server.address()), Duration.ofMillis(300), 2);

    Route route = new MxResolver(impatient, new Random(1)).resolve("slow.example");

    assertThat(route).isInstanceOf(Route.Temporary.class);
    assertThat(((Route.Temporary) route).reason()).contains("slow.example");
  }

  @Test
  void exchangeThatDoesNotExistIsDroppedAndTheOthersUsed() {
    server
        .mx("partial.example", 10, "gone.partial.example")
        .mx("partial.example", 20, "mx.partial.example")
        .a("mx.partial.example", "192.0.2.50");

    assertThat(names(resolve("partial.example"))).containsExactly("mx.partial.example");
  }

  @Test
  void exchangeFailingTemporarilyIsSkippedWhileAnotherWorks() {
    server
        .mx("half.example", 10, "flaky.half.example")
        .mx("half.example", 20, "mx.half.example")
        .servfail("flaky.half.example")
        .a("mx.half.example", "192.0.2.51");

    assertThat(names(resolve("half.example"))).containsExactly("mx.half.example");
  }

  @Test
  void everyExchangeFailingTemporarilyIsTemporary() {
    server
        .mx("down.example", 10, "a.down.example")
        .mx("down.example", 20, "b.down.example")
        .mx("down.example", 30, "gone.down.example")
        .servfail("a.down.example")
        .servfail("b.down.example");

    Route route = resolve("down.example");

    assertThat(route).isInstanceOf(Route.Temporary.class);
    assertThat(((Route.Temporary) route).reason()).contains("a.down.example", "b.down.example");
  }

  @Test
  void noExchangeWithAnAddressIsNoSuchDomain() {
    server.mx("hollow.example", 10, "gone.hollow.example");

    assertThat(resolve("hollow.example")).isEqualTo(new Route.NoSuchDomain());
  }

  @Test
  void exchangeThatIsACnameOrAnAddressIsUsedAsGiven() {
    server
        .mx("lenient.example", 10, "alias.lenient.example")
        .mx("lenient.example", 20, "192.0.2.61")
        .cname("alias.lenient.example", "real.lenient.example")
        .a("real.lenient.example", "192.0.2.60");

    assertThat(resolve("lenient.example"))
        .isEqualTo(
            new Route.Hosts(
                List.of(
                    new Host("alias.lenient.example", List.of(ip("192.0.2.60"))),
                    new Host("192.0.2.61", List.of(ip("192.0.2.61"))))));
    assertThat(server.queries("192.0.2.61")).isZero();
  }

  @Test
  void unicodeDomainIsLookedUpAsItsALabel() {
    server.mx("xn--bcher-kva.example", 10, "mx.xn--bcher-kva.example").a("mx.xn--bcher-kva.example", "192.0.2.70");

    assertThat(names(resolve("Bücher.example"))).containsExactly("mx.xn--bcher-kva.example");
    assertThat(names(resolve("XN--BCHER-KVA.example."))).containsExactly("mx.xn--bcher-kva.example");
  }

  @Test
  void domainLiteralIsItsOwnRouteWithoutDns() {
    assertThat(resolve("[192.0.2.80]"))
        .isEqualTo(new Route.Hosts(List.of(new Host("[192.0.2.80]", List.of(ip("192.0.2.80"))))));
    assertThat(resolve("[IPv6:2001:db8::80]"))
        .isEqualTo(new Route.Hosts(List.of(new Host("[IPv6:2001:db8::80]", List.of(ip("2001:db8::80"))))));
    assertThat(server.queries()).isZero();
  }

  @Test
  void malformedLiteralIsRefusedByName() {
    assertThatThrownBy(() -> resolve("[300.1.1.1]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[300.1.1.1]");
    assertThatThrownBy(() -> resolve("[IPv6:not.an.address]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[IPv6:not.an.address]");
    assertThat(server.queries()).isZero();
  }
}
