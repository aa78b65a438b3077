package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.store.AcceptedHeaders;
import dev.hikyaku.store.AttemptOutcome;
import dev.hikyaku.store.AttemptRecord;
import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hikyaku history search|show} on a real store. */
class HistoryCommandTest {

  @TempDir Path data;

  private final SplittableRandom random = new SplittableRandom(21);
  private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
  private String config;
  private QueueId delivered;
  private QueueId bounced;
  private QueueId fresh;

  private QueueId accept(Store store, Instant at, String sender, AcceptedHeaders headers, String... recipients)
      throws Exception {
    QueueId id = QueueId.generate(Clock.fixed(at, ZoneOffset.UTC), random);
    store.queue().accept(new NewMessage(id, at, sender, "",
        Arrays.stream(recipients).map(r -> new NewRecipient(r, "")).toList(),
        new Origin("submission", "127.0.0.1", "client", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "alice@example.com"),
        "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII), headers));
    return id;
  }

  private static AttemptRecord attempt(QueueId id, String recipient, int number, Instant receivedAt, Instant at,
      AttemptOutcome outcome, String status, String diagnostic) {
    return new AttemptRecord(id, recipient, number, at, outcome, status, diagnostic,
        Optional.of("mx.example.net[192.0.2.1]:25"), Optional.of("TLSv1.3"), Optional.of("TLS_AES_256_GCM_SHA384"),
        Duration.between(receivedAt, at),
        outcome == AttemptOutcome.DEFERRED ? Optional.of(at.plusSeconds(300)) : Optional.empty());
  }

  @BeforeEach
  void fill() throws Exception {
    Instant threeHoursAgo = now.minus(Duration.ofHours(3));
    Instant oneHourAgo = now.minus(Duration.ofHours(1));
    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      delivered = accept(store, threeHoursAgo, "alice@example.com",
          new AcceptedHeaders(Optional.of("<q3@example.com>"), Optional.of("Quarterly report"), Optional.of("Alice <alice@example.com>")),
          "bob@example.net", "carol@example.org");
      bounced = accept(store, oneHourAgo, "alice@example.com",
          // A sender can put any control character in a Subject: it must reach no terminal raw.
          new AcceptedHeaders(Optional.of("<x@example.com>"), Optional.of("\u001b[2Jcleared"), Optional.empty()),
          "nobody@example.net");
      fresh = accept(store, now, "dave@example.com", AcceptedHeaders.NONE, "bob@example.net");
      store.history().record(List.of(
          attempt(delivered, "bob@example.net", 1, threeHoursAgo, threeHoursAgo.plusSeconds(2), AttemptOutcome.DEFERRED,
              "4.4.1", "smtp; 451 4.4.1 try later"),
          attempt(delivered, "carol@example.org", 1, threeHoursAgo, threeHoursAgo.plusSeconds(2), AttemptOutcome.DELIVERED,
              "2.0.0", "smtp; 250 2.0.0 Ok: queued as ABC"),
          attempt(delivered, "bob@example.net", 2, threeHoursAgo, threeHoursAgo.plusSeconds(302), AttemptOutcome.RELAYED,
              "2.0.0", "smtp; 250 2.0.0 Ok"),
          attempt(bounced, "nobody@example.net", 1, oneHourAgo, oneHourAgo.plusSeconds(1), AttemptOutcome.FAILED,
              "5.1.1", "smtp; 550 5.1.1 <nobody@example.net>: no such user\u001b]0;owned\u0007")));
    }
    Path file = data.resolve("hikyaku.yaml");
    Files.writeString(file, "hostname: mx.example.com\ndata-directory: " + data + "\n");
    config = file.toString();
  }

  private AdminCommandLine.Result run(String... arguments) {
    String[] withConfig = Arrays.copyOf(arguments, arguments.length + 2);
    withConfig[arguments.length] = "--config";
    withConfig[arguments.length + 1] = config;
    return AdminCommandLine.run("", withConfig);
  }

  @Test
  void searchPrintsOneLinePerMessageNewestFirstWithEachRecipientsLatestStatus() {
    AdminCommandLine.Result all = run("history", "search");
    assertThat(all.exitCode()).as(all.describe()).isZero();
    List<String> lines = all.out().lines().toList();
    assertThat(lines.get(0)).startsWith("ID").contains("RECIPIENTS (LATEST STATUS)");
    assertThat(lines.get(1)).startsWith(fresh.value()).contains("<dave@example.com>", "bob@example.net pending");
    assertThat(lines.get(2)).startsWith(bounced.value()).contains("nobody@example.net failed");
    assertThat(lines.get(3)).startsWith(delivered.value())
        .contains("<alice@example.com>", "bob@example.net relayed, carol@example.org delivered");
    assertThat(lines.get(4)).isEqualTo("3 message(s)");

    assertThat(run("history", "search", "--sender", "ALICE@example.com").out())
        .contains(delivered.value(), bounced.value()).doesNotContain(fresh.value());
    assertThat(run("history", "search", "--recipient", "bob@example.net").out())
        .contains(delivered.value(), fresh.value()).doesNotContain(bounced.value());
    assertThat(run("history", "search", "--message-id", "q3@example.com").out())
        .contains(delivered.value()).contains("1 message(s)");
    assertThat(run("history", "search", "--status", "failed").out()).contains(bounced.value()).contains("1 message(s)");
    assertThat(run("history", "search", "--since", "2h").out())
        .contains(bounced.value(), fresh.value()).doesNotContain(delivered.value());
    assertThat(run("history", "search", "--until", "30m").out())
        .contains(bounced.value(), delivered.value()).doesNotContain(fresh.value());
    String since = now.minus(Duration.ofHours(4)).toString();
    String until = now.minus(Duration.ofHours(2)).atOffset(ZoneOffset.ofHours(9)).toString(); // an offset, as typed in Tokyo
    assertThat(run("history", "search", "--since", since, "--until", until).out())
        .contains(delivered.value()).contains("1 message(s)");
    assertThat(run("history", "search", "--limit", "1").out())
        .contains(fresh.value()).contains("1 message(s) (the newest 1; narrow the search or raise --limit)");
  }

  @Test
  void showSaysWhatAReportBroughtBackAndSearchFindsComplaints() throws Exception {
    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      store.history().recordReports(List.of(new AttemptRecord(delivered, "carol@example.org", 1, now.minus(Duration.ofHours(1)),
          AttemptOutcome.COMPLAINED, "2.0.0", "arf; Feedback-Type: abuse", Optional.of("mail.example.org"), Optional.empty(),
          Optional.empty(), Duration.ofHours(2), Optional.empty(), AttemptRecord.Source.ARF)), List.of());
    }
    AdminCommandLine.Result show = run("history", "show", delivered.value());
    assertThat(show.out())
        .contains("  <carol@example.org>  complained, 2 attempt(s)\n")
        .contains("complained  2.0.0  delay 7200.0s  reported by arf\n")
        .contains("       relay mail.example.org\n")
        .contains("       arf; Feedback-Type: abuse\n");
    assertThat(run("history", "search", "--status", "complained").out()).contains(delivered.value()).contains("1 message(s)");
  }

