package dev.hikyaku.bench.jmh;

import dev.hikyaku.store.AcceptedHeaders;
import dev.hikyaku.store.AttemptOutcome;
import dev.hikyaku.store.AttemptRecord;
import dev.hikyaku.store.HistoryMessage;
import dev.hikyaku.store.HistoryQuery;
import dev.hikyaku.store.HistoryRecord;
import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueId;
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
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

/**
 * The message history (issue 11, item 4) with 1 million attempts stored: 250,000 messages over 30
 * days, 2 recipients each, 2 attempts per recipient (deferred, then delivered 94 %, failed 4 %,
 * deferred again 1 %, expired 1 %). What {@code hikyaku history search} and {@code history show}
 * run, through the public API, on a real SQLite file under bench/target:
 *
 * <ul>
 *   <li>{@code searchBySender}, {@code searchByRecipient}: one of 10,000 senders (~20 messages each)
 *       or 100,000 recipients (~5 each), picked at random per call, the CLI's default limit of 100;
 *   <li>{@code searchByBulkSender}, {@code searchByBusyRecipient}: the newest 100 of a sender with
 *       50,000 messages and a recipient with 25,000;
 *   <li>{@code searchByMessageId}: one random Message-ID, typed without its angle brackets;
 *   <li>{@code searchByStatusSince}: {@code --status failed --since 1d} (the last day's failures),
 *       and {@code searchByRareStatus}: {@code --status expired} over the whole history;
 *   <li>{@code searchByBulkSenderAndRareStatus}, {@code searchByBulkSenderNoMatch}: the bulk sender
 *       with a status that ~2 % of its messages have, and with one none has: the other filters are
 *       checked on the rows the sender's index yields, so the second reads all 50,000 (the worst
 *       case of the plan);
 *   <li>{@code searchNewest}: {@code history search} without filters; {@code show}: one random
 *       message with its 4 attempts.
 * </ul>
 *
 * The fill goes through the same API as the server: {@code queue().accept} from 64 virtual threads
 * (group commit; the history rows share each commit) and {@code history().record} in batches of
 * 5,000 attempts; it is done once and the file kept for later runs (see {@link #open}). Its rates,
 * the file size and the time of a pruning batch are printed before each benchmark.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HistoryBenchmark {

  static final int MESSAGES = 250_000;
  static final int SENDERS = 10_000;
  static final int RECIPIENTS = 100_000;
  static final String BULK_SENDER = "newsletter@bulk.example";
  static final String BUSY_RECIPIENT = "ops@big.example";
  static final Instant END = Instant.parse("2026-12-01T00:00:00Z");
  static final Duration SPAN = Duration.ofDays(30);
  static final int LIMIT = 100;
  /** Messages removed by the pruning measured during the fill (the oldest). */
  static final int PRUNED = 2_000;
  /** HistoryPruning.BATCH_MESSAGES (package-private in app). */
  static final int PRUNE_BATCH = 100;
  private static final Origin ORIGIN =
      new Origin("submission", "192.0.2.10", "client.example.net", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "app@bench.example");
  private static final byte[] CONTENT = "Subject: bench\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

  private Store store;
  private QueueId[] ids;
  private String[] messageIds;

  /**
   * Opens the filled store, filling it first when there is none yet: the fill takes minutes and the
   * benchmarks only read, so every benchmark of every run uses the same file,
   * {@code bench/target/jmh-store/history-250000} (delete it to fill afresh).
   */
  @Setup(Level.Trial)
  public void open() throws Exception {
    Path directory = StoreFiles.directory("history-" + MESSAGES);
    Path filled = directory.resolve("filled.txt");
    if (!Files.exists(filled)) {
      if (Files.exists(directory)) {
        StoreFiles.delete(directory); // an interrupted fill
      }
      Files.createDirectories(directory);
      store = Store.openSqlite(directory, Clock.systemUTC());
      String report = fill() + String.format("database file: %,d MiB%n",
          Files.size(directory.resolve(Store.SQLITE_FILE_NAME)) >> 20);
      Files.writeString(filled, report);
    } else {
      store = Store.openSqlite(directory, Clock.systemUTC());
      List<HistoryMessage> all = store.history().search(HistoryQuery.all());
      ids = all.stream().map(HistoryMessage::id).toArray(QueueId[]::new);
      messageIds = all.stream().map(m -> m.headers().messageId().orElseThrow()).toArray(String[]::new);
    }
    System.out.printf("%n%s", Files.readString(filled));
  }

  /** Fills the store; returns what it measured on the way. */
  private String fill() throws Exception {
    QueueId[] accepted = new QueueId[MESSAGES];
    String[] acceptedMessageIds = new String[MESSAGES];
    Instant[] receivedAt = new Instant[MESSAGES];
    String[][] recipients = new String[MESSAGES][];

    long started = System.nanoTime();
    int threads = 64;
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> parts = new ArrayList<>();
      SplittableRandom seed = new SplittableRandom(42);
      for (int t = 0; t < threads; t++) {
        int first = t;
        SplittableRandom random = seed.split();
        parts.add(executor.submit(() -> {
          for (int i = first; i < MESSAGES; i += threads) {
            receivedAt[i] = END.minus(SPAN).plusMillis(SPAN.toMillis() * i / MESSAGES);
            recipients[i] = new String[] {recipient(random), recipient(random)};
            accepted[i] = accept(i, receivedAt[i], sender(random), recipients[i], random);
            acceptedMessageIds[i] = messageId(i, accepted[i]);
          }
          return null;
        }));
      }
      for (Future<?> part : parts) {
        part.get();
      }
    }
    double acceptSeconds = (System.nanoTime() - started) / 1e9;

    started = System.nanoTime();
    SplittableRandom random = new SplittableRandom(43);
    List<AttemptRecord> batch = new ArrayList<>();
    long attempts = 0;
    for (int i = 0; i < MESSAGES; i++) {
      for (String recipient : recipients[i]) {
        batch.addAll(attempts(accepted[i], recipient, receivedAt[i], random.nextInt(100)));
      }
      if (batch.size() >= 5_000 || i == MESSAGES - 1) {
        attempts += store.history().record(batch);
        batch.clear();
      }
    }
    double recordSeconds = (System.nanoTime() - started) / 1e9;
    String report = String.format(
        "fill: %,d messages accepted in %.1f s (%,.0f/s, 64 threads), %,d attempts recorded in %.1f s (%,.0f/s)%n",
        MESSAGES, acceptSeconds, MESSAGES / acceptSeconds, attempts, recordSeconds, attempts / recordSeconds);
    report += pruneBatches(accepted);
    // The benchmarks pick among what is left.
    ids = Arrays.copyOfRange(accepted, PRUNED, MESSAGES);
    messageIds = Arrays.copyOfRange(acceptedMessageIds, PRUNED, MESSAGES);
    return report;
  }

  private static String messageId(int i, QueueId id) {
    return "<" + id.value().toLowerCase(java.util.Locale.ROOT) + "." + i + "@bench.example>";
  }

  private QueueId accept(int i, Instant at, String sender, String[] to, SplittableRandom random) throws StoreException {
    while (true) {
      QueueId id = QueueId.generate(Clock.fixed(at, ZoneOffset.UTC), random);
      AcceptedHeaders headers = new AcceptedHeaders(
          Optional.of(messageId(i, id)), Optional.of("Your order " + i + " has shipped"), Optional.of("Shop <" + sender + ">"));
      try {
        store.queue().accept(new NewMessage(id, at, sender, "",
            List.of(new NewRecipient(to[0], ""), new NewRecipient(to[1], "")), ORIGIN, CONTENT, headers));
        return id;
      } catch (StoreException e) {
        // Two ids alike in the same millisecond (32 random bits): draw another.
        if (store.history().show(id).isEmpty()) {
          throw e;
        }
      }
    }
  }

  /** Attempt 1 deferred after 2 s; attempt 2 five minutes later, delivered, failed, deferred or expired. */
  private static List<AttemptRecord> attempts(QueueId id, String recipient, Instant receivedAt, int dice) {
    Optional<String> mta = Optional.of("mx1." + recipient.substring(recipient.indexOf('@') + 1) + "[192.0.2.25]:25");
    Optional<String> protocol = Optional.of("TLSv1.3");
    Optional<String> cipher = Optional.of("TLS_AES_256_GCM_SHA384");
    Instant first = receivedAt.plusSeconds(2);
    Instant second = receivedAt.plusSeconds(302);
    AttemptRecord deferred = new AttemptRecord(id, recipient, 1, first, AttemptOutcome.DEFERRED, "4.2.0",
        "smtp; 451 4.2.0 greylisted, try again later", mta, protocol, cipher, Duration.ofSeconds(2),
        Optional.of(second));
    AttemptRecord last;
    if (dice < 94) {
      last = new AttemptRecord(id, recipient, 2, second, AttemptOutcome.DELIVERED, "2.0.0",
          "smtp; 250 2.0.0 Ok: queued as 4Xk2Qd", mta, protocol, cipher, Duration.ofSeconds(302), Optional.empty());
    } else if (dice < 98) {
      last = new AttemptRecord(id, recipient, 2, second, AttemptOutcome.FAILED, "5.1.1",
          "smtp; 550 5.1.1 <" + recipient + ">: Recipient address rejected: User unknown", mta, protocol, cipher,
          Duration.ofSeconds(302), Optional.empty());
    } else if (dice < 99) {
      last = new AttemptRecord(id, recipient, 2, second, AttemptOutcome.DEFERRED, "4.4.1",
          "X-Hikyaku; connection to mx1 timed out", Optional.empty(), Optional.empty(), Optional.empty(),
          Duration.ofSeconds(302), Optional.of(second.plusSeconds(600)));
    } else {
      last = new AttemptRecord(id, recipient, 2, second, AttemptOutcome.EXPIRED, "4.4.7",
          "X-Hikyaku; delivery time expired", Optional.empty(), Optional.empty(), Optional.empty(),
          Duration.ofSeconds(302), Optional.empty());
    }
    return List.of(deferred, last);
  }

  /**
   * Frees the oldest {@link #PRUNED} messages from the queue and prunes them in batches of {@link
   * #PRUNE_BATCH} (what the server's HistoryPruning does), timing each batch's transaction.
   */
  private String pruneBatches(QueueId[] accepted) throws Exception {
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> deletions = new ArrayList<>();
      for (int i = 0; i < PRUNED; i++) {
        QueueId id = accepted[i];
        deletions.add(executor.submit(() -> {
          store.queueAdmin().delete(id);
          return null;
        }));
      }
      for (Future<?> deletion : deletions) {
        deletion.get();
      }
    }
    Instant cutoff = accepted[PRUNED].timestamp();
    long[] micros = new long[PRUNED / PRUNE_BATCH];
    int removed = 0;
    for (int b = 0; b < micros.length; b++) {
      long started = System.nanoTime();
      removed += store.history().prune(cutoff, PRUNE_BATCH);
      micros[b] = (System.nanoTime() - started) / 1_000;
    }
    Arrays.sort(micros);
    return String.format(
        "prune: %,d messages (2 recipients, 4 attempts each) in %d batches of %d: median %.1f ms, max %.1f ms per batch%n",
        removed, micros.length, PRUNE_BATCH, micros[micros.length / 2] / 1000.0, micros[micros.length - 1] / 1000.0);
  }

  private static String sender(SplittableRandom random) {
    if (random.nextInt(5) == 0) {
      return BULK_SENDER; // 20 %: 50,000 messages
    }
    return senderAt(random.nextInt(SENDERS));
  }

  private static String senderAt(int n) {
    return "user" + n + "@sender" + n % 100 + ".example";
  }

  private static String recipient(SplittableRandom random) {
    if (random.nextInt(20) == 0) {
      return BUSY_RECIPIENT; // 5 % of recipients: ~25,000 messages
    }
    return recipientAt(random.nextInt(RECIPIENTS));
  }

  private static String recipientAt(int n) {
    return "rcpt" + n + "@dest" + n % 1000 + ".example";
  }

  @TearDown(Level.Trial)
  public void close() {
    store.close(); // the file stays for the next benchmark
  }

  private static int any(int bound) {
    return ThreadLocalRandom.current().nextInt(bound);
  }

  private List<HistoryMessage> search(HistoryQuery query) throws StoreException {
    return store.history().search(query.withLimit(LIMIT));
  }

  @Benchmark
  public List<HistoryMessage> searchBySender() throws StoreException {
    return search(HistoryQuery.all().withSender(senderAt(any(SENDERS))));
  }

  @Benchmark
  public List<HistoryMessage> searchByBulkSender() throws StoreException {
    return search(HistoryQuery.all().withSender(BULK_SENDER));
  }

  @Benchmark
  public List<HistoryMessage> searchByRecipient() throws StoreException {
    return search(HistoryQuery.all().withRecipient(recipientAt(any(RECIPIENTS))));
  }

  @Benchmark
  public List<HistoryMessage> searchByBusyRecipient() throws StoreException {
    return search(HistoryQuery.all().withRecipient(BUSY_RECIPIENT));
  }

  @Benchmark
  public List<HistoryMessage> searchByMessageId() throws StoreException {
    String messageId = messageIds[any(messageIds.length)];
    return search(HistoryQuery.all().withMessageId(messageId.substring(1, messageId.length() - 1)));
  }

  @Benchmark
  public List<HistoryMessage> searchByStatusSince() throws StoreException {
    return search(HistoryQuery.all().withStatus(AttemptOutcome.FAILED).withSince(END.minus(Duration.ofDays(1))));
  }

  @Benchmark
  public List<HistoryMessage> searchByRareStatus() throws StoreException {
    return search(HistoryQuery.all().withStatus(AttemptOutcome.EXPIRED));
  }

  /** The bulk sender's newest 100 expired: ~2 % of its messages match, so ~5,000 are read. */
  @Benchmark
  public List<HistoryMessage> searchByBulkSenderAndRareStatus() throws StoreException {
    return search(HistoryQuery.all().withSender(BULK_SENDER).withStatus(AttemptOutcome.EXPIRED));
  }

  /** The worst case of the plan: none of the bulk sender's 50,000 messages matches, all are read. */
  @Benchmark
  public List<HistoryMessage> searchByBulkSenderNoMatch() throws StoreException {
    return search(HistoryQuery.all().withSender(BULK_SENDER).withStatus(AttemptOutcome.RETURNED));
  }

  @Benchmark
  public List<HistoryMessage> searchNewest() throws StoreException {
    return search(HistoryQuery.all());
  }

  @Benchmark
  public HistoryRecord show() throws StoreException {
    return store.history().show(ids[any(ids.length)]).orElseThrow();
  }
}
