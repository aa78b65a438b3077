package dev.hikyaku.bench.jmh;

import dev.hikyaku.net.DeadlineOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the write deadline adds to one socket write (issue 15 point 3): a reply-sized write through
 * {@link DeadlineOutputStream} into a stream that discards it, against the same write unguarded. The
 * socket is never connected and never written: only the guard's own cost is measured, not a syscall.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DeadlineWriteBenchmark {

  private final byte[] reply = "250 2.0.0 Ok: queued as 01JEXAMPLE0000000000000000\r\n".getBytes();
  private Socket socket;
  private OutputStream guarded;
  private OutputStream bare;

  @Setup
  public void open() {
    socket = new Socket();
    bare = OutputStream.nullOutputStream();
    guarded = new DeadlineOutputStream(bare, socket, Duration.ofMinutes(5));
  }

  @TearDown
  public void close() throws IOException {
    guarded.close();
    socket.close();
  }

  @Benchmark
  public void guardedWrite() throws IOException {
    guarded.write(reply, 0, reply.length);
  }

  @Benchmark
  public void bareWrite() throws IOException {
    bare.write(reply, 0, reply.length);
  }
}
