package dev.hikyaku.bench.jmh;

import dev.hikyaku.protocol.CommandParser;
import dev.hikyaku.protocol.Extension;
import dev.hikyaku.protocol.Parse;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** {@link CommandParser#parse} on the lines every transaction sends, with every extension announced. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CommandParserBenchmark {

  @Param({
    "MAIL FROM:<sender@example.com> SIZE=4096 BODY=8BITMIME",
    "RCPT TO:<recipient@example.org>",
    "EHLO client.example.net",
    "DATA"
  })
  public String line;

  private final Set<Extension> extensions = EnumSet.allOf(Extension.class);

  @Benchmark
  public Parse parse() {
    return CommandParser.parse(line, extensions);
  }
}
