package dev.hikyaku.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The SSRF guard, one case per line of src/test/resources/vectors/ssrf-targets.txt; names resolve from the table, not DNS. */
class TargetGuardTest {

  private record Case(String url, List<String> addresses, boolean isPrivateAllowed, String verdict) {}

  private static List<Case> cases() throws IOException {
    List<Case> cases = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("src/test/resources/vectors/ssrf-targets.txt"))) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\\|", -1);
      String addresses = f[1].strip();
      cases.add(new Case(f[0].strip(), addresses.isEmpty() || addresses.equals("-") ? List.of() : List.of(addresses.split(",")),
          Boolean.parseBoolean(f[2].strip()), f[3].strip()));
    }
    return cases;
  }

  @TestFactory
  Stream<DynamicTest> everyTargetOfTheTable() throws IOException {
    List<Case> cases = cases();
    Map<String, List<String>> table = new HashMap<>();
    for (Case c : cases) {
      String host = URI.create(c.url()).getHost();
      if (!c.addresses().isEmpty()) {
        assertThat(table.put(host, c.addresses())).as("one line per host name: %s", host).isIn(null, c.addresses());
      }
    }
    TargetGuard guard = new TargetGuard(host -> {
      List<String> found = table.get(host);
      if (found == null) {
        throw new UnknownHostException(host + ": not in the test's table");
      }
      List<InetAddress> addresses = new ArrayList<>();
      for (String text : found) {
        addresses.add(InetAddress.getByName(text.strip())); // literals only: no lookup
      }
      return addresses;
    });
    assertThat(cases).hasSizeGreaterThan(30);
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.url() + (c.isPrivateAllowed() ? " (private allowed)" : ""), () -> {
      TargetGuard.Verdict verdict = guard.check(URI.create(c.url()), c.isPrivateAllowed());
      if (c.verdict().startsWith("allow ")) {
        assertThat(verdict).isInstanceOfSatisfying(TargetGuard.Verdict.Allowed.class,
            allowed -> assertThat(allowed.address().getHostAddress()).isEqualTo(c.verdict().substring(6)));
      } else {
        assertThat(verdict).isInstanceOfSatisfying(TargetGuard.Verdict.Refused.class,
            refused -> assertThat(refused.reason()).contains(c.verdict().substring(7)));
      }
    }));
  }

  @Test
  void aUrlIsCheckedWhenTheEndpointIsCreated() {
    assertThat(TargetGuard.problemWith(URI.create("https://hooks.example.com/x"), false)).isEmpty();
    assertThat(TargetGuard.problemWith(URI.create("https://10.0.0.1/x"), false)).get().asString().contains("private");
    assertThat(TargetGuard.problemWith(URI.create("https://10.0.0.1/x"), true)).isEmpty();
    assertThat(TargetGuard.problemWith(URI.create("http://hooks.example.com/x"), false)).isPresent();
    assertThat(TargetGuard.problemWith(URI.create("https://hooks.example.com/x#f"), false)).isPresent();
    assertThat(TargetGuard.problemWith(URI.create("/relative"), false)).isPresent();
  }
}
