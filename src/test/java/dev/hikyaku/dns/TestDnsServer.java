package dev.hikyaku.dns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
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
        byte[] wire = response.toWire(512);
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
