package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.store.NewMessage;
import dev.hikyaku.store.NewRecipient;
import dev.hikyaku.store.Origin;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.RecipientOutcome;
import dev.hikyaku.store.Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hikyaku queue list|hold|release|flush|delete} on a real queue. */
class QueueCommandTest {

  @TempDir Path data;

  private QueueId enqueue(Store store, SplittableRandom random) throws Exception {
    return enqueue(store, random, "bob@example.net");
  }

  private QueueId enqueue(Store store, SplittableRandom random, String recipient) throws Exception {
    QueueId id = QueueId.generate(Clock.systemUTC(), random);
    store.queue().accept(new NewMessage(id, Instant.now(), "alice@example.com", "",
        List.of(new NewRecipient(recipient, "")), new Origin("submission", "127.0.0.1", "client", null, null, "alice@example.com"),
        "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)));
    return id;
  }

  @Test
  void holdReleaseFlushDeleteAndFilters() throws Exception {
    QueueId first;
    QueueId second;
    SplittableRandom random = new SplittableRandom(11);
    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      first = enqueue(store, random);
      second = enqueue(store, random);
      // The first one was tried and deferred for an hour.
      store.queue().record(first, List.of(RecipientOutcome.deferred("bob@example.net", "451 4.4.1 try later", Instant.now(),
          Instant.now().plus(Duration.ofHours(1)))));
    }
    Path config = data.resolve("hikyaku.yaml");
    Files.writeString(config, "hostname: mx.example.com\ndata-directory: " + data + "\n");
    String c = config.toString();

    assertThat(AdminCommandLine.run("", "queue", "hold", second.value(), "--config", c).out()).contains("held");
    assertThat(AdminCommandLine.run("", "queue", "list", "--state", "held", "--config", c).out())
        .contains(second.value()).doesNotContain(first.value()).contains("1 message(s)")
        .containsPattern("  held     <alice@example\\.com>");
    assertThat(AdminCommandLine.run("", "queue", "show", second.value(), "--config", c).out()).contains("state:       held\n");
    assertThat(AdminCommandLine.run("", "queue", "release", second.value(), "--config", c).out()).contains("released");
    assertThat(AdminCommandLine.run("", "queue", "list", "--older-than", "1h", "--config", c).out()).contains("0 message(s)");
    assertThat(AdminCommandLine.run("", "queue", "list", "--older-than", "soon", "--config", c).err()).contains("not a duration: 'soon'");
    // Bad values are one-line errors, not stack traces.
    assertThat(AdminCommandLine.run("", "queue", "list", "--older-than", "99999999999999999999d", "--config", c).err())
        .startsWith("hikyaku: not a duration: '99999999999999999999d'");
    assertThat(AdminCommandLine.run("", "queue", "list", "--older-than", "999999999999d", "--config", c).err())
        .startsWith("hikyaku: --older-than 999999999999d reaches before");
    assertThat(AdminCommandLine.run("", "queue", "list", "--state", "lost", "--config", c).err())
        .startsWith("hikyaku: --state must be one of [held, queued, returning], was 'lost'");

    // With the server stopped, the flush is a request that its scheduler applies when it starts.
    assertThat(AdminCommandLine.run("", "queue", "flush", "--config", c).out())
        .contains("1 deferred recipient(s) to be made due: flush requested");
    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      assertThat(store.queue().due(Instant.now(), 10)).extracting(d -> d.id()).containsExactly(second);
      assertThat(store.queue().applyFlush()).isTrue();
      assertThat(store.queue().due(Instant.now(), 10)).extracting(d -> d.id()).contains(first, second);
      assertThat(store.queue().nextDue()).isEqualTo(Optional.of(Instant.EPOCH));
    }

    assertThat(AdminCommandLine.run("", "queue", "delete", first.value(), "--config", c).out()).contains("deleted");
    assertThat(AdminCommandLine.run("", "queue", "show", first.value(), "--config", c).err()).contains("no message " + first.value());
    assertThat(AdminCommandLine.run("", "queue", "delete", first.value(), "--config", c).exitCode()).isEqualTo(2);
    assertThat(AdminCommandLine.run("", "queue", "hold", "nonsense", "--config", c).err()).contains("not a queue id: 'nonsense'");
  }

