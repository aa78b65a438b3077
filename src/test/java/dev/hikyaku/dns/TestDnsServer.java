package dev.hikyaku.dns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A real DNS server over UDP on 127.0.0.1 (ephemeral port) answering from an in-memory zone, for
 * tests that need DNS without the internet. Recursion is pretended: every name is authoritative.
 *
 * <pre>{@code
 * try (TestDnsServer dns = TestDnsServer.start()) {
 *   dns.mx("example.org", 10, "mx.example.org").a("mx.example.org", "192.0.2.1");
 *   DnsResolver resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(1), 1);
 * }
 * }</pre>
 *
 * <p>A name with no records answers NXDOMAIN; a name with records but none of the asked type
 * answers NOERROR with no answers (NODATA). Both negative answers carry an SOA whose TTL and
 * MINIMUM are {@link #ttl(long) the TTL}, so resolvers may cache them. Names are case-insensitive.
 *
 * <p>A zone made with {@link #sign} is DNSSEC-signed (RFC 4034, RFC 4035): to a query with the DO
 * bit, its answers come with their RRSIG records, and its negative answers with the NSEC records
 * that prove them, all made at the time of the answer with one ECDSA P-256 key (algorithm 13) that
 * is the zone's KSK and ZSK at once; a validating resolver starts from the trust anchor it returns.
 */
public final class TestDnsServer implements AutoCloseable {

  private static final Name SOA_OWNER = name("test.");

  private final DatagramSocket socket;
  private final Thread loop;
  private final Map<Name, List<Record>> zone = new ConcurrentHashMap<>();
  private final Set<Name> servfail = ConcurrentHashMap.newKeySet();
  private final Set<Name> silent = ConcurrentHashMap.newKeySet();
  private final Map<Name, AtomicInteger> queriesByName = new ConcurrentHashMap<>();
  private final AtomicInteger queries = new AtomicInteger();
  private volatile long ttl = 300;
  private final Map<Name, ZoneKey> signedZones = new ConcurrentHashMap<>();
  private final Set<Name> forged = ConcurrentHashMap.newKeySet();

  /** A signed zone's key. */
  private record ZoneKey(DNSKEYRecord dnskey, PrivateKey key) {}

  private TestDnsServer(DatagramSocket socket) {
    this.socket = socket;
    this.loop = Thread.ofPlatform().daemon().name("test-dns-" + socket.getLocalPort()).start(this::serve);
  }

  /** Binds 127.0.0.1 on an ephemeral port and starts answering. */
  public static TestDnsServer start() {
    try {
      return new TestDnsServer(new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
    } catch (SocketException e) {
      throw new IllegalStateException("cannot bind a UDP socket on 127.0.0.1", e);
    }
  }

  /** Where to send queries. */
  public InetSocketAddress address() {
    return (InetSocketAddress) socket.getLocalSocketAddress();
  }

  /** TTL in seconds of records added from now on, and of the SOA of negative answers. Default 300. */
  public TestDnsServer ttl(long seconds) {
    this.ttl = seconds;
    return this;
  }

  /** Adds an MX record; {@code host} "." makes a null MX (RFC 7505). */
  public TestDnsServer mx(String domain, int preference, String host) {
    return add(new MXRecord(name(domain), DClass.IN, ttl, preference, name(host)));
  }

  public TestDnsServer a(String host, String ipv4) {
    return add(new ARecord(name(host), DClass.IN, ttl, literal(ipv4)));
  }

  public TestDnsServer aaaa(String host, String ipv6) {
    return add(new AAAARecord(name(host), DClass.IN, ttl, literal(ipv6)));
  }

  /**
   * Adds a TXT record; text over 255 octets is split into several character-strings (RFC 1035
   * §3.3.14), as a DKIM RSA key must be, and readers join them again (RFC 7208 §3.3).
   */
  public TestDnsServer txt(String name, String text) {
    java.util.List<String> strings = new java.util.ArrayList<>();
    for (int i = 0; i < text.length(); i += 255) {
      strings.add(text.substring(i, Math.min(text.length(), i + 255)));
    }
    return add(new TXTRecord(name(name), DClass.IN, ttl, strings.isEmpty() ? java.util.List.of("") : strings));
  }

  /** Adds a TLSA record (RFC 6698 §2): usage, selector, matching type and the association data. */
  public TestDnsServer tlsa(String name, int usage, int selector, int matchingType, byte[] data) {
    return add(new org.xbill.DNS.TLSARecord(name(name), DClass.IN, ttl, usage, selector, matchingType, data));
  }

  /** Makes {@code alias} a CNAME for {@code target}; answers carry the target's records too. */
  public TestDnsServer cname(String alias, String target) {
    return add(new CNAMERecord(name(alias), DClass.IN, ttl, name(target)));
  }

  /**
   * Signs the zone at {@code apex} (see the class comment); returns its trust anchor, the zone's
   * DNSKEY record in zone-file form, for {@code DnsjavaResolver.validating}. Names under {@code apex}
   * are in the zone (there are no delegations below it).
   */
  public String sign(String apex) {
    Name zone = name(apex);
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair pair = generator.generateKeyPair();
      DNSKEYRecord dnskey = new DNSKEYRecord(zone, DClass.IN, ttl, DNSKEYRecord.Flags.ZONE_KEY | DNSKEYRecord.Flags.SEP_KEY,
          DNSKEYRecord.Protocol.DNSSEC, DNSSEC.Algorithm.ECDSAP256SHA256, pair.getPublic());
      signedZones.put(zone, new ZoneKey(dnskey, pair.getPrivate()));
      add(dnskey);
      add(new SOARecord(zone, DClass.IN, ttl, name("ns." + apex), name("hostmaster." + apex), 1, 3600, 600, 86400, ttl));
      return dnskey.toString();
    } catch (GeneralSecurityException | DNSSEC.DNSSECException e) {
      throw new IllegalStateException("cannot make a DNSSEC key", e);
    }
  }

  /**
   * Answers for {@code name} in a signed zone carry signatures that do not verify: bogus answers. The
   * zone's own keys keep good signatures (else nothing in the zone would validate).
   */
  public TestDnsServer forgeSignatures(String name) {
    forged.add(name(name));
    return this;
  }

  /** Every query for {@code name} (any type) is answered SERVFAIL. */
  public TestDnsServer servfail(String name) {
    servfail.add(name(name));
    return this;
  }

  /** Every query for {@code name} (any type) is read and never answered, as if lost. */
  public TestDnsServer silent(String name) {
    silent.add(name(name));
    return this;
  }

  /** Queries received in all, answered or not. */
  public int queries() {
    return queries.get();
  }

  /** Queries received for {@code name}, any type. */
  public int queries(String name) {
    AtomicInteger count = queriesByName.get(name(name));
    return count == null ? 0 : count.get();
  }

  @Override
  public void close() {
    socket.close();
    try {
      loop.join(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private TestDnsServer add(Record record) {
    zone.computeIfAbsent(record.getName(), n -> new CopyOnWriteArrayList<>()).add(record);
    return this;
  }

  private void serve() {
    byte[] buffer = new byte[65_535];
    while (!socket.isClosed()) {
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      try {
        socket.receive(packet);
      } catch (IOException e) {
        return; // closed
      }
      try {
        Message query = new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
        Message response = answer(query);
        if (response == null) {
          continue;
        }
        OPTRecord edns = query.getOPT();
        // RFC 6891 §6.2.3: a requester's EDNS payload size, or 512 octets without EDNS.
        byte[] wire = response.toWire(edns == null ? 512 : Math.max(512, edns.getPayloadSize()));
        socket.send(new DatagramPacket(wire, wire.length, packet.getSocketAddress()));
      } catch (IOException e) {
        // A malformed query or a send failure: a real server drops it too; the test will see a timeout.
      }
    }
  }

  private Message answer(Message query) {
    Record question = query.getQuestion();
    queries.incrementAndGet();
    if (question == null) {
      return null;
    }
    Name name = lowerCase(question.getName());
    queriesByName.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
    if (silent.contains(name)) {
      return null;
    }
    Message response = new Message(query.getHeader().getID());
    response.getHeader().setFlag(Flags.QR);
    response.getHeader().setFlag(Flags.RA);
    if (query.getHeader().getFlag(Flags.RD)) {
      response.getHeader().setFlag(Flags.RD);
    }
    response.addRecord(question, Section.QUESTION);
    if (servfail.contains(name)) {
      response.getHeader().setRcode(Rcode.SERVFAIL);
      return response;
    }
    response.getHeader().setFlag(Flags.AA);
    int type = question.getType();
    OPTRecord opt = query.getOPT();
    Optional<Map.Entry<Name, ZoneKey>> signed = (opt != null && (opt.getFlags() & ExtendedFlags.DO) != 0)
        ? zoneOf(name) : Optional.empty();
    if (opt != null) {
      response.addRecord(new OPTRecord(4096, 0, 0, opt.getFlags() & ExtendedFlags.DO), Section.ADDITIONAL);
    }
    if (signed.isPresent()) {
      return signedAnswer(response, name, type, signed.get().getKey(), signed.get().getValue());
    }
    Name current = name;
    for (int hop = 0; hop < 8; hop++) {
      List<Record> records = zone.get(current);
      if (records == null) {
        if (current.equals(name)) {
          response.getHeader().setRcode(Rcode.NXDOMAIN);
          response.addRecord(soa(), Section.AUTHORITY);
        }
        return response;
      }
      List<Record> matching = records.stream().filter(r -> r.getType() == type).toList();
      if (!matching.isEmpty()) {
        matching.forEach(r -> response.addRecord(r, Section.ANSWER));
        return response;
      }
      Record alias = records.stream().filter(r -> r.getType() == Type.CNAME).findFirst().orElse(null);
      if (alias == null) {
        if (current.equals(name)) {
          response.addRecord(soa(), Section.AUTHORITY); // NODATA
        }
        return response;
      }
      response.addRecord(alias, Section.ANSWER);
      current = lowerCase(((CNAMERecord) alias).getTarget());
    }
    return response;
  }

  /** The signed zone {@code name} is in, if any: the one with the longest apex. */
  private Optional<Map.Entry<Name, ZoneKey>> zoneOf(Name name) {
    return signedZones.entrySet().stream()
        .filter(zone -> name.subdomain(zone.getKey()))
        .max(Comparator.comparingInt(zone -> zone.getKey().labels()));
  }

  /** RFC 4035 §3.1: the answer with its RRSIGs, or the negative answer with its SOA, NSECs and their RRSIGs. */
  private Message signedAnswer(Message response, Name name, int type, Name apex, ZoneKey key) {
    List<Record> records = zone.get(name);
    if (records == null) {
      response.getHeader().setRcode(Rcode.NXDOMAIN);
      addSigned(response, Section.AUTHORITY, List.of(zone.get(apex).stream().filter(r -> r.getType() == Type.SOA).findFirst().orElseThrow()), key);
      // RFC 4035 §3.1.3.2: an NSEC that covers the name, and one that covers the wildcard at its closest encloser.
      Name encloser = name;
      while (!zone.containsKey(encloser) && encloser.labels() > apex.labels()) {
        encloser = new Name(encloser, 1);
      }
      NSECRecord covering = covering(name, apex);
      addSigned(response, Section.AUTHORITY, List.of(covering), key);
      NSECRecord wildcard = covering(wildcard(encloser), apex);
      if (!wildcard.getName().equals(covering.getName())) {
        addSigned(response, Section.AUTHORITY, List.of(wildcard), key);
      }
      return response;
    }
    List<Record> matching = records.stream().filter(r -> r.getType() == type).toList();
    if (!matching.isEmpty()) {
      addSigned(response, Section.ANSWER, matching, key);
      return response;
    }
    // RFC 4035 §3.1.3.1: NODATA, proven by the name's own NSEC.
    addSigned(response, Section.AUTHORITY, List.of(zone.get(apex).stream().filter(r -> r.getType() == Type.SOA).findFirst().orElseThrow()), key);
    addSigned(response, Section.AUTHORITY, List.of(nsec(name, apex)), key);
    return response;
  }

  /** Adds {@code rrset} to {@code section} with its RRSIG (one that does not verify for a forged name). */
  private void addSigned(Message response, int section, List<Record> rrset, ZoneKey key) {
    rrset.forEach(r -> response.addRecord(r, section));
    try {
      Instant now = Instant.now();
      RRSIGRecord signature = DNSSEC.sign(new RRset(rrset.toArray(Record[]::new)), key.dnskey(), key.key(),
          now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
      if (forged.contains(rrset.getFirst().getName()) && rrset.getFirst().getType() != Type.DNSKEY) {
        byte[] bad = signature.getSignature();
        bad[bad.length / 2] ^= 0x5a;
        signature = new RRSIGRecord(signature.getName(), signature.getDClass(), signature.getTTL(), signature.getTypeCovered(),
            signature.getAlgorithm(), signature.getOrigTTL(), signature.getExpire(), signature.getTimeSigned(),
            signature.getFootprint(), signature.getSigner(), bad);
      }
      response.addRecord(signature, section);
    } catch (DNSSEC.DNSSECException e) {
      throw new IllegalStateException("cannot sign " + rrset, e);
    }
  }

  /** The zone's names in canonical order (RFC 4034 §6.1), the apex first. */
  private List<Name> namesOf(Name apex) {
    return zone.keySet().stream().filter(n -> n.subdomain(apex)).sorted().toList();
  }

  /** The NSEC record at {@code owner}: the next name in the zone (the apex after the last), and the types at it. */
  private NSECRecord nsec(Name owner, Name apex) {
    List<Name> names = namesOf(apex);
    int at = names.indexOf(owner);
    Name next = names.get((at + 1) % names.size());
    int[] types = java.util.stream.IntStream.concat(
        zone.get(owner).stream().mapToInt(Record::getType), java.util.stream.IntStream.of(Type.RRSIG, Type.NSEC))
        .distinct().sorted().toArray();
    return new NSECRecord(owner, DClass.IN, ttl, next, types);
  }

  /** The NSEC record whose span covers {@code missing}, a name not in the zone: the one at the name before it. */
  private NSECRecord covering(Name missing, Name apex) {
    List<Name> names = namesOf(apex);
    Name before = names.getFirst();
    for (Name candidate : names) {
      if (candidate.compareTo(missing) < 0) {
        before = candidate;
      }
    }
    return nsec(before, apex);
  }

  private static Name wildcard(Name encloser) {
    try {
      return Name.concatenate(Name.fromString("*"), encloser);
    } catch (TextParseException | org.xbill.DNS.NameTooLongException e) {
      throw new IllegalArgumentException("no wildcard under " + encloser, e);
    }
  }

  private SOARecord soa() {
    return new SOARecord(
        SOA_OWNER, DClass.IN, ttl, name("ns.test."), name("hostmaster.test."), 1, 3600, 600, 86400, ttl);
  }

  private static Name name(String text) {
    try {
      return lowerCase(Name.fromString(text, Name.root));
    } catch (TextParseException e) {
      throw new IllegalArgumentException("not a DNS name: " + text, e);
    }
  }

  private static Name lowerCase(Name name) {
    try {
      return Name.fromString(name.toString().toLowerCase(Locale.ROOT));
    } catch (TextParseException e) {
      throw new IllegalArgumentException("not a DNS name: " + name, e);
    }
  }

  private static InetAddress literal(String address) {
    try {
      return InetAddress.getByName(address); // tests pass literals only: no lookup happens
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address literal: " + address, e);
    }
  }
}
