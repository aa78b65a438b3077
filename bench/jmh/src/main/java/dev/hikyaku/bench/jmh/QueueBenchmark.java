package dev.hikyaku.bench.jmh;

import dev.hikyaku.store.AcceptedHeaders;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueEntry;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.store.RecipientOutcome;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The queue at scale (issue 15, point 5): 100,000 queued messages, what {@code hikyaku queue list},
 * {@code queue show} and {@code queue flush --domain} run, and the scheduler's due-work query, through
 * the public store API on a real SQLite file under bench/target.
 *
 * <p>The queue is a backlog: 100,000 messages received over the last 2 days before {@link #NOW}, 1–3
 * recipients each (~200,000), 4 KiB of content each. 30 % of recipients are at {@code big.example}
 * (one address of them, {@code ops@big.example}, in ~1 % of messages), 10 % at {@code
 * second.example}, 5 % at {@code third.example}, the rest among 2,000 domains. 20 % of the mail is
 * from one bulk sender, the rest from 5,000 senders (~16 messages each). The newest 5 % of messages
 * are untried (recipients pending); the others were tried once and deferred, each recipient due again
 * at a time spread from 10 minutes before {@link #NOW} to 4 hours after it (so ~4 % are due); 5 % of
 * messages are held.
 *
 * <ul>
 *   <li>{@code listDefault}: {@code queue list}, the oldest 1,000 (the CLI's default limit);
 *   <li>{@code listBySender}, {@code listByBulkSender}: {@code --sender}, one of 5,000 senders or the
 *       bulk sender (20,000 messages, the oldest 1,000 of them);
 *   <li>{@code listByRecipient}, {@code listByBusyRecipient}: {@code --recipient}, a random address of
 *       {@code big.example} (~1 message) or {@code ops@big.example} (~1,000);
 *   <li>{@code listHeld}: {@code --state held} (~5,000, the oldest 1,000);
 *   <li>{@code listOlderThan}: {@code --older-than 1d} (~50,000, the oldest 1,000), and {@code
 *       listOlderThanHeld}: with {@code --state held};
 *   <li>{@code show}: {@code queue show ID}, one random message with its content;
 *   <li>{@code due}: the scheduler's pass ({@code due(now, 100)}, with content) and {@code nextDue};
 *   <li>{@link Flush#flushDomain}: {@code queue flush --domain big.example} (~57,000 deferred
 *       recipients), and {@link Flush#flushAll}: {@code queue flush} (~190,000), as the CLI runs them
 *       (a request); {@link Flush#flushDomainApplied} and {@link Flush#flushAllApplied}: the request
 *       and every batch the scheduler applies for it, with the longest batch printed. Each on a
 *       fresh copy of the filled store.
 * </ul>
 *
 * The fill goes through the same API as the server: {@code queue().accept} from 64 virtual threads
 * (group commit), then {@code queue().record} of each deferral and {@code queueAdmin().hold}. It is done
 * once and the file kept in {@code bench/target/jmh-store/queue-100000} for later runs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class QueueBenchmark {

  static final int MESSAGES = 100_000;
  static final int SENDERS = 5_000;
  static final String BULK_SENDER = "newsletter@bulk.example";
  static final String BIG_DOMAIN = "big.example";
  static final int BIG_ADDRESSES = 50_000;
  static final String BUSY_RECIPIENT = "ops@big.example";
  static final int OTHER_ADDRESSES = 200_000;
  /** "Now" for the fill and the due-work query; {@code --older-than} is measured from it too. */
  static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
  static final Duration SPAN = Duration.ofDays(2);
  /** {@code queue list --limit} default. */
  static final int LIMIT = 1000;
  /** Scheduler.DEFAULT_BATCH_SIZE. */
  static final int DUE_BATCH = 100;
  private static final Origin ORIGIN =
      new Origin("submission", "192.0.2.10", "client.example.net", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "app@bench.example");

  private Store store;
  private QueueId[] ids;

  /** Opens the filled store, filling it first when there is none yet (delete the directory to fill afresh). */
  @Setup(Level.Trial)
  public void open() throws Exception {
    Path directory = filledDirectory();
    store = Store.openSqlite(directory, Clock.systemUTC());
    ids = store.queueAdmin().list(QueueQuery.all()).stream().map(QueueEntry::id).toArray(QueueId[]::new);
    System.out.printf("%n%s", Files.readString(directory.resolve("filled.txt")));
  }

  /** The directory of the filled store, filled now when it is not yet. */
  static Path filledDirectory() throws Exception {
    Path directory = StoreFiles.directory("queue-" + MESSAGES);
    Path filled = directory.resolve("filled.txt");
    if (!Files.exists(filled)) {
      if (Files.exists(directory)) {
        StoreFiles.delete(directory); // an interrupted fill
      }
      Files.createDirectories(directory);
      String report;
      try (Store store = Store.openSqlite(directory, Clock.systemUTC())) {
        report = fill(store);
      }
      report += String.format("database file: %,d MiB%n", Files.size(directory.resolve(Store.SQLITE_FILE_NAME)) >> 20);
      Files.writeString(filled, report);
    }
    return directory;
  }

  /** Fills the store; returns what it measured on the way. */
  private static String fill(Store store) throws Exception {
    long started = System.nanoTime();
    int threads = 64;
    AtomicInteger recipients = new AtomicInteger();
    AtomicInteger deferred = new AtomicInteger();
    AtomicInteger held = new AtomicInteger();
    long[] acceptNanos = new long[threads];
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> parts = new ArrayList<>();
      SplittableRandom seed = new SplittableRandom(42);
      for (int t = 0; t < threads; t++) {
        int first = t;
        SplittableRandom random = seed.split();
        parts.add(executor.submit(() -> {
          for (int i = first; i < MESSAGES; i += threads) {
            Instant receivedAt = NOW.minus(SPAN).plusMillis(SPAN.toMillis() * i / MESSAGES);
            List<String> to = recipients(random);
            recipients.addAndGet(to.size());
            long before = System.nanoTime();
            QueueId id = accept(store, i, receivedAt, sender(random), to, random);
            acceptNanos[first] += System.nanoTime() - before;
            if (i < MESSAGES * 95 / 100) {
              // Tried once a minute after arrival, deferred until a time around NOW.
              Instant tried = receivedAt.plusSeconds(60);
              List<RecipientOutcome> outcomes = new ArrayList<>();
              for (String r : to) {
                Instant next = NOW.plusSeconds(random.nextLong(-600, 4 * 3600));
                outcomes.add(RecipientOutcome.deferred(r, "451 4.7.1 Try again later", tried, next));
              }
              store.queue().record(id, outcomes);
              deferred.addAndGet(to.size());
              if (random.nextInt(20) == 0) {
                store.queueAdmin().hold(id);
                held.incrementAndGet();
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> part : parts) {
        part.get();
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    double acceptSeconds = Arrays.stream(acceptNanos).sum() / 1e9 / threads;
    return String.format(
        "fill: %,d messages (%,d recipients, %,d deferred, %,d messages held) in %.1f s, 64 threads;"
            + " accepting took %.1f s of it (%,.0f msgs/s)%n",
        MESSAGES, recipients.get(), deferred.get(), held.get(), seconds, acceptSeconds, MESSAGES / acceptSeconds);
  }

  private static QueueId accept(Store store, int i, Instant at, String sender, List<String> to, SplittableRandom random)
      throws StoreException {
    while (true) {
      QueueId id = QueueId.generate(Clock.fixed(at, ZoneOffset.UTC), random);
      AcceptedHeaders headers = new AcceptedHeaders(
          Optional.of("<" + i + "@bench.example>"), Optional.of("Your order " + i + " has shipped"), Optional.of("Shop <" + sender + ">"));
      try {
        store.queue().accept(new NewMessage(id, at, sender, "",
            to.stream().map(r -> new NewRecipient(r, "")).toList(), ORIGIN, content(i, sender, to), headers));
        return id;
      } catch (StoreException e) {
        // Two ids alike in the same millisecond (32 random bits): draw another.
        if (store.queueAdmin().find(id).isEmpty()) {
          throw e;
        }
      }
    }
  }

  /** A 4 KiB message: a header and a body of text lines. */
  private static byte[] content(int i, String sender, List<String> to) {
    StringBuilder text = new StringBuilder(4096);
    text.append("From: Shop <").append(sender).append(">\r\nTo: ").append(to.getFirst())
        .append("\r\nSubject: Your order ").append(i).append(" has shipped\r\nMessage-ID: <").append(i)
        .append("@bench.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    while (text.length() < 4096 - 80) {
      text.append("Your parcel is on its way and should reach you within three working days. Thanks.\r\n");
    }
    return text.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static String sender(SplittableRandom random) {
    return random.nextInt(5) == 0 ? BULK_SENDER : senderAt(random.nextInt(SENDERS)); // 20 %: ~20,000
  }

  static String senderAt(int n) {
    return "user" + n + "@sender" + n % 100 + ".example";
  }

  /** 1 to 3 distinct recipients. */
  private static List<String> recipients(SplittableRandom random) {
    int count = 1 + random.nextInt(3);
    Set<String> to = new LinkedHashSet<>();
    if (random.nextInt(100) == 0) {
      to.add(BUSY_RECIPIENT);
    }
    while (to.size() < count) {
      int dice = random.nextInt(100);
      if (dice < 30) {
        to.add(bigAddressAt(random.nextInt(BIG_ADDRESSES)));
      } else if (dice < 40) {
        to.add("rcpt" + random.nextInt(OTHER_ADDRESSES) + "@second.example");
      } else if (dice < 45) {
        to.add("rcpt" + random.nextInt(OTHER_ADDRESSES) + "@third.example");
      } else {
        int n = random.nextInt(OTHER_ADDRESSES);
        to.add("rcpt" + n + "@dest" + n % 2000 + ".example");
      }
    }
    return List.copyOf(to);
  }

  static String bigAddressAt(int n) {
    return "rcpt" + n + "@" + BIG_DOMAIN;
  }

  @TearDown(Level.Trial)
  public void close() {
    store.close(); // the file stays for the next benchmark
  }

  private static int any(int bound) {
    return ThreadLocalRandom.current().nextInt(bound);
  }

  private List<QueueEntry> list(QueueQuery query) throws StoreException {
    return store.queueAdmin().list(query.withLimit(LIMIT));
  }

  @Benchmark
  public List<QueueEntry> listDefault() throws StoreException {
    return list(QueueQuery.all());
  }

  @Benchmark
  public List<QueueEntry> listBySender() throws StoreException {
    return list(QueueQuery.all().withSender(senderAt(any(SENDERS))));
  }

  @Benchmark
  public List<QueueEntry> listByBulkSender() throws StoreException {
    return list(QueueQuery.all().withSender(BULK_SENDER));
  }

  @Benchmark
  public List<QueueEntry> listByRecipient() throws StoreException {
    return list(QueueQuery.all().withRecipient(bigAddressAt(any(BIG_ADDRESSES))));
  }

  @Benchmark
  public List<QueueEntry> listByBusyRecipient() throws StoreException {
    return list(QueueQuery.all().withRecipient(BUSY_RECIPIENT));
  }

  @Benchmark
  public List<QueueEntry> listHeld() throws StoreException {
    return list(QueueQuery.all().withState("held"));
  }

  @Benchmark
  public List<QueueEntry> listOlderThan() throws StoreException {
    return list(QueueQuery.all().withReceivedBefore(NOW.minus(Duration.ofDays(1))));
  }

  @Benchmark
  public List<QueueEntry> listOlderThanHeld() throws StoreException {
    return list(QueueQuery.all().withReceivedBefore(NOW.minus(Duration.ofDays(1))).withState("held"));
  }

  @Benchmark
  public QueuedMessage show() throws StoreException {
    return store.queueAdmin().find(ids[any(ids.length)]).orElseThrow();
  }

  @Benchmark
  public List<DueDelivery> due() throws StoreException {
    return store.queue().due(NOW, DUE_BATCH);
  }

  @Benchmark
  public Optional<Instant> nextDue() throws StoreException {
    return store.queue().nextDue();
  }

  /**
   * {@code queue flush --domain big.example}, one per iteration, each on a fresh copy of the filled
   * store (a flush changes it: its recipients are due now, and a second flush would find none to move).
   */
  @State(Scope.Benchmark)
  public static class Flush {
    private Store copy;

    @Setup(Level.Iteration)
    public void open() throws Exception {
      Path filled = filledDirectory();
      Path directory = filled.resolveSibling(filled.getFileName() + "-flush");
      if (Files.exists(directory)) {
        StoreFiles.delete(directory);
      }
      Files.createDirectories(directory);
      try (Stream<Path> files = Files.list(filled)) {
        for (Path file : files.toList()) {
          Files.copy(file, directory.resolve(file.getFileName()));
        }
      }
      copy = Store.openSqlite(directory, Clock.systemUTC());
    }

    @TearDown(Level.Iteration)
    public void close() {
      if (!batchNanos.isEmpty()) {
        long[] sorted = batchNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("%n%,d batches: median %.1f ms, 90th %.1f ms, 99th %.1f ms, longest %.1f ms%n", sorted.length,
            sorted[sorted.length / 2] / 1e6, sorted[sorted.length * 9 / 10] / 1e6, sorted[sorted.length * 99 / 100] / 1e6,
            sorted[sorted.length - 1] / 1e6);
      }
      copy.close();
    }

    /** How long each applyFlush took: the time the store's one writer (and its write lock) was busy with it. */
    private final List<Long> batchNanos = new ArrayList<>();

    /** What the scheduler does between passes, here back to back: every batch of the open requests. */
    private int applyAll() throws StoreException {
      batchNanos.clear();
      while (true) {
        long began = System.nanoTime();
        boolean isApplied = copy.queue().applyFlush();
        if (!isApplied) {
          return batchNanos.size();
        }
        batchNanos.add(System.nanoTime() - began);
      }
    }

    /** {@code queue flush --domain big.example} as the CLI runs it: counts and records the request. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public long flushDomain() throws StoreException {
      return copy.queueAdmin().requestFlush(Optional.of(BIG_DOMAIN));
    }

    /** {@code queue flush} without an id, as the CLI runs it (~190,000 deferred recipients). */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public long flushAll() throws StoreException {
      return copy.queueAdmin().requestFlush(Optional.empty());
    }

    /**
     * The request of {@link #flushDomain} and then its application by the scheduler, every batch
     * back to back (the server runs a due pass between two); prints the longest batch, the longest
     * the write lock is held.
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public int flushDomainApplied() throws StoreException {
      copy.queueAdmin().requestFlush(Optional.of(BIG_DOMAIN));
      return applyAll();
    }

    /** {@link #flushAll} and then its application, as {@link #flushDomainApplied}. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public int flushAllApplied() throws StoreException {
      copy.queueAdmin().requestFlush(Optional.empty());
      return applyAll();
    }
  }
}