  @Test
  void flushByDomainMovesOnlyThatDestinationAndBounceReturnsAMessage() throws Exception {
    SplittableRandom random = new SplittableRandom(12);
    QueueId toNet;
    QueueId toOrg;
    Instant later = Instant.now().plus(Duration.ofHours(1));
    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      toNet = enqueue(store, random, "bob@Example.NET");
      toOrg = enqueue(store, random, "carol@example.org");
      store.queue().record(toNet, List.of(RecipientOutcome.deferred("bob@Example.NET", "451 4.4.1 later", Instant.now(), later)));
      store.queue().record(toOrg, List.of(RecipientOutcome.deferred("carol@example.org", "451 4.4.1 later", Instant.now(), later)));
    }
    Path config = data.resolve("hikyaku.yaml");
    Files.writeString(config, "hostname: mx.example.com\ndata-directory: " + data + "\n");
    String c = config.toString();

    assertThat(AdminCommandLine.run("", "queue", "flush", "--domain", "example.net", "--config", c).out())
        .contains("1 deferred recipient(s) at example.net to be made due: flush requested");
    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      assertThat(store.queue().due(Instant.now(), 10)).isEmpty();
      assertThat(store.queue().applyFlush()).isTrue();
      assertThat(store.queue().due(Instant.now(), 10)).extracting(d -> d.id()).containsExactly(toNet);
    }
    assertThat(AdminCommandLine.run("", "queue", "flush", "--domain", "example.net", "--config", c).out())
        .contains("no deferred recipient at example.net waiting: nothing to flush");
    assertThat(AdminCommandLine.run("", "queue", "flush", toNet.value(), "--config", c).out())
        .contains("1 deferred recipient(s) due now");
    // An id not in the queue is said so, not flushed as "0 recipients".
    AdminCommandLine.Result unknown = AdminCommandLine.run("", "queue", "flush", "06H0C04DC7QEW2FP", "--config", c);
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("no message 06H0C04DC7QEW2FP in the queue");
    assertThat(AdminCommandLine.run("", "queue", "flush", "--domain", "bad..name", "--config", c).err()).contains("--domain bad..name:");
    assertThat(AdminCommandLine.run("", "queue", "flush", toNet.value(), "--domain", "example.net", "--config", c).err())
        .contains("not both");

    assertThat(AdminCommandLine.run("", "queue", "bounce", toOrg.value(), "--config", c).out()).contains("returning to its sender");
    assertThat(AdminCommandLine.run("", "queue", "list", "--state", "returning", "--config", c).out())
        .contains(toOrg.value()).contains("1 message(s)");
    // A return is not undone by release or hold.
    assertThat(AdminCommandLine.run("", "queue", "release", toOrg.value(), "--config", c).err())
        .contains("message " + toOrg.value() + " is returning, not held");
    assertThat(AdminCommandLine.run("", "queue", "hold", toOrg.value(), "--config", c).err()).contains("is returning, not queued");
    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      assertThat(store.queue().due(Instant.now(), 10)).filteredOn(d -> d.isReturning()).extracting(d -> d.id()).containsExactly(toOrg);
      assertThat(store.adminChanges().takeUnpublished()).extracting(change -> change.command()).contains("queue bounce", "queue flush");
    }
    assertThat(AdminCommandLine.run("", "queue", "bounce", "0123456789ABCDEF", "--config", c).exitCode()).isEqualTo(2);
  }

  @Test
  void errorLinesShowControlCharactersEscaped() {
    // PROBE.md §7: `queue show $'\x1b[2J'` cleared the terminal of whoever read the error.
    AdminCommandLine.Result show = AdminCommandLine.run("", "queue", "show", "\u001b[2J\r\n\u007f\u009b1m");
    assertThat(show.exitCode()).isEqualTo(2);
    assertThat(show.err())
        .isEqualTo("hikyaku: not a queue id: '\\x1b[2J\\x0d\\x0a\\x7f\\x9b1m' (16 characters, as printed by queue list)\n");

    // picocli's own refusals (unknown option) quote the argument too.
    AdminCommandLine.Result option = AdminCommandLine.run("", "queue", "list", "--\u001b]0;owned\u0007");
    assertThat(option.exitCode()).isEqualTo(2);
    assertThat(option.err()).startsWith("hikyaku: ").contains("--\\x1b]0;owned\\x07").doesNotContain("\u001b", "\u0007");
  }
}
