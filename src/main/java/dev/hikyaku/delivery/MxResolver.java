package dev.hikyaku.delivery;

import dev.hikyaku.dns.DnsResolver;
import dev.hikyaku.dns.Lookup;
import dev.hikyaku.dns.MxRecord;
import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where to deliver mail for a recipient domain: RFC 5321 §5.1 with RFC 7505 null MX.
 *
 * <p>The MX records give the hosts, lowest preference first, in random order among equal
 * preferences (RFC 5321 §5.1: "the sender-SMTP MUST randomize them to spread the load"); a domain
 * without MX records is its own implicit MX (its A/AAAA). A host whose name does not resolve is
 * left out; a host whose lookup failed temporarily is left out of this attempt, and if every host
 * failed that way the whole route is {@link Route.Temporary}.
 */
public final class MxResolver {

  private static final Logger log = LoggerFactory.getLogger(MxResolver.class);

  // RFC 5321 §4.1.3: IPv4-address-literal, four decimal snums.
  private static final Pattern IPV4 =
      Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  // RFC 5321 §4.1.3: IPv6-addr is hex groups, colons and an optional trailing IPv4 part. Checked
  // before InetAddress sees it, so InetAddress only ever parses a literal and never asks DNS.
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  private final DnsResolver dns;
  private final RandomGenerator random;

  public MxResolver(DnsResolver dns, RandomGenerator random) {
    this.dns = Objects.requireNonNull(dns, "dns");
    this.random = Objects.requireNonNull(random, "random");
  }

  /**
   * RFC 5321 §5.1 route for a recipient domain (IDNA: an A-label is used as is, a U-label is
   * converted with {@link IDN#toASCII(String)}). A domain literal ({@code [192.0.2.1]},
   * {@code [IPv6:2001:db8::1]}) is its own route, without DNS.
   *
   * @throws IllegalArgumentException if {@code domain} is neither a domain name IDNA accepts nor a
   *     well-formed address literal (the message names it)
   */
  public Route resolve(String domain) {
    Objects.requireNonNull(domain, "domain");
    if (domain.startsWith("[") && domain.endsWith("]")) {
      InetAddress address = addressLiteral(domain);
      return new Route.Hosts(List.of(new Host(domain, List.of(address))));
    }
    String name = asciiName(domain);
    return switch (dns.mx(name)) {
      case Lookup.Found<List<MxRecord>>(List<MxRecord> records) -> fromMx(name, records);
      // RFC 5321 §5.1: no MX records → the domain itself is the implicit MX, preference 0.
      case Lookup.NoData<List<MxRecord>> noMx -> implicitMx(name);
      case Lookup.NxDomain<List<MxRecord>> nx -> new Route.NoSuchDomain();
      case Lookup.TemporaryFailure<List<MxRecord>>(String reason) -> new Route.Temporary(reason);
    };
  }

  private Route fromMx(String domain, List<MxRecord> records) {
    if (records.isEmpty()) {
      return implicitMx(domain);
    }
    // RFC 7505 §3: a lone MX whose exchange is the root says the domain accepts no mail. Its
    // preference SHOULD be 0; a lone "." with another preference leaves nothing to try either.
    // Several records that are all "." (RFC 7505 §3 forbids, some zones have) mean the same.
    if (records.stream().allMatch(MxRecord::isNullMx)) {
      return new Route.NullMx();
    }
    // RFC 7505 §3 forbids a "." beside other MX records; where a zone has one anyway, it is no
    // host to connect to: skip it and use the others (lenient, as with other odd exchanges).
    TreeMap<Integer, List<String>> byPreference = new TreeMap<>();
    records.stream()
        .filter(record -> !record.isNullMx())
        .forEach(
            record ->
                byPreference
                    .computeIfAbsent(record.preference(), p -> new ArrayList<>())
                    .add(record.host()));
    List<String> ordered = new ArrayList<>();
    for (List<String> equals : byPreference.values()) {
      // RFC 5321 §5.1: equal preferences are tried in random order to spread the load.
      Collections.shuffle(equals, random);
      for (String host : equals) {
        // A host listed twice keeps its best place (MX ties broken once, duplicates add nothing).
        if (!ordered.contains(host)) {
          ordered.add(host);
        }
      }
    }
    return hosts(domain, ordered);
  }

  private Route implicitMx(String domain) {
    return hosts(domain, List.of(domain));
  }

