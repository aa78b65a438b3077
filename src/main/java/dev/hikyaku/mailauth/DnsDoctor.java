package dev.hikyaku.mailauth;

import dev.hikyaku.dns.DnsResolver;
import dev.hikyaku.dns.Lookup;
import dev.hikyaku.dns.MxRecord;
import java.net.InetAddress;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a domain that sends through this server needs in DNS, and whether it is there: MX, SPF that
 * lets this server's addresses send (RFC 7208), the DKIM key records of its selectors (RFC 6376),
 * DMARC (RFC 7489), MTA-STS (RFC 8461) and TLS-RPT (RFC 8460). For each missing or wrong record it
 * gives the exact record to publish. Only DNS is consulted: the MTA-STS policy file is on HTTPS and
 * is left to the operator.
 */
public final class DnsDoctor {

  /** How one record stands. */
  public enum Status {
    OK, MISSING, WRONG, UNKNOWN;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One line of the report.
   *
   * @param kind MX, SPF, DKIM, DMARC, MTA-STS or TLS-RPT
   * @param fix the record to add or replace it with, as a zone-file line
   */
  public record Finding(String kind, Status status, String detail, Optional<String> fix) {}

  private final DnsResolver dns;

  public DnsDoctor(DnsResolver dns) {
    this.dns = Objects.requireNonNull(dns, "dns");
  }

  /**
   * Checks {@code domain} for sending through the server named {@code hostname}, with the DKIM
   * {@code keys} it holds for the domain (pending ones included: they are to be published first).
   */
  public List<Finding> check(String domain, String hostname, List<DkimKey> keys) {
    String d = domain.toLowerCase(Locale.ROOT);
    List<Finding> findings = new ArrayList<>();
    findings.add(mx(d, hostname));
    findings.add(spf(d, hostname));
    findings.addAll(dkim(d, keys));
    findings.add(dmarc(d));
    findings.add(simpleTxt("MTA-STS", "_mta-sts." + d, "v=stsv1",
        "\"v=STSv1; id=" + LocalDate.now(ZoneOffset.UTC).toString().replace("-", "") + "01\"",
        " (and serve the policy at https://mta-sts." + d + "/.well-known/mta-sts.txt, RFC 8461 §3.2)"));
    findings.add(simpleTxt("TLS-RPT", "_smtp._tls." + d, "v=tlsrptv1", "\"v=TLSRPTv1; rua=mailto:tls-reports@" + d + "\"", ""));
    return findings;
  }

  private Finding mx(String domain, String hostname) {
    String fix = domain + ". IN MX 10 " + hostname + ".";
    return switch (dns.mx(domain)) {
      case Lookup.Found<List<MxRecord>> found -> {
        List<MxRecord> hosts = found.value();
        if (hosts.size() == 1 && hosts.getFirst().host().equals(MxRecord.ROOT)) {
          // RFC 7505 §4.2: receivers may refuse mail from a domain that says it takes none.
          yield new Finding("MX", Status.WRONG, "null MX: the domain takes no mail, so no bounces and no replies; receivers may refuse its mail",
              Optional.of(fix));
        }
        boolean isHere = hosts.stream().anyMatch(h -> h.host().equalsIgnoreCase(hostname));
        String list = String.join(", ", hosts.stream().map(h -> h.preference() + " " + h.host()).toList());
        yield new Finding("MX", Status.OK, isHere ? list : list + " (mail for the domain is received there, not here)", Optional.empty());
      }
      case Lookup.TemporaryFailure<List<MxRecord>> failure -> new Finding("MX", Status.UNKNOWN, failure.reason(), Optional.empty());
      default -> new Finding("MX", Status.MISSING, "no MX: bounces and replies to the domain have nowhere to go", Optional.of(fix));
    };
  }

