package dev.hikyaku.bench.jmh;

import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The durable write behind every 250 after DATA: {@code Store.openSqlite(dir, clock).queue()
 * .accept(NewMessage)}, which returns once the group commit holding the message has fsync'd the
 * WAL (synchronous=FULL). With one caller every message pays a whole fsync; with 16 they share
 * commits. Throughput is messages per second over all threads. The database lives in a fresh
 * directory under bench/target (a real disk, not tmpfs) and is deleted afterwards.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class StoreBenchmark {

  private static final byte[] CONTENT = content(4096);
  private static final Origin ORIGIN = new Origin("relay", "192.0.2.10", "client.example.net", null, null, null);
  private static final List<NewRecipient> RECIPIENTS = List.of(new NewRecipient("user@bench.example", ""));

  private final Clock clock = Clock.systemUTC();
  private Path directory;
  private Store store;

  @Setup(Level.Trial)
  public void open() throws IOException, StoreException {
    directory = BenchDirectory.create("store-");
    store = Store.openSqlite(directory, clock);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    store.close();
    BenchDirectory.delete(directory);
  }

  @Benchmark
  @Threads(1)
  public void accept1Thread() throws StoreException {
    accept();
  }

  @Benchmark
  @Threads(16)
  public void accept16Threads() throws StoreException {
    accept();
  }

  private void accept() throws StoreException {
    QueueId id = QueueId.generate(clock, ThreadLocalRandom.current());
    store.queue().accept(new NewMessage(id, clock.instant(), "sender@example.com", "", RECIPIENTS, ORIGIN, CONTENT));
  }

  private static byte[] content(int size) {
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) (i % 78 == 76 ? '\r' : i % 78 == 77 ? '\n' : 'a' + i % 26);
    }
    return bytes;
  }
}
