package dev.hikyaku.bench.jmh;

import dev.hikyaku.dns.DnsResolver;
import dev.hikyaku.dns.Lookup;
import dev.hikyaku.dns.MxRecord;
import dev.hikyaku.mailauth.InboundChecks;
import dev.hikyaku.protocol.DataReader;
import dev.hikyaku.protocol.HeaderScan;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The worst header a message of the maximum size (35 MiB) can bring (issue 22, PROBE.md §1: a 30
 * MiB folded {@code From:} once pinned a core for minutes in mime4j's address parser).
 *
 * <ul>
 *   <li>{@code probeMessage}: the probe's message — {@code From: "} and 30 MiB folded every 70
 *       octets — through {@link DataReader} as the session reads it (16 KiB reads); it is refused
 *       for its field size before anything parses it.
 *   <li>{@code worstHeaderChecks}: the worst header that is taken: a {@code From:} display name of
 *       the largest field allowed (100 KiB) and the rest of the 35 MiB as further 100 KiB fields,
 *       put through the inbound checks (SPF, DKIM, DMARC's From parse) with a resolver that answers
 *       at once, so what is timed is CPU. {@code worstAccepted} is the same with the reading of
 *       the data before it, and {@code plainMaxMessage} the reading alone of a 35 MiB message with
 *       a small header: what any message of the maximum size costs to read.
 * </ul>
 *
 * {@link FromFieldBenchmark} compares the From parsers themselves.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class HeaderBenchmark {

  private static final int READ = 16 * 1024;
  private static final long MAX_SIZE = 35L * 1024 * 1024;
  private static final String FOLD = "a".repeat(70) + "\r\n ";

  private byte[] probeMessage;
  private byte[] worstAccepted;
  private byte[] worstAcceptedContent;
  private byte[] plainMaxMessage;
  private InboundChecks checks;

  @Setup
  public void build() {
    probeMessage = wire(fromField(30 << 20) + "Subject: t\r\n\r\nbody\r\n");
    StringBuilder header = new StringBuilder(fromField(HeaderScan.MAX_FIELD_OCTETS - 64));
    int n = 0;
    while (header.length() < MAX_SIZE - 2 * HeaderScan.MAX_FIELD_OCTETS) {
      header.append(field("X-Filler-" + n++, HeaderScan.MAX_FIELD_OCTETS - 64));
    }
    worstAccepted = wire(header + "Subject: t\r\n\r\nbody\r\n");
    worstAcceptedContent = read(worstAccepted).content();
    StringBuilder body = new StringBuilder("From: <x@example.org>\r\nSubject: t\r\n\r\n");
    String line = "b".repeat(76) + "\r\n";
    body.append(line.repeat((int) ((MAX_SIZE - 4096) / line.length())));
    plainMaxMessage = wire(body.toString());
    checks = new InboundChecks(new SilentDns(), Clock.systemUTC(), "mx.bench.test", Duration.ofSeconds(15));
  }

  /** {@code From: "aaa…" <x@example.org>}, folded every 70 octets, about {@code octets} long. */
  static String fromField(int octets) {
    return "From: \"" + FOLD.repeat(octets / FOLD.length()) + "\" <x@example.org>\r\n";
  }

  private static String field(String name, int octets) {
    return name + ": " + FOLD.repeat(octets / FOLD.length()) + "end\r\n";
  }

  private static byte[] wire(String message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(message.length() + 3);
    out.writeBytes(message.getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(".\r\n".getBytes(StandardCharsets.ISO_8859_1));
    return out.toByteArray();
  }

  private static DataReader read(byte[] wire) {
    DataReader reader = DataReader.forData(MAX_SIZE);
    int offset = 0;
    while (!reader.isComplete()) {
      offset += reader.feed(wire, offset, Math.min(READ, wire.length - offset));
    }
    return reader;
  }

  @Benchmark
  public DataReader.Problem probeMessage() {
    DataReader reader = read(probeMessage);
    if (reader.problem() != DataReader.Problem.HEADER_FIELD_TOO_LONG) {
      throw new IllegalStateException("the probe's message was not refused for its field: " + reader.problem());
    }
    return reader.problem();
  }

  @Benchmark
  public InboundChecks.Report worstHeaderChecks() {
    return checked(worstAcceptedContent);
  }

  @Benchmark
  public InboundChecks.Report worstAccepted() {
    DataReader reader = read(worstAccepted);
    if (reader.problem() != DataReader.Problem.NONE) {
      throw new IllegalStateException("the worst accepted message was refused: " + reader.problem());
    }
    return checked(reader.content());
  }

  @Benchmark
  public int plainMaxMessage() {
    DataReader reader = read(plainMaxMessage);
    if (reader.problem() != DataReader.Problem.NONE) {
      throw new IllegalStateException("the plain message was refused: " + reader.problem());
    }
    return reader.content().length;
  }

  private InboundChecks.Report checked(byte[] content) {
    InboundChecks.Report report = checks.check(content, InetAddress.getLoopbackAddress(), "client.bench.test", "x@example.org");
    if (!report.dmarc().fromDomain().equals("example.org")) {
      throw new IllegalStateException("From domain not found: " + report.dmarc());
    }
    return report;
  }

  /** A resolver that has nothing: every lookup is answered at once, so the checks time CPU only. */
  private static final class SilentDns implements DnsResolver {
    @Override
    public Lookup<List<MxRecord>> mx(String domain) {
      return new Lookup.NxDomain<>();
    }

    @Override
    public Lookup<List<InetAddress>> addresses(String host) {
      return new Lookup.NxDomain<>();
    }

    @Override
    public Lookup<List<String>> txt(String name) {
      return new Lookup.NxDomain<>();
    }
  }
}
