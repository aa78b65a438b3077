package dev.hikyaku.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The event outbox's entries for one delivery attempt (issue 15 point 3: {@code FeedEntries.attempts}
 * was 2.2 % of submission CPU). In the store's package because {@link FeedEntries} is package-private.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FeedEntriesBenchmark {

  private List<AttemptRecord> attempts;

  @Setup
  public void build() {
    Instant at = Instant.parse("2026-12-07T04:00:00Z");
    QueueId id = QueueId.generate(Clock.systemUTC(), new Random(1));
    attempts = List.of(new AttemptRecord(id, "bob@example.net", 1, at, AttemptOutcome.DELIVERED, "2.0.0",
        "smtp; 250 2.0.0 Ok: queued as 4XyZ1", Optional.of("mx.example.net[192.0.2.1]:25"), Optional.of("TLSv1.3"),
        Optional.of("TLS_AES_256_GCM_SHA384"), Duration.ofMillis(310), Optional.empty(), AttemptRecord.Source.SMTP));
  }

  @Benchmark
  public List<NewMessageEvent> oneAttempt() {
    return FeedEntries.attempts(attempts);
  }
}