  /**
   * Looks up every host's addresses at once (each lookup is bounded by the resolver's timeout,
   * so the route is too) and keeps the order.
   */
  private Route hosts(String domain, List<String> names) {
    Map<String, Lookup<List<InetAddress>>> lookups = new LinkedHashMap<>();
    try (ExecutorService lookupThreads = Executors.newVirtualThreadPerTaskExecutor()) {
      Map<String, Future<Lookup<List<InetAddress>>>> pending = new LinkedHashMap<>();
      for (String name : names) {
        pending.put(name, lookupThreads.submit(() -> addressesOf(name)));
      }
      for (Map.Entry<String, Future<Lookup<List<InetAddress>>>> entry : pending.entrySet()) {
        lookups.put(entry.getKey(), entry.getValue().get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Route.Temporary("interrupted while resolving the MX hosts of " + domain);
    } catch (ExecutionException e) {
      throw new IllegalStateException("address lookup for an MX host of " + domain + " failed", e.getCause());
    }

    List<Host> hosts = new ArrayList<>();
    List<String> temporary = new ArrayList<>();
    lookups.forEach(
        (name, lookup) -> {
          switch (lookup) {
            case Lookup.Found<List<InetAddress>>(List<InetAddress> addresses) ->
                hosts.add(new Host(name, addresses));
            case Lookup.NoData<List<InetAddress>> noData ->
                log.debug("MX host {} of {} has no A/AAAA records; skipped", name, domain);
            case Lookup.NxDomain<List<InetAddress>> nx ->
                log.debug("MX host {} of {} does not exist; skipped", name, domain);
            case Lookup.TemporaryFailure<List<InetAddress>>(String reason) -> temporary.add(reason);
          }
        });
    if (!hosts.isEmpty()) {
      return new Route.Hosts(hosts);
    }
    if (!temporary.isEmpty()) {
      return new Route.Temporary(String.join("; ", temporary));
    }
    // Every exchange (or the implicit MX) definitively has no address: no host will ever take
    // the mail, so it is as permanent as a missing domain (RFC 3463 X.1.2: the destination
    // system "does not exist or is incapable of accepting mail").
    return new Route.NoSuchDomain();
  }

  /** An exchange written as an IPv4 address is used as given rather than refused (lenient). */
  private Lookup<List<InetAddress>> addressesOf(String host) {
    if (IPV4.matcher(host).matches()) {
      return new Lookup.Found<>(List.of(literal(host, host)));
    }
    return dns.addresses(host);
  }

  private static String asciiName(String domain) {
    String name = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
    if (name.isEmpty()) {
      throw new IllegalArgumentException("empty recipient domain: \"" + domain + "\"");
    }
    try {
      // RFC 5890 §2.3.2.1: DNS holds A-labels; a U-label domain (SMTPUTF8) is converted here.
      return IDN.toASCII(name).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a valid domain name: " + domain, e);
    }
  }

  /** RFC 5321 §4.1.3 address literals: {@code [IPv4]} and {@code [IPv6:addr]}. */
  private static InetAddress addressLiteral(String domain) {
    String inside = domain.substring(1, domain.length() - 1);
    if (IPV4.matcher(inside).matches()) {
      return literal(inside, domain);
    }
    if (inside.regionMatches(true, 0, "IPv6:", 0, 5)) {
      String ipv6 = inside.substring(5);
      if (IPV6.matcher(ipv6).matches()) {
        return literal(ipv6, domain);
      }
    }
    throw new IllegalArgumentException("not a usable address literal: " + domain);
  }

  private static InetAddress literal(String address, String written) {
    try {
      // Only called on text the patterns above matched, so this parses and never resolves.
      return InetAddress.getByName(address);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not a usable address literal: " + written, e);
    }
  }

  /** Where mail for a domain goes, or why it goes nowhere. */
  public sealed interface Route {

    /**
     * Hosts in the order to try: by MX preference, shuffled within equal preference; each with
     * its addresses, IPv6 first. Never empty.
     */
    record Hosts(List<Host> hosts) implements Route {
      public Hosts {
        hosts = List.copyOf(hosts);
        if (hosts.isEmpty()) {
          throw new IllegalArgumentException("a route needs at least one host");
        }
      }
    }

    /** RFC 7505: the domain accepts no mail. Permanent failure at once, 5.1.10 (RFC 7505). */
    record NullMx() implements Route {}

    /**
     * The domain does not exist (NXDOMAIN), or it and its exchanges have no address at all.
     * Permanent failure, 5.1.2 (RFC 3463: bad destination system address).
     */
    record NoSuchDomain() implements Route {}

    /** DNS gave no usable answer this time (timeout, SERVFAIL): defer and retry. */
    record Temporary(String reason) implements Route {}
  }

  /** One host to connect to, by name (for TLS and logs) with its addresses, IPv6 first. */
  public record Host(String name, List<InetAddress> addresses) {
    public Host {
      Objects.requireNonNull(name, "name");
      addresses = List.copyOf(addresses);
    }
  }
}
