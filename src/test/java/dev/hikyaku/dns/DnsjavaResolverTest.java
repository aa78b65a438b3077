package dev.hikyaku.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.testing.SettableClock;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DnsjavaResolverTest {

  private final TestDnsServer server = TestDnsServer.start();
  private final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));

  @AfterEach
  void stop() {
    server.close();
  }

  private DnsjavaResolver resolver(Duration timeout, int retries) {
    return new DnsjavaResolver(List.of(server.address()), timeout, retries, clock, 100);
  }

  private DnsjavaResolver resolver() {
    return resolver(Duration.ofSeconds(2), 1);
  }

  @Test
  void mxRecordsAreLowerCaseWithoutTrailingDot() {
    server.mx("Example.ORG", 10, "MX1.Example.org").mx("example.org", 20, "mx2.example.org");

    assertThat(resolver().mx("EXAMPLE.org."))
        .isEqualTo(
            new Lookup.Found<>(
                List.of(new MxRecord(10, "mx1.example.org"), new MxRecord(20, "mx2.example.org"))));
  }

  @Test
  void nullMxKeepsTheRootAsADot() {
    server.mx("nomail.example", 0, ".");

    Lookup<List<MxRecord>> lookup = resolver().mx("nomail.example");

    assertThat(lookup).isEqualTo(new Lookup.Found<>(List.of(new MxRecord(0, "."))));
    assertThat(((Lookup.Found<List<MxRecord>>) lookup).value().getFirst().isNullMx()).isTrue();
  }

  @Test
  void nameWithOtherRecordsIsNoDataAndUnknownNameIsNxDomain() {
    server.a("host.example", "192.0.2.1");
    DnsjavaResolver resolver = resolver();

    assertThat(resolver.mx("host.example")).isEqualTo(new Lookup.NoData<>());
    assertThat(resolver.mx("missing.example")).isEqualTo(new Lookup.NxDomain<>());
    assertThat(resolver.addresses("missing.example")).isEqualTo(new Lookup.NxDomain<>());
  }

  @Test
  void addressesListIpv6BeforeIpv4() throws Exception {
    server.a("dual.example", "192.0.2.7").aaaa("dual.example", "2001:db8::7").a("v4.example", "192.0.2.8");
    DnsjavaResolver resolver = resolver();

    assertThat(resolver.addresses("dual.example"))
        .isEqualTo(
            new Lookup.Found<>(
                List.of(InetAddress.getByName("2001:db8::7"), InetAddress.getByName("192.0.2.7"))));
    assertThat(resolver.addresses("v4.example"))
        .isEqualTo(new Lookup.Found<>(List.of(InetAddress.getByName("192.0.2.8"))));
  }

  @Test
  void txtJoinsTheStringsOfOneRecord() {
    server.txt("example.org", "v=spf1 -all");

    assertThat(resolver().txt("example.org")).isEqualTo(new Lookup.Found<>(List.of("v=spf1 -all")));
  }

  @Test
  void cnameIsFollowed() throws Exception {
    server.cname("alias.example", "real.example").a("real.example", "192.0.2.9");

    assertThat(resolver().addresses("alias.example"))
        .isEqualTo(new Lookup.Found<>(List.of(InetAddress.getByName("192.0.2.9"))));
  }

  @Test
  void servfailIsTemporaryAndNamesTheName() {
    server.servfail("broken.example");

    Lookup<List<MxRecord>> lookup = resolver().mx("broken.example");

    assertThat(lookup).isInstanceOf(Lookup.TemporaryFailure.class);
    assertThat(((Lookup.TemporaryFailure<?>) lookup).reason()).contains("SERVFAIL", "broken.example");
  }

  @Test
  void silenceIsTemporaryAfterEveryTry() {
    server.silent("black.hole");
    DnsjavaResolver resolver = resolver(Duration.ofMillis(300), 2);

    Lookup<List<MxRecord>> lookup = resolver.mx("black.hole");

    assertThat(lookup).isInstanceOf(Lookup.TemporaryFailure.class);
    assertThat(((Lookup.TemporaryFailure<?>) lookup).reason()).contains("black.hole");
    assertThat(server.queries("black.hole")).isEqualTo(2);
  }

  @Test
  void answersAreCachedUntilTheirTtlRunsOut() {
    server.ttl(300).mx("cached.example", 10, "mx.cached.example");
    DnsjavaResolver resolver = resolver();

    Lookup<List<MxRecord>> first = resolver.mx("cached.example");
    clock.advance(Duration.ofSeconds(299));
    Lookup<List<MxRecord>> second = resolver.mx("CACHED.example");

    assertThat(second).isEqualTo(first);
    assertThat(server.queries("cached.example")).isEqualTo(1);

    clock.advance(Duration.ofSeconds(2));
    assertThat(resolver.mx("cached.example")).isEqualTo(first);
    assertThat(server.queries("cached.example")).isEqualTo(2);
  }

  @Test
  void negativeAnswersAreCachedForTheSoaMinimum() {
    server.ttl(60);
    DnsjavaResolver resolver = resolver();

    resolver.mx("gone.example");
    resolver.mx("gone.example");
    assertThat(server.queries("gone.example")).isEqualTo(1);

    clock.advance(Duration.ofSeconds(61));
    resolver.mx("gone.example");
    assertThat(server.queries("gone.example")).isEqualTo(2);
  }

  @Test
  void temporaryFailuresAreNotCached() {
    server.servfail("flaky.example");
    DnsjavaResolver resolver = resolver();

    resolver.mx("flaky.example");
    resolver.mx("flaky.example");

    assertThat(server.queries("flaky.example")).isEqualTo(2);
  }

  @Test
  void refusesASettingWithoutABound() {
    assertThatThrownBy(() -> new DnsjavaResolver(List.of(server.address()), Duration.ZERO, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timeout");
    assertThatThrownBy(() -> new DnsjavaResolver(List.of(server.address()), Duration.ofSeconds(1), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("retries");
  }
}
