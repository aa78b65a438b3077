package dev.hikyaku.mailauth;

import com.google.common.net.InternetDomainName;
import dev.hikyaku.dns.DnsResolver;
import dev.hikyaku.dns.Lookup;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/**
 * DMARC (RFC 7489): the From domain's policy, found at {@code _dmarc.<domain>} or else at its
 * organizational domain (§6.6.3, via the Public Suffix List that Guava carries), and whether SPF or
 * DKIM passed for an aligned domain (§3.1: relaxed alignment compares organizational domains,
 * strict the exact names).
 */
public final class Dmarc {

  /** RFC 8601 §2.7 dmarc results. */
  public enum Result {
    NONE, PASS, FAIL, TEMPERROR, PERMERROR;

    public String keyword() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The policy a domain owner asks for (RFC 7489 §6.3 p=). */
  public enum Policy {
    NONE, QUARANTINE, REJECT;

    public String keyword() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The evaluation.
   *
   * @param policy the policy that applies to the From domain (sp= for a subdomain), when a record was found
   * @param disposition what to do with a failing message: the policy, or the next milder one for
   *     the messages outside pct= (RFC 7489 §6.6.4); the policy itself when the message passed
   */
  public record Evaluation(Result result, String fromDomain, Optional<Policy> policy, Optional<Policy> disposition, String reason,
      Optional<Published> published, boolean isDkimAligned, boolean isSpfAligned) {

    /** Without sampling: the disposition is the policy. */
    public Evaluation(Result result, String fromDomain, Optional<Policy> policy, String reason) {
      this(result, fromDomain, policy, policy, reason);
    }

    /** Without the record (none was found, or it could not be read). */
    public Evaluation(Result result, String fromDomain, Optional<Policy> policy, Optional<Policy> disposition, String reason) {
      this(result, fromDomain, policy, disposition, reason, Optional.empty(), false, false);
    }
  }

  /**
   * The record a policy came from, as an aggregate report names it (RFC 7489 §7.2, Appendix C
   * "policy_published") and where reports go.
   *
   * @param domain where the record was found (the From domain, or its organizational domain)
   * @param rua the aggregate report destinations (§6.3 rua=), as written
   */
  public record Published(String domain, String adkim, String aspf, Policy p, Optional<Policy> sp, int pct, List<String> rua) {
    public Published {
      rua = List.copyOf(rua);
    }
  }

  private final DnsResolver dns;
  private final RandomGenerator random; // guarded by lock: generators are not thread-safe
  private final ReentrantLock lock = new ReentrantLock();

  public Dmarc(DnsResolver dns) {
    this(dns, new SplittableRandom());
  }

  /** With the randomness that samples pct= (tests use pct=0 and pct=100, which need none). */
  public Dmarc(DnsResolver dns, RandomGenerator random) {
    this.dns = Objects.requireNonNull(dns, "dns");
    this.random = Objects.requireNonNull(random, "random");
  }