  @Test
  void showPrintsEnvelopeHeadersAndEveryAttemptPerRecipient() {
    AdminCommandLine.Result show = run("history", "show", delivered.value());
    assertThat(show.exitCode()).as(show.describe()).isZero();
    assertThat(show.out())
        .contains("id:          " + delivered.value())
        .contains("sender:      <alice@example.com>")
        .contains("origin:      submission from 127.0.0.1, principal alice@example.com")
        .contains("message-id:  <q3@example.com>")
        .contains("subject:     Quarterly report")
        .contains("from:        Alice <alice@example.com>")
        .contains("recipients:  2")
        .contains("  <bob@example.net>  relayed, 2 attempt(s)\n")
        .contains("deferred  4.4.1  delay 2.0s  next ")
        .contains("       relay mx.example.net[192.0.2.1]:25, TLSv1.3 TLS_AES_256_GCM_SHA384\n")
        .contains("       smtp; 451 4.4.1 try later\n")
        .contains("relayed  2.0.0  delay 302.0s\n")
        .contains("  <carol@example.org>  delivered, 1 attempt(s)\n");
    assertThat(show.out().indexOf("#1 ")).isLessThan(show.out().indexOf("#2 "));

    AdminCommandLine.Result pending = run("history", "show", fresh.value().toLowerCase(java.util.Locale.ROOT));
    assertThat(pending.out()).contains("subject:     (none)").contains("  <bob@example.net>  pending, 0 attempt(s)");
  }

  @Test
  void storedControlCharactersAreShownEscaped() {
    AdminCommandLine.Result show = run("history", "show", bounced.value());
    assertThat(show.out())
        .contains("subject:     \\x1b[2Jcleared")
        .contains("no such user\\x1b]0;owned\\x07")
        .doesNotContain("\u001b", "\u0007");
  }

  @Test
  void refusalsAreOneLineAndExitTwo() {
    assertRefused(run("history", "search", "--status", "bounced"),
        "hikyaku: --status must be one of [delivered, relayed, deferred, failed, expired, returned, complained], was 'bounced'");
    assertRefused(run("history", "search", "--since", "yesterday"), "hikyaku: --since 'yesterday' is not a time (expected");
    assertRefused(run("history", "search", "--until", "2026-13-01"), "hikyaku: --until '2026-13-01' is not a time");
    assertRefused(run("history", "search", "--since", "1h", "--until", "2h"), "hikyaku: --since 1h is not before --until 2h");
    assertRefused(run("history", "search", "--since", "999999999999d"), "hikyaku: --since 999999999999d is outside any time");
    assertRefused(run("history", "search", "--limit", "0"), "hikyaku: --limit must be at least 1, was 0");
    assertRefused(run("history", "show", "nonsense"), "hikyaku: not a queue id: 'nonsense'");
    assertRefused(run("history", "show", "0123456789ABCDEF"), "hikyaku: no message 0123456789ABCDEF in the history");
  }

  private static void assertRefused(AdminCommandLine.Result result, String start) {
    assertThat(result.exitCode()).as(result.describe()).isEqualTo(2);
    assertThat(result.err()).as(result.describe()).startsWith(start).hasLineCount(1);
  }
}
