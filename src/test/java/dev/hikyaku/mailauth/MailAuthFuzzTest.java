package dev.hikyaku.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hikyaku.dns.DnsResolver;
import dev.hikyaku.dns.Lookup;
import dev.hikyaku.dns.MxRecord;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.random.RandomGenerator;

/**
 * Fuzzes what mail authentication reads from strangers: the RFC 5322 From field ({@link FromField},
 * which the sender-ownership and DMARC checks rely on), DKIM-Signature / key / DMARC tag=value lists
 * ({@link DkimVerifier#tags}), SPF records ({@link Spf}, through a resolver that answers every query
 * from the fuzzed records) and DMARC records ({@link Dmarc}).
 *
 * <p>Invariants: no exception (a bad record is a PERMERROR/NONE value, a bad From an empty Optional);
 * From addresses round-trip: the addr-specs found, written back as a list, parse to the same list;
 * tag lists are idempotent (written back as {@code k=v;}, they parse to the same map) with keys in
 * lower case and no FWS in values; SPF makes a bounded number of DNS queries whatever the records
 * say (RFC 7208 §4.6.4: at most 10 DNS-querying terms, 10 MX/PTR names each, 2 void lookups).
 */
class MailAuthFuzzTest {

  private static final int MAX_INPUT = 8192;
  private static final InetAddress CLIENT = address(new byte[] {(byte) 192, 0, 2, 1});

  @FuzzTest(maxDuration = "10s")
  void fromField(byte[] input) {
    if (input.length > MAX_INPUT) {
      return;
    }
    String value = new String(input, StandardCharsets.UTF_8);
    Optional<List<FromField.AddrSpec>> mailboxes = FromField.mailboxes(value);
    if (mailboxes.isEmpty() || mailboxes.get().isEmpty()) {
      return;
    }
    StringJoiner written = new StringJoiner(", ");
    for (FromField.AddrSpec spec : mailboxes.get()) {
      assertThat(spec.address()).doesNotContain("\r").doesNotContain("\n");
      // FromField keeps a quoted local part's content without its quotes (mime4j's token image),
      // so written back it is quoted again unless it is a dot-atom.
      written.add(addrSpec(spec));
    }
    assertThat(FromField.mailboxes(written.toString()))
        .as("addresses of %s written back as %s", value, written)
        .contains(mailboxes.get());
  }

  @FuzzTest(maxDuration = "10s")
  void tags(byte[] input) {
    if (input.length > MAX_INPUT) {
      return;
    }
    Map<String, String> tags = DkimVerifier.tags(new String(input, StandardCharsets.UTF_8));
    StringBuilder written = new StringBuilder();
    tags.forEach((name, value) -> {
      assertThat(name).isEqualTo(name.strip()).doesNotContain(";", "=");
      assertThat(value).doesNotContain(";", " ", "\t", "\r", "\n");
      written.append(name).append('=').append(value).append(';');
    });
    assertThat(DkimVerifier.tags(written.toString())).isEqualTo(tags);
  }

  private static final java.util.regex.Pattern DOT_ATOM =
      // ASCII only: mime4j's address grammar reads UTF-8 only inside quotes.
      java.util.regex.Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-]+)*");

  private static String addrSpec(FromField.AddrSpec spec) {
    String local = DOT_ATOM.matcher(spec.localPart()).matches()
        ? spec.localPart()
        : "\"" + spec.localPart().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    return spec.domain().isEmpty() ? local : local + "@" + spec.domain();
  }

  /** Input: lines; line 0 is the sender domain's TXT record, other names get a line by hash. */
  @FuzzTest(maxDuration = "10s")
  void spf(byte[] input) {
    if (input.length > MAX_INPUT) {
      return;
    }
    FuzzedZone zone = new FuzzedZone(new String(input, StandardCharsets.UTF_8).split("\n", -1));
    Spf.Verdict verdict = new Spf(zone).check(CLIENT, "user@example.org", "client.example");
    assertThat(verdict.result()).isNotNull();
    assertThat(verdict.reason()).isNotNull();
    // 1 for the record itself, 10 terms, each of which may look up 10 MX/PTR names and their
    // addresses, 2 more voids: far below 300; an unbounded evaluation (include loops) is not.
    assertThat(zone.queries).as("DNS queries for %s", verdict).isLessThanOrEqualTo(300);
  }

  /** Input: lines; line 0 is the TXT record at _dmarc.example.org. */
  @FuzzTest(maxDuration = "10s")
  void dmarc(byte[] input) {
    if (input.length > MAX_INPUT || input.length == 0) {
      return;
    }
    FuzzedZone zone = new FuzzedZone(new String(input, 1, input.length - 1, StandardCharsets.UTF_8).split("\n", -1));
    Spf.Result spf = Spf.Result.values()[(input[0] & 0xff) % Spf.Result.values().length];
    Dmarc.Evaluation evaluation =
        new Dmarc(zone, RandomGenerator.of("L64X128MixRandom")).evaluate("mail.example.org", spf, "example.org", List.of());
    assertThat(evaluation.result()).isNotNull();
    if (evaluation.result() == Dmarc.Result.PASS) {
      assertThat(spf).isEqualTo(Spf.Result.PASS);
    }
    assertThat(zone.queries).isLessThanOrEqualTo(4);
  }

  /** Answers TXT queries from the fuzzed lines, A/AAAA with the client, MX with 12 hosts. */
  static final class FuzzedZone implements DnsResolver {
    private final String[] records;
    int queries;

    FuzzedZone(String[] records) {
      this.records = records;
    }

    @Override
    public Lookup<List<MxRecord>> mx(String domain) {
      queries++;
      List<MxRecord> hosts = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        hosts.add(new MxRecord(i, "mx" + i + "." + domain));
      }
      return new Lookup.Found<>(hosts);
    }

    @Override
    public Lookup<List<InetAddress>> addresses(String host) {
      queries++;
      return host.startsWith("void") ? new Lookup.NxDomain<>() : new Lookup.Found<>(List.of(CLIENT));
    }

    @Override
    public Lookup<List<String>> txt(String name) {
      queries++;
      if (name.startsWith("void")) {
        return new Lookup.NoData<>();
      }
      if (name.startsWith("fail")) {
        return new Lookup.TemporaryFailure<>("fuzzed");
      }
      if (name.equals("example.org") || name.equals("_dmarc.mail.example.org") || records.length == 1) {
        return new Lookup.Found<>(List.of(records[0]));
      }
      int line = 1 + Math.floorMod(name.hashCode(), records.length - 1);
      return new Lookup.Found<>(List.of(records[line]));
    }
  }

  private static InetAddress address(byte[] octets) {
    try {
      return InetAddress.getByAddress(octets);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
