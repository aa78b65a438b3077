package dev.hikyaku.bench.jmh;

import dev.hikyaku.dns.DnsResolver;
import dev.hikyaku.dns.Lookup;
import dev.hikyaku.dns.MxRecord;
import dev.hikyaku.mailauth.DkimAlgorithm;
import dev.hikyaku.mailauth.DkimKey;
import dev.hikyaku.mailauth.DkimKeys;
import dev.hikyaku.mailauth.DkimSigner;
import dev.hikyaku.mailauth.DkimVerifier;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * DKIM per message, as intake pays it: signing a 4 KiB submission with RSA-SHA256 (2048 bit),
 * Ed25519-SHA256, and both (the default of {@code hikyaku dkim keygen}); and verifying a message
 * signed with both. The verifier's key lookups are answered from memory: this measures the
 * canonicalization, hashing and signature work, not DNS.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DkimBenchmark {

  private DkimSigner signer;
  private DkimVerifier verifier;
  private byte[] message;
  private byte[] signed;
  private List<DkimKey> rsa;
  private List<DkimKey> ed25519;
  private List<DkimKey> both;

  @Setup
  public void setUp() throws Exception {
    StringBuilder text = new StringBuilder("From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Quarterly figures\r\n"
        + "Date: Mon, 23 Nov 2026 04:00:00 +0000\r\nMessage-ID: <bench@example.com>\r\nMIME-Version: 1.0\r\n"
        + "Content-Type: text/plain; charset=utf-8\r\n\r\n");
    while (text.length() < 4096) {
      text.append("A line of the body, as a mail client writes it, with  some   spacing.\r\n");
    }
    message = text.toString().getBytes(StandardCharsets.UTF_8);
    DkimKey r = DkimKeys.of("example.com", "r", DkimAlgorithm.RSA_SHA256, DkimAlgorithm.RSA_SHA256.generate());
    DkimKey e = DkimKeys.of("example.com", "e", DkimAlgorithm.ED25519_SHA256, DkimAlgorithm.ED25519_SHA256.generate());
    rsa = List.of(r);
    ed25519 = List.of(e);
    both = List.of(r, e);
    signer = new DkimSigner(Clock.systemUTC());
    byte[] fields = signer.signatureFields(message, both);
    signed = new byte[fields.length + message.length];
    System.arraycopy(fields, 0, signed, 0, fields.length);
    System.arraycopy(message, 0, signed, fields.length, message.length);
    Map<String, String> records = Map.of(r.recordName(), r.record(), e.recordName(), e.record());
    verifier = new DkimVerifier(new DnsResolver() {
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
        String record = records.get(name);
        return record == null ? new Lookup.NxDomain<>() : new Lookup.Found<>(List.of(record));
      }
    }, Clock.systemUTC());
  }

  @Benchmark
  public byte[] signRsa() throws Exception {
    return signer.signatureFields(message, rsa);
  }

  @Benchmark
  public byte[] signEd25519() throws Exception {
    return signer.signatureFields(message, ed25519);
  }

  @Benchmark
  public byte[] signBoth() throws Exception {
    return signer.signatureFields(message, both);
  }

  @Benchmark
  public List<DkimVerifier.Signature> verifyBoth() {
    return verifier.verify(signed);
  }
}
