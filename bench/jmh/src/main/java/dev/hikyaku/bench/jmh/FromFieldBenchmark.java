package dev.hikyaku.bench.jmh;

import dev.hikyaku.mailauth.FromField;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.james.mime4j.field.address.DefaultAddressParser;
import org.apache.james.mime4j.field.address.ParseException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A {@code From:} value with one long quoted display name (PROBE.md §1's shape, unfolded), parsed by
 * {@link FromField} and by the peer, mime4j's own {@code DefaultAddressParser}: the same grammar,
 * on a buffer that grows by 2 KiB at a time (what Hikyaku used before issue 22). 100 KiB is the
 * largest field the session lets through; 1 MiB shows how each grows.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class FromFieldBenchmark {

  @Param({"102400", "1048576"})
  public int octets;

  private String value;

  @Setup
  public void build() {
    String field = HeaderBenchmark.fromField(octets);
    value = field.substring("From:".length()).replace("\r\n", "");
  }

  @Benchmark
  public List<FromField.AddrSpec> hikyaku() {
    return FromField.mailboxes(value).orElseThrow();
  }

  @Benchmark
  public Object mime4jDefault() throws ParseException {
    return DefaultAddressParser.DEFAULT.parseAddressList(value).flatten();
  }
}
