package dev.hikyaku.dns;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
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
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * {@link DnsResolver} over dnsjava: plain queries with the RD bit to recursive resolvers (the
 * given ones, or those of the system's resolv.conf), each attempt bounded by the timeout.
 *
 * <p>Answers are cached for their TTL (RFC 2181 §8: the smallest TTL of the RRset; negative
 * answers for min(SOA TTL, SOA MINIMUM), RFC 2308 §5), capped at {@link #MAX_TTL}, in a cache
 * bounded in entries. Temporary failures are never cached: the next lookup asks again.
 */
public final class DnsjavaResolver implements DnsResolver {

  /** The longest an answer is kept, whatever its TTL says (a bad TTL must not pin a stale MX). */
  public static final Duration MAX_TTL = Duration.ofHours(1);

  /** Default bound on cached answers: (name, type) pairs. */
  public static final int DEFAULT_CACHE_SIZE = 10_000;

  // A CNAME chain longer than this is treated as a loop (Postfix and BIND use similar bounds).
  private static final int MAX_CNAME_HOPS = 8;

  private static final Logger log = LoggerFactory.getLogger(DnsjavaResolver.class);

  private final List<SimpleResolver> servers;
  private final Duration timeout;
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
    this.servers =
        addresses.stream()
            .map(
                address -> {
                  SimpleResolver resolver = new SimpleResolver(address);
                  resolver.setTimeout(timeout);
                  return resolver;
                })
            .toList();
    this.timeout = timeout;
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
        record -> {
          MXRecord mx = (MXRecord) record;
          return new MxRecord(mx.getPriority(), hostName(mx.getTarget()));
        });
  }

  @Override
  public Lookup<List<InetAddress>> addresses(String host) {
    // Both types at once, so that the pair is still bounded by one timeout × retries.
    FutureTask<Lookup<List<InetAddress>>> ipv6 =
        new FutureTask<>(() -> lookup(host, Type.AAAA, record -> ((AAAARecord) record).getAddress()));
    Thread.ofVirtual().name("dns-aaaa").start(ipv6);
    Lookup<List<InetAddress>> ipv4 = lookup(host, Type.A, record -> ((ARecord) record).getAddress());
    Lookup<List<InetAddress>> v6;
    try {
      v6 = ipv6.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ipv6.cancel(true);
      return new Lookup.TemporaryFailure<>("interrupted while resolving " + host);
    } catch (ExecutionException e) {
      throw new IllegalStateException("AAAA lookup for " + host + " failed", e.getCause());
    }
    return combine(v6, ipv4);
  }

  @Override
  public Lookup<List<String>> txt(String name) {
    return lookup(name, Type.TXT, record -> String.join("", ((TXTRecord) record).getStrings()));
  }

  /**
   * The TLSA records at {@code name} (RFC 6698 §2), each in presentation form: usage, selector,
   * matching type and the data in hex, lower case. Not DNSSEC-validated: for {@code dns check},
   * which compares what is published with what should be; delivery does not use them.
   */
  public Lookup<List<String>> tlsa(String name) {
    return lookup(name, Type.TLSA, record -> {
      TLSARecord tlsa = (TLSARecord) record;
      return tlsa.getCertificateUsage() + " " + tlsa.getSelector() + " " + tlsa.getMatchingType() + " "
          + HexFormat.of().formatHex(tlsa.getCertificateAssociationData());
    });
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
    Name query = absoluteName(name);
    Lookup<List<Record>> records = cachedOrAsk(query, type, MAX_CNAME_HOPS);
    return switch (records) {
      case Lookup.Found<List<Record>>(List<Record> found) ->
          new Lookup.Found<>(found.stream().map(convert).toList());
      case Lookup.NoData<List<Record>> noData -> new Lookup.NoData<>();
      case Lookup.NxDomain<List<Record>> nxDomain -> new Lookup.NxDomain<>();
      case Lookup.TemporaryFailure<List<Record>>(String reason) ->
          new Lookup.TemporaryFailure<>(reason);
    };
  }

  private Lookup<List<Record>> cachedOrAsk(Name name, int type, int hopsLeft) {
    Question question = new Question(name.toString().toLowerCase(Locale.ROOT), type);
    Answer cached = cache.getIfPresent(question);
    if (cached != null) {
      return cached.lookup();
    }
    Answer answer = ask(name, type, hopsLeft);
    // RFC 2181 §8: a TTL of 0 means "use once, do not cache".
    if (!(answer.lookup() instanceof Lookup.TemporaryFailure) && answer.ttl().isPositive()) {
      cache.put(question, answer);
    }
    return answer.lookup();
  }

  private Answer ask(Name name, int type, int hopsLeft) {
    String what = name + " " + Type.string(type);
    String reason = "no DNS server asked for " + what;
    for (int attempt = 0; attempt < tries; attempt++) {
      SimpleResolver server = servers.get(attempt % servers.size());
      Message response;
      CompletableFuture<Message> pending =
          server.sendAsync(Message.newQuery(Record.newRecord(name, type, DClass.IN))).toCompletableFuture();
      try {
        // Our own bound as well as dnsjava's: this is the line that keeps the package's promise.
        response = pending.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        pending.cancel(true);
        reason = "no answer from " + server.getAddress() + " within " + timeout + " for " + what;
        continue;
      } catch (ExecutionException e) {
        reason = "query to " + server.getAddress() + " for " + what + " failed: " + e.getCause();
        continue;
      } catch (InterruptedException e) {
        pending.cancel(true);
        Thread.currentThread().interrupt();
        return Answer.temporary("interrupted while asking for " + what);
      }
      int rcode = response.getRcode();
      if (rcode == Rcode.NOERROR) {
        return answered(name, type, response, hopsLeft);
      }
      if (rcode == Rcode.NXDOMAIN) {
        return new Answer(new Lookup.NxDomain<>(), negativeTtl(response));
      }
      // SERVFAIL, REFUSED, FORMERR...: this server has no answer; another one might.
      reason = Rcode.string(rcode) + " from " + server.getAddress() + " for " + what;
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
      return new Answer(cachedOrAsk(current, type, hopsLeft - 1), Duration.ZERO);
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

  private static String hostName(Name name) {
    return name.equals(Name.root) ? MxRecord.ROOT : name.toString(true);
  }

  private record Question(String name, int type) {}

  private record Answer(Lookup<List<Record>> lookup, Duration ttl) {
    Answer {
      ttl = ttl.compareTo(MAX_TTL) > 0 ? MAX_TTL : ttl;
    }

    static Answer temporary(String reason) {
      return new Answer(new Lookup.TemporaryFailure<>(reason), Duration.ZERO);
    }
  }
}
