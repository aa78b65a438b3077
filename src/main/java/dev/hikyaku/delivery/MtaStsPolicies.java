package dev.hikyaku.delivery;

import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hikyaku.dns.DnsResolver;
import dev.hikyaku.dns.Lookup;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MTA-STS policies of recipient domains (RFC 8461), as delivery asks for them: discovered by
 * the {@code _mta-sts} TXT record (§3.1), fetched from the domain's policy host (§3.3) and kept
 * until their {@code max_age} ends (§5.1).
 *
 * <p>What §5.1 asks of a sender, step by step: the TXT record is looked up (here at most once a
 * {@link #RECHECK} per domain, so a busy destination costs one lookup a minute, not one per
 * message); when its {@code id} is the cached policy's, the cached policy stands; when it changed
 * or nothing is cached, the policy is fetched anew. When the record is missing, malformed or the
 * lookup fails, or the fetch fails, an unexpired cached policy still applies: an attacker who
 * blocks DNS or HTTPS cannot take a policy away before its {@code max_age}. A domain without a
 * record and without a cached policy has none.
 */
public final class MtaStsPolicies {

  private static final Logger log = LoggerFactory.getLogger(MtaStsPolicies.class);

  /** How often a domain's TXT record is looked at again while its answer is cached. */
  static final Duration RECHECK = Duration.ofMinutes(1);

  private static final long MAX_DOMAINS = 100_000;

  // §3.1: sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim];
  // sts-version = %s"v=STSv1", sts-id = %s"id=" 1*32(ALPHA / DIGIT).
  private static final Pattern FIELD_DELIMITER = Pattern.compile("[ \\t]*;[ \\t]*");
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9]{1,32}");

  /** Fetches a domain's policy file (the body of https://mta-sts.DOMAIN/.well-known/mta-sts.txt). */
  @FunctionalInterface
  public interface Fetcher {
    String fetch(String domain) throws IOException;
  }

  /**
   * The fetcher delivery uses: HTTPS to {@code mta-sts.DOMAIN} on {@code port} (443), found through
   * {@code dns}, verified with {@code trust} (empty: the JDK's roots), 30 s to connect and to read.
   */
  public static Fetcher fetcher(DnsResolver dns, int port, Optional<SSLContext> trust) {
    return new PolicyHostFetch(dns, port, trust, Duration.ofSeconds(30));
  }

  /** No lookups at all: delivery as without MTA-STS ({@code delivery.mta-sts: false}). */
  public static final MtaStsPolicies OFF = new MtaStsPolicies(null, domain -> {
    throw new IOException("MTA-STS is off");
  }, Clock.systemUTC());

  /** What is known of a domain: its policy (if any) under record id {@code id}, and when the record was last seen. */
  private record Known(Optional<MtaStsPolicy> policy, String id, Instant expiresAt, Instant checkedAt) {

    Optional<MtaStsPolicy> unexpired(Instant now) {
      return now.isBefore(expiresAt) ? policy : Optional.empty();
    }
  }

  private final DnsResolver dns;
  private final Fetcher fetcher;
  private final Clock clock;
  // One entry per recipient domain delivered to, policy or not: bounded, the least recently used
  // forgotten first (such a domain's policy is then fetched again at its next delivery).
  private final Map<String, Known> known = Caffeine.newBuilder().maximumSize(MAX_DOMAINS).<String, Known>build().asMap();

  /** {@code dns} null: {@link #OFF}. */
  public MtaStsPolicies(DnsResolver dns, Fetcher fetcher, Clock clock) {
    this.dns = dns;
    this.fetcher = fetcher;
    this.clock = clock;
  }

  /** The policy that applies to mail for {@code domain} now, if one does (mode none included). */
  public Optional<MtaStsPolicy> policyOf(String domain) {
    if (dns == null) {
      return Optional.empty();
    }
    String name = domain.toLowerCase(Locale.ROOT);
    Instant now = clock.instant();
    Known cached = known.get(name);
    if (cached != null && now.isBefore(cached.checkedAt().plus(RECHECK))) {
      return cached.unexpired(now);
    }
    Optional<MtaStsPolicy> kept = cached == null ? Optional.empty() : cached.unexpired(now);
    Optional<String> id = switch (dns.txt("_mta-sts." + name)) {
      case Lookup.Found<List<String>> found -> recordId(found.value());
      case Lookup.NoData<List<String>> none -> Optional.empty();
      case Lookup.NxDomain<List<String>> none -> Optional.empty();
      case Lookup.TemporaryFailure<List<String>> failure -> {
        log.debug("MTA-STS record of {} not found now ({}); {}", name, failure.reason(),
            kept.isPresent() ? "keeping the cached policy" : "no policy");
        yield Optional.empty();
      }
    };
    if (id.isEmpty()) {
      // §5.1: no (valid) record: a cached policy holds until it expires.
      remember(name, kept, cached == null ? "" : cached.id(), cached == null ? now : cached.expiresAt(), now);
      return kept;
    }
    if (cached != null && cached.id().equals(id.get()) && kept.isPresent()) {
      remember(name, kept, cached.id(), cached.expiresAt(), now);
      return kept;
    }
    try {
      MtaStsPolicy policy = MtaStsPolicy.parse(fetcher.fetch(name));
      remember(name, Optional.of(policy), id.get(), now.plus(policy.maxAge()), now);
      log.info("MTA-STS policy of {} (id {}): mode {}, mx {}, max_age {} s", name, id.get(),
          policy.mode().name().toLowerCase(Locale.ROOT), policy.mx(), policy.maxAge().toSeconds());
      return Optional.of(policy);
    } catch (IOException | IllegalArgumentException e) {
      // §5.1: a failed fetch leaves the cached policy in force; without one, none applies.
      log.warn("MTA-STS policy of {} could not be fetched: {}{}", name, e.getMessage(),
          kept.isPresent() ? "; the cached one stays in force" : "");
      remember(name, kept, cached == null ? "" : cached.id(), cached == null ? now : cached.expiresAt(), now);
      return kept;
    }
  }

  private void remember(String domain, Optional<MtaStsPolicy> policy, String id, Instant expiresAt, Instant checkedAt) {
    known.put(domain, new Known(policy, id, expiresAt, checkedAt));
  }

  /**
   * The {@code id} of the one TXT record that begins with "v=STSv1;" (§3.1), or empty when there is
   * none, more than one, or it is malformed: then the domain is taken to have no policy record.
   */
  static Optional<String> recordId(List<String> records) {
    List<String> sts = records.stream().filter(r -> r.startsWith("v=STSv1;")).toList();
    if (sts.size() != 1) {
      return Optional.empty();
    }
    Optional<String> id = Optional.empty();
    for (String field : FIELD_DELIMITER.split(sts.getFirst().substring("v=STSv1;".length()).strip())) {
      if (field.isEmpty()) {
        continue;
      }
      int equals = field.indexOf('=');
      if (equals < 1) {
        return Optional.empty(); // not key=value: the record is malformed
      }
      if (field.substring(0, equals).equals("id") && id.isEmpty()) {
        String value = field.substring(equals + 1);
        if (!ID.matcher(value).matches()) {
          return Optional.empty();
        }
        id = Optional.of(value);
      }
    }
    return id;
  }
}
