package dev.hikyaku.bench.jmh;

import dev.hikyaku.protocol.DataReader;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link DataReader} fed a whole message as the session feeds it: in 16 KiB reads (ClientInput's
 * buffer), up to and including CRLF.CRLF, then {@code content()} as intake takes it. One line in
 * twenty starts with a dot, so un-stuffing is exercised.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DataReaderBenchmark {

  private static final int READ = 16 * 1024;
  private static final long MAX_SIZE = 35L * 1024 * 1024;

  @Param({"4096", "1048576"})
  public int size;

  private byte[] wire;

  @Setup
  public void build() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(size + size / 20 + 16);
    out.writeBytes("From: <a@example.com>\r\nTo: <b@example.org>\r\nSubject: benchmark\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    int line = 0;
    while (out.size() < size) {
      if (line % 20 == 19) {
        out.write('.'); // dot-stuffed: the reader removes one
        out.write('.');
      }
      for (int i = 0; i < 76; i++) {
        out.write('a' + (line + i) % 26);
      }
      out.write('\r');
      out.write('\n');
      line++;
    }
    out.writeBytes(".\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    wire = out.toByteArray();
  }

  @Benchmark
  public int readMessage() {
    DataReader reader = DataReader.forData(MAX_SIZE);
    int offset = 0;
    while (!reader.isComplete()) {
      int count = Math.min(READ, wire.length - offset);
      offset += reader.feed(wire, offset, count);
    }
    if (reader.problem() != DataReader.Problem.NONE) {
      throw new IllegalStateException("benchmark message refused: " + reader.problem());
    }
    return reader.content().length;
  }
}
