package dev.hikyaku.dns;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Master;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * {@link DnsResolver} over dnsjava: plain queries with the RD bit to recursive resolvers (the
 * given ones, or those of the system's resolv.conf), each attempt bounded by the timeout. Made
 * {@link #validating}, it is a {@link DnssecResolver} too: it validates every answer itself from
 * trust anchors (dnsjava's validating resolver, RFC 4035 §5), and says which answers are secure.
 *
 * <p>Answers are cached for their TTL (RFC 2181 §8: the smallest TTL of the RRset; negative
 * answers for min(SOA TTL, SOA MINIMUM), RFC 2308 §5), capped at {@link #MAX_TTL}, in a cache
 * bounded in entries. Temporary failures are never cached: the next lookup asks again.
 */
public final class DnsjavaResolver implements DnsResolver, DnssecResolver {

  /**
   * The IANA root zone's trust anchors (https://data.iana.org/root-anchors/root-anchors.xml): the
   * KSK-2017 (20326) and the KSK-2024 (38696) that signs the root's keys from 2026-10-11.
   */
  public static final String ROOT_TRUST_ANCHORS = """
      . 172800 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
      . 172800 IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
      """;

  /** How long {@link #isValidating}'s finding is kept before the anchors' keys are asked again. */
  private static final Duration VALIDATION_CHECK_EVERY = Duration.ofMinutes(10);

  /** The longest an answer is kept, whatever its TTL says (a bad TTL must not pin a stale MX). */
  public static final Duration MAX_TTL = Duration.ofHours(1);

  /** Default bound on cached answers: (name, type) pairs. */
  public static final int DEFAULT_CACHE_SIZE = 10_000;

  // A CNAME chain longer than this is treated as a loop (Postfix and BIND use similar bounds).
  private static final int MAX_CNAME_HOPS = 8;

  private static final Logger log = LoggerFactory.getLogger(DnsjavaResolver.class);

  private final List<Resolver> servers;
  private final List<InetSocketAddress> serverAddresses; // servers' addresses, for messages
  private final List<Name> anchors; // the trust anchors' names; empty when not validating
  private final Duration timeout;
  private final Duration answerWait; // a validated answer may take several queries
  private final Clock clock;
  private volatile Instant validationCheckedAt = Instant.MIN;
  private volatile boolean isValidating;
  private final int tries;
  private final Cache<Question, Answer> cache;

  /**
   * @param servers recursive resolvers to ask, in order; empty means the system's (resolv.conf)
   * @param timeout how long one attempt waits for an answer
   * @param retries how many attempts a query gets in all (dnsjava's meaning), at least 1;
   *     attempts rotate over the servers, so one lookup blocks at most timeout × retries
   */
  public DnsjavaResolver(List<InetSocketAddress> servers, Duration timeout, int retries) {
    this(servers, timeout, retries, Clock.systemUTC(), DEFAULT_CACHE_SIZE);
  }

  /**
   * As {@link #DnsjavaResolver(List, Duration, int)}, with the clock the cache measures TTLs by
   * and the cache's bound in entries (0 disables caching).
   */
  public DnsjavaResolver(
      List<InetSocketAddress> servers, Duration timeout, int retries, Clock clock, int cacheSize) {
    this(servers, timeout, retries, clock, cacheSize, Optional.empty());
  }

  /**
   * A resolver that validates what it is told (DNSSEC, RFC 4035 §5) from {@code trustAnchors}: DS
   * or DNSKEY records in zone-file form, such as {@link #ROOT_TRUST_ANCHORS}. Its plain lookups
   * ({@link DnsResolver}) validate too: a bogus answer is a temporary failure.
   *
   * @throws IllegalArgumentException when the anchors cannot be read
   */
  public static DnsjavaResolver validating(
      List<InetSocketAddress> servers, Duration timeout, int retries, Clock clock, String trustAnchors) {
    return new DnsjavaResolver(servers, timeout, retries, clock, DEFAULT_CACHE_SIZE, Optional.of(trustAnchors));
  }

  private DnsjavaResolver(List<InetSocketAddress> servers, Duration timeout, int retries, Clock clock, int cacheSize,
      Optional<String> trustAnchors) {
    Objects.requireNonNull(servers, "servers");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(clock, "clock");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("DNS timeout must be positive: " + timeout);
    }
    if (retries < 1) {
      throw new IllegalArgumentException("DNS retries (attempts per query) must be at least 1: " + retries);
    }
    if (cacheSize < 0) {
      throw new IllegalArgumentException("DNS cache size must not be negative: " + cacheSize);
    }
    List<InetSocketAddress> addresses =
        servers.isEmpty() ? ResolverConfig.getCurrentConfig().servers() : servers;
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("no DNS servers given and none found in the system configuration");
    }
    this.serverAddresses = List.copyOf(addresses);
    this.servers =
        addresses.stream()
            .map(
                address -> {
                  SimpleResolver resolver = new SimpleResolver(address);
                  resolver.setTimeout(timeout);
                  return trustAnchors.isPresent() ? validatingOver(resolver, clock, trustAnchors.get()) : resolver;
                })
            .toList();
    this.anchors = trustAnchors.map(DnsjavaResolver::anchorNames).orElse(List.of());
    this.timeout = timeout;
    // A validating resolver asks for the keys and delegations above an answer too (cached after).
    this.answerWait = trustAnchors.isPresent() ? timeout.multipliedBy(4) : timeout;
    this.clock = clock;
    this.tries = retries;
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(cacheSize)
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .expireAfter(Expiry.<Question, Answer>creating((question, answer) -> answer.ttl()))
            .build();
  }

  @Override
  public Lookup<List<MxRecord>> mx(String domain) {
    return lookup(
        domain,
        Type.MX,
        DnsjavaResolver::mxRecord);
  }

  @Override
  public Lookup<List<InetAddress>> addresses(String host) {
    return secureAddresses(host).lookup();
  }

  @Override
  public Lookup<List<String>> txt(String name) {
    return lookup(name, Type.TXT, record -> String.join("", ((TXTRecord) record).getStrings()));
  }

  @Override
  public Validated<List<MxRecord>> secureMx(String domain) {
    return validated(domain, Type.MX, DnsjavaResolver::mxRecord);
  }

  @Override
  public Validated<List<InetAddress>> secureAddresses(String host) {
    // Both types at once, so that the pair is still bounded by one timeout × retries.
    FutureTask<Validated<List<InetAddress>>> ipv6 =
        new FutureTask<>(() -> validated(host, Type.AAAA, record -> ((AAAARecord) record).getAddress()));
    Thread.ofVirtual().name("dns-aaaa").start(ipv6);
    Validated<List<InetAddress>> ipv4 = validated(host, Type.A, record -> ((ARecord) record).getAddress());
    try {
      Validated<List<InetAddress>> v6 = ipv6.get();
      return new Validated<>(combine(v6.lookup(), ipv4.lookup()), v6.isSecure() && ipv4.isSecure());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ipv6.cancel(true);
      return new Validated<>(new Lookup.TemporaryFailure<>("interrupted while resolving " + host), false);
    } catch (ExecutionException e) {
      throw new IllegalStateException("AAAA lookup for " + host + " failed", e.getCause());
    }
  }

  /**
   * The TLSA records at {@code name} (RFC 6698 §2); secure only on a {@link #validating} resolver.
   * {@code dns check} reads them from a plain one, to compare what is published with what should be.
   */
  @Override
  public Validated<List<Tlsa>> tlsa(String name) {
    return validated(name, Type.TLSA, record -> {
      TLSARecord tlsa = (TLSARecord) record;
      return new Tlsa(tlsa.getCertificateUsage(), tlsa.getSelector(), tlsa.getMatchingType(),
          tlsa.getCertificateAssociationData());
    });
  }

  @Override
  public boolean isValidating() {
    if (anchors.isEmpty()) {
      return false;
    }
    Instant now = clock.instant();
    if (Duration.between(validationCheckedAt, now).compareTo(VALIDATION_CHECK_EVERY) < 0) {
      return isValidating;
    }
    boolean validates = anchors.stream().allMatch(anchor -> validated(anchor.toString(), Type.DNSKEY, r -> r).isSecure());
    if (validates != isValidating || validationCheckedAt.equals(Instant.MIN)) {
      if (validates) {
        log.info("DNSSEC: answers validate from the trust anchors ({})", anchors);
      } else {
        log.warn("DNSSEC: the keys of the trust anchors ({}) do not validate through the DNS servers {}: DANE is"
            + " left aside until they do (do the servers return DNSSEC records? is the clock right?)", anchors, serverAddresses);
      }
    }
    isValidating = validates;
    validationCheckedAt = now;
    return validates;
  }

  /** IPv6 first (RFC 6724 default policy); an address from either type makes the host usable. */
  private static Lookup<List<InetAddress>> combine(
      Lookup<List<InetAddress>> v6, Lookup<List<InetAddress>> v4) {
    List<InetAddress> found = new ArrayList<>();
    if (v6 instanceof Lookup.Found<List<InetAddress>>(List<InetAddress> addresses)) {
      found.addAll(addresses);
    }
    if (v4 instanceof Lookup.Found<List<InetAddress>>(List<InetAddress> addresses)) {
      found.addAll(addresses);
    }
    if (!found.isEmpty()) {
      return new Lookup.Found<>(List.copyOf(found));
    }
    if (v6 instanceof Lookup.TemporaryFailure<List<InetAddress>>(String reason)) {
      return new Lookup.TemporaryFailure<>(reason);
    }
    if (v4 instanceof Lookup.TemporaryFailure<List<InetAddress>>(String reason)) {
      return new Lookup.TemporaryFailure<>(reason);
    }
    if (v6 instanceof Lookup.NxDomain || v4 instanceof Lookup.NxDomain) {
      return new Lookup.NxDomain<>();
    }
    return new Lookup.NoData<>();
  }

  private <T> Lookup<List<T>> lookup(String name, int type, Function<Record, T> convert) {
    return validated(name, type, convert).lookup();
  }

  private <T> Validated<List<T>> validated(String name, int type, Function<Record, T> convert) {
    Name query = absoluteName(name);
    Validated<List<Record>> records = cachedOrAsk(query, type, MAX_CNAME_HOPS);
    Lookup<List<T>> converted = switch (records.lookup()) {
      case Lookup.Found<List<Record>>(List<Record> found) ->
          new Lookup.Found<>(found.stream().map(convert).toList());
      case Lookup.NoData<List<Record>> noData -> new Lookup.NoData<>();
      case Lookup.NxDomain<List<Record>> nxDomain -> new Lookup.NxDomain<>();
      case Lookup.TemporaryFailure<List<Record>>(String reason) ->
          new Lookup.TemporaryFailure<>(reason);
    };
    return new Validated<>(converted, records.isSecure());
  }

  private Validated<List<Record>> cachedOrAsk(Name name, int type, int hopsLeft) {
    Question question = new Question(name.toString().toLowerCase(Locale.ROOT), type);
    Answer cached = cache.getIfPresent(question);
    if (cached != null) {
      return cached.validated();
    }
    Answer answer = ask(name, type, hopsLeft);
    // RFC 2181 §8: a TTL of 0 means "use once, do not cache".
    if (!(answer.lookup() instanceof Lookup.TemporaryFailure) && answer.ttl().isPositive()) {
      cache.put(question, answer);
    }
    return answer.validated();
  }

  private Answer ask(Name name, int type, int hopsLeft) {
    String what = name + " " + Type.string(type);
    String reason = "no DNS server asked for " + what;
    for (int attempt = 0; attempt < tries; attempt++) {
      Resolver server = servers.get(attempt % servers.size());
      InetSocketAddress address = serverAddresses.get(attempt % servers.size());
      Message response;
      CompletableFuture<Message> pending =
          server.sendAsync(Message.newQuery(Record.newRecord(name, type, DClass.IN))).toCompletableFuture();
      try {
        // Our own bound as well as dnsjava's: this is the line that keeps the package's promise.
        response = pending.get(answerWait.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        pending.cancel(true);
        reason = "no answer from " + address + " within " + answerWait + " for " + what;
        continue;
      } catch (ExecutionException e) {
        reason = "query to " + address + " for " + what + " failed: " + e.getCause();
        continue;
      } catch (InterruptedException e) {
        pending.cancel(true);
        Thread.currentThread().interrupt();
        return Answer.temporary("interrupted while asking for " + what);
      }
      int rcode = response.getRcode();
      // RFC 4035 §3.2.3: the AD bit, here set by our own validating resolver, never by the server.
      boolean isSecure = !anchors.isEmpty() && response.getHeader().getFlag(Flags.AD);
      if (rcode == Rcode.NOERROR) {
        return answered(name, type, response, hopsLeft).secure(isSecure);
      }
      if (rcode == Rcode.NXDOMAIN) {
        return new Answer(new Lookup.NxDomain<>(), negativeTtl(response), isSecure);
      }
      Optional<String> bogus = validationFailure(response);
      if (bogus.isPresent()) {
        // Signed, and it does not validate: no other server's copy would be believed either.
        reason = "DNSSEC validation failed for " + what + ": " + bogus.get();
        break;
      }
      // SERVFAIL, REFUSED, FORMERR...: this server has no answer; another one might.
      reason = Rcode.string(rcode) + " from " + address + " for " + what;
      if (servers.size() == 1) {
        break;
      }
    }
    log.debug("DNS temporary failure: {}", reason);
    return Answer.temporary(reason);
  }

  /** Records of the asked type at the end of the CNAME chain (RFC 1034 §3.6.2). */
  private Answer answered(Name name, int type, Message response, int hopsLeft) {
    List<Record> answer = response.getSection(Section.ANSWER);
    Name current = name;
    for (int hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
      Name owner = current;
      List<Record> matching =
          answer.stream().filter(r -> r.getType() == type && r.getName().equals(owner)).toList();
      if (!matching.isEmpty()) {
        long ttl = matching.stream().mapToLong(Record::getTTL).min().orElseThrow();
        return new Answer(new Lookup.Found<>(matching), Duration.ofSeconds(ttl));
      }
      Name target =
          answer.stream()
              .filter(r -> r instanceof CNAMERecord && r.getName().equals(owner))
              .map(r -> ((CNAMERecord) r).getTarget())
              .findFirst()
              .orElse(null);
      if (target == null) {
        break;
      }
      current = target;
    }
    if (!current.equals(name)) {
      // The server gave the alias but not what it points to: ask for the target ourselves.
      if (hopsLeft <= 0) {
        return Answer.temporary("CNAME chain too long at " + current + " for " + name);
      }
      Validated<List<Record>> target = cachedOrAsk(current, type, hopsLeft - 1);
      return new Answer(target.lookup(), Duration.ZERO, target.isSecure());
    }
    return new Answer(new Lookup.NoData<>(), negativeTtl(response));
  }

  /** RFC 2308 §5: negative answers live for min(SOA TTL, SOA MINIMUM); without an SOA, not at all. */
  private static Duration negativeTtl(Message response) {
    return response.getSection(Section.AUTHORITY).stream()
        .filter(SOARecord.class::isInstance)
        .map(SOARecord.class::cast)
        .map(soa -> Duration.ofSeconds(Math.min(soa.getTTL(), soa.getMinimum())))
        .findFirst()
        .orElse(Duration.ZERO);
  }

  private static Name absoluteName(String name) {
    Objects.requireNonNull(name, "name");
    try {
      return Name.fromString(name, Name.root);
    } catch (TextParseException e) {
      throw new IllegalArgumentException("not a DNS name: " + name, e);
    }
  }

  private static MxRecord mxRecord(Record record) {
    MXRecord mx = (MXRecord) record;
    return new MxRecord(mx.getPriority(), hostName(mx.getTarget()));
  }

  private static String hostName(Name name) {
    return name.equals(Name.root) ? MxRecord.ROOT : name.toString(true);
  }

  private record Question(String name, int type) {}

  /** An answer as cached: secure when the validating resolver said so of every response it took. */
  private record Answer(Lookup<List<Record>> lookup, Duration ttl, boolean isSecure) {
    Answer {
      ttl = ttl.compareTo(MAX_TTL) > 0 ? MAX_TTL : ttl;
    }

    Answer(Lookup<List<Record>> lookup, Duration ttl) {
      this(lookup, ttl, true);
    }

    static Answer temporary(String reason) {
      return new Answer(new Lookup.TemporaryFailure<>(reason), Duration.ZERO, false);
    }

    /** Secure only if this part of the answer and {@code response} both are. */
    Answer secure(boolean response) {
      return new Answer(lookup, ttl, isSecure && response);
    }

    Validated<List<Record>> validated() {
      return new Validated<>(lookup, isSecure);
    }
  }

  /** dnsjava's validating resolver over {@code head}, from {@code trustAnchors}. */
  private static Resolver validatingOver(SimpleResolver head, Clock clock, String trustAnchors) {
    ValidatingResolver validating = new ValidatingResolver(head, clock);
    try {
      validating.loadTrustAnchors(new ByteArrayInputStream(trustAnchors.getBytes(StandardCharsets.US_ASCII)));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the DNSSEC trust anchors: " + e.getMessage(), e);
    }
    if (validating.getTrustAnchors().items().isEmpty()) {
      throw new IllegalArgumentException("no DNSSEC trust anchor (DS or DNSKEY record) in the given text");
    }
    validating.setAddReasonToAdditional(true);
    return validating;
  }

  /** The owners of the DS and DNSKEY records in {@code trustAnchors} (zone-file text). */
  private static List<Name> anchorNames(String trustAnchors) {
    List<Name> names = new ArrayList<>();
    try (Master zone = new Master(new ByteArrayInputStream(trustAnchors.getBytes(StandardCharsets.US_ASCII)), Name.root)) {
      for (Record record = zone.nextRecord(); record != null; record = zone.nextRecord()) {
        if ((record.getType() == Type.DS || record.getType() == Type.DNSKEY) && !names.contains(record.getName())) {
          names.add(record.getName());
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the DNSSEC trust anchors: " + e.getMessage(), e);
    }
    return List.copyOf(names);
  }

  /** Why the validating resolver refused a response (it answers SERVFAIL with its reason), if it did. */
  private static Optional<String> validationFailure(Message response) {
    return response.getSection(Section.ADDITIONAL).stream()
        .filter(r -> r.getDClass() == ValidatingResolver.VALIDATION_REASON_QCLASS && r instanceof TXTRecord)
        .map(r -> String.join("", ((TXTRecord) r).getStrings()))
        .findFirst();
  }
}