  private Finding spf(String domain, String hostname) {
    List<String> records = switch (dns.txt(domain)) {
      case Lookup.Found<List<String>> found -> found.value().stream()
          .filter(Spf::isRecord).toList();
      case Lookup.TemporaryFailure<List<String>> failure -> null;
      default -> List.of();
    };
    if (records == null) {
      return new Finding("SPF", Status.UNKNOWN, "DNS lookup of " + domain + " failed", Optional.empty());
    }
    String mechanism = "a:" + hostname;
    if (records.isEmpty()) {
      return new Finding("SPF", Status.MISSING, "no SPF record", Optional.of(domain + ". IN TXT \"v=spf1 mx " + mechanism + " ~all\""));
    }
    if (records.size() > 1) {
      return new Finding("SPF", Status.WRONG, records.size() + " SPF records: receivers treat that as an error (RFC 7208 §4.5)",
          Optional.of(domain + ". IN TXT \"v=spf1 mx " + mechanism + " ~all\" (and only that one)"));
    }
    List<InetAddress> addresses = switch (dns.addresses(hostname)) {
      case Lookup.Found<List<InetAddress>> found -> found.value();
      default -> List.of();
    };
    if (addresses.isEmpty()) {
      return new Finding("SPF", Status.UNKNOWN, "this server's name " + hostname + " has no address in DNS to check against", Optional.empty());
    }
    Spf spf = new Spf(dns);
    for (InetAddress address : addresses) {
      Spf.Verdict verdict = spf.check(address, "postmaster@" + domain, hostname);
      if (verdict.result() != Spf.Result.PASS) {
        String current = records.getFirst();
        String fixed = current.replaceFirst("(?i)^v=spf1", "v=spf1 " + mechanism);
        return new Finding("SPF", Status.WRONG, "does not let " + address.getHostAddress() + " (" + hostname + ") send: "
            + verdict.result().keyword() + ", " + verdict.reason(), Optional.of(domain + ". IN TXT \"" + fixed + "\""));
      }
    }
    return new Finding("SPF", Status.OK, records.getFirst(), Optional.empty());
  }

  private List<Finding> dkim(String domain, List<DkimKey> keys) {
    if (keys.isEmpty()) {
      return List.of(new Finding("DKIM", Status.MISSING, "no DKIM key for " + domain + ": run hikyaku dkim keygen " + domain, Optional.empty()));
    }
    List<Finding> findings = new ArrayList<>();
    for (DkimKey key : keys) {
      String fix = key.zoneLine();
      Finding finding = switch (dns.txt(key.recordName())) {
        case Lookup.Found<List<String>> found -> {
          Map<String, String> tags = DkimVerifier.tags(found.value().getFirst());
          yield key.publicKeyData().equals(tags.getOrDefault("p", ""))
              ? new Finding("DKIM", Status.OK, key.recordName() + " (" + key.algorithm().tag() + ")", Optional.empty())
              : new Finding("DKIM", Status.WRONG, key.recordName() + " publishes another key", Optional.of(fix));
        }
        case Lookup.TemporaryFailure<List<String>> failure ->
            new Finding("DKIM", Status.UNKNOWN, key.recordName() + ": " + failure.reason(), Optional.empty());
        default -> new Finding("DKIM", Status.MISSING, key.recordName() + " (" + key.algorithm().tag() + ") is not published", Optional.of(fix));
      };
      findings.add(finding);
    }
    return findings;
  }

  private Finding dmarc(String domain) {
    String name = "_dmarc." + domain;
    String fix = name + ". IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc-reports@" + domain + "\"";
    return switch (dns.txt(name)) {
      case Lookup.Found<List<String>> found -> {
        List<String> records = found.value().stream().filter(Dmarc::isRecord).toList();
        if (records.size() != 1) {
          yield new Finding("DMARC", records.isEmpty() ? Status.MISSING : Status.WRONG,
              records.isEmpty() ? "no v=DMARC1 record" : records.size() + " DMARC records (RFC 7489 §6.6.3: then none applies)", Optional.of(fix));
        }
        yield Dmarc.policy(DkimVerifier.tags(records.getFirst()).get("p")).isPresent()
            ? new Finding("DMARC", Status.OK, records.getFirst(), Optional.empty())
            : new Finding("DMARC", Status.WRONG, "p= must be none, quarantine or reject (RFC 7489 §6.3)", Optional.of(fix));
      }
      case Lookup.TemporaryFailure<List<String>> failure -> new Finding("DMARC", Status.UNKNOWN, failure.reason(), Optional.empty());
      default -> new Finding("DMARC", Status.MISSING, "no DMARC record", Optional.of(fix));
    };
  }

  private Finding simpleTxt(String kind, String name, String prefix, String suggested, String note) {
    return switch (dns.txt(name)) {
      case Lookup.Found<List<String>> found -> found.value().stream()
          .filter(r -> r.replace(" ", "").toLowerCase(Locale.ROOT).startsWith(prefix)).findFirst()
          .map(r -> new Finding(kind, Status.OK, r, Optional.<String>empty()))
          .orElse(new Finding(kind, Status.WRONG, name + " has no " + prefix + " record", Optional.of(name + ". IN TXT " + suggested + note)));
      case Lookup.TemporaryFailure<List<String>> failure -> new Finding(kind, Status.UNKNOWN, failure.reason(), Optional.empty());
      default -> new Finding(kind, Status.MISSING, "not published", Optional.of(name + ". IN TXT " + suggested + note));
    };
  }
}