  /**
   * Evaluates {@code fromDomain} (RFC5322.From, §3.1) against the SPF result for {@code
   * mailFromDomain} and the DKIM results.
   */
  public Evaluation evaluate(
      String fromDomain, Spf.Result spf, String mailFromDomain, List<DkimVerifier.Signature> dkim) {
    String from = fromDomain.toLowerCase(Locale.ROOT);
    String organization = organizationalDomain(from);
    Optional<Map<String, String>> record;
    boolean isFromOrganization = false;
    try {
      record = record(from);
      if (record.isEmpty() && !organization.equals(from)) {
        record = record(organization);
        isFromOrganization = true;
      }
    } catch (TemporaryFailure e) {
      return new Evaluation(Result.TEMPERROR, from, Optional.empty(), e.getMessage());
    }
    if (record.isEmpty()) {
      return new Evaluation(Result.NONE, from, Optional.empty(), "no DMARC record");
    }
    Map<String, String> tags = record.get();
    Optional<Policy> requested = policy(tags.get("p"));
    if (requested.isEmpty()) {
      return new Evaluation(Result.PERMERROR, from, Optional.empty(), "DMARC record without a valid p=");
    }
    // §6.3 sp=: the policy for subdomains, found at the organizational domain.
    Policy applies = isFromOrganization ? policy(tags.get("sp")).orElse(requested.get()) : requested.get();
    boolean isStrictDkim = "s".equalsIgnoreCase(tags.getOrDefault("adkim", "r"));
    boolean isStrictSpf = "s".equalsIgnoreCase(tags.getOrDefault("aspf", "r"));
    int pct = percent(tags.get("pct"));
    Optional<Published> published = Optional.of(new Published(isFromOrganization ? organization : from,
        isStrictDkim ? "s" : "r", isStrictSpf ? "s" : "r", requested.get(), policy(tags.get("sp")), pct,
        tags.containsKey("rua") ? List.of(tags.get("rua").split(",")).stream().map(String::strip).filter(u -> !u.isEmpty()).toList()
            : List.of()));

    // Both alignments, for the aggregate report's policy_evaluated (§7.2); either passes DMARC.
    Optional<DkimVerifier.Signature> dkimPass = DkimVerifier.passFor(dkim, d -> isAligned(d, from, isStrictDkim));
    boolean isSpfAligned = spf == Spf.Result.PASS && isAligned(mailFromDomain.toLowerCase(Locale.ROOT), from, isStrictSpf);
    if (dkimPass.isPresent()) {
      return new Evaluation(Result.PASS, from, Optional.of(applies), Optional.of(applies),
          "DKIM aligned (d=" + dkimPass.get().domain() + ")", published, true, isSpfAligned);
    }
    if (isSpfAligned) {
      return new Evaluation(Result.PASS, from, Optional.of(applies), Optional.of(applies), "SPF aligned (" + mailFromDomain + ")",
          published, false, true);
    }
    // RFC 7489 §6.6.4: pct= asks for the policy on that share of failing mail, the next milder one
    // (reject → quarantine → none) on the rest.
    Policy disposition = applies;
    if (pct < 100 && sample() >= pct) {
      disposition = applies == Policy.REJECT ? Policy.QUARANTINE : Policy.NONE;
    }
    return new Evaluation(Result.FAIL, from, Optional.of(applies), Optional.of(disposition),
        "neither SPF nor DKIM passed for an aligned domain" + (pct < 100 ? " (pct=" + pct + ")" : ""), published, false, false);
  }

  /** §3.1.1/§3.1.2: strict alignment is the same name; relaxed, the same organizational domain. */
  static boolean isAligned(String domain, String from, boolean isStrict) {
    return isStrict ? domain.equals(from) : organizationalDomain(domain).equals(organizationalDomain(from));
  }

  /** §3.2: the registered domain under the public suffix (example.co.jp for mail.example.co.jp). */
  public static String organizationalDomain(String domain) {
    try {
      InternetDomainName name = InternetDomainName.from(domain);
      return name.isUnderPublicSuffix() ? name.topPrivateDomain().toString() : domain;
    } catch (IllegalArgumentException | IllegalStateException e) {
      return domain;
    }
  }

  /** pct= as 0..100; absent or unreadable counts as 100 (RFC 7489 §6.3). */
  private static int percent(String value) {
    if (value == null || !value.matches("\\d{1,3}")) {
      return 100;
    }
    return Math.min(100, Integer.parseInt(value));
  }

  private int sample() {
    lock.lock();
    try {
      return random.nextInt(100);
    } finally {
      lock.unlock();
    }
  }

  /** RFC 7489 §6.4: a DMARC record starts with v=DMARC1. */
  static boolean isRecord(String txt) {
    return txt.replace(" ", "").toLowerCase(Locale.ROOT).startsWith("v=dmarc1");
  }

  /** A p= or sp= value (RFC 7489 §6.3), empty when it is none of the three. */
  static Optional<Policy> policy(String value) {
    if (value == null) {
      return Optional.empty();
    }
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "none" -> Optional.of(Policy.NONE);
      case "quarantine" -> Optional.of(Policy.QUARANTINE);
      case "reject" -> Optional.of(Policy.REJECT);
      default -> Optional.empty();
    };
  }

  private static final class TemporaryFailure extends Exception {
    private static final long serialVersionUID = 1L;

    TemporaryFailure(String reason) {
      super(reason, null, false, false);
    }
  }

  /** §6.6.3: the one TXT record at _dmarc.domain starting with v=DMARC1; more than one counts as none. */
  private Optional<Map<String, String>> record(String domain) throws TemporaryFailure {
    String name = "_dmarc." + domain;
    List<String> records = switch (dns.txt(name)) {
      case Lookup.Found<List<String>> found -> found.value().stream().filter(Dmarc::isRecord).toList();
      case Lookup.TemporaryFailure<List<String>> failure -> throw new TemporaryFailure("DNS lookup of " + name + " failed: " + failure.reason());
      default -> List.of();
    };
    return records.size() == 1 ? Optional.of(DkimVerifier.tags(records.getFirst())) : Optional.empty();
  }
}
