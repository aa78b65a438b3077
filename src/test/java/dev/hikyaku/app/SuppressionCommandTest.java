package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.store.AdminChange;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.Suppression;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hikyaku suppression list|add|remove} (issue 12 item 6). */
class SuppressionCommandTest {

  @TempDir Path data;
  private String config;

  @BeforeEach
  void writeConfig() throws Exception {
    config = Files.writeString(data.resolve("hikyaku.yaml"), "hostname: mx.example.com\ndata-directory: " + data + "\n").toString();
  }

  private AdminCommandLine.Result run(String... arguments) {
    String[] all = new String[arguments.length + 2];
    System.arraycopy(arguments, 0, all, 0, arguments.length);
    all[arguments.length] = "--config";
    all[arguments.length + 1] = config;
    return AdminCommandLine.run("", all);
  }

  @Test
  void addListRemoveAreRecordedAsAdminChanges() throws Exception {
    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      store.suppressions().add(Suppression.hardBounce("example.com", "gone@example.net", "5.1.1",
          "smtp; 550 5.1.1 no such user\u001b[2J", QueueId.parse("06EY5H1AG2FDX7AG").orElseThrow(),
          Instant.parse("2026-05-01T09:00:00.250Z")));
    }
    AdminCommandLine.Result added = run("suppression", "add", "Example.COM", "Someone@Example.net");
    assertThat(added.exitCode()).as(added.describe()).isZero();
    assertThat(added.out()).isEqualTo("<Someone@Example.net> suppressed for mail from example.com\n");

    AdminCommandLine.Result listed = run("suppression", "list");
    assertThat(listed.exitCode()).as(listed.describe()).isZero();
    assertThat(listed.out()).contains("<gone@example.net>", "hard-bounce", "2026-05-01T09:00:00Z",
            "5.1.1 smtp; 550 5.1.1 no such user", "(message 06EY5H1AG2FDX7AG)", "<Someone@Example.net>", "manual",
            "2 suppression(s)")
        .doesNotContain("\u001b"); // a remote server's text is shown escaped
    assertThat(run("suppression", "list", "--recipient", "GONE@example.net").out())
        .contains("<gone@example.net>", "1 suppression(s)").doesNotContain("Someone");
    assertThat(run("suppression", "list", "--domain", "other.example").out()).isEqualTo("0 suppression(s)\n");

    AdminCommandLine.Result removed = run("suppression", "remove", "example.com", "someone@example.net");
    assertThat(removed.exitCode()).as(removed.describe()).isZero();
    assertThat(removed.out()).contains("no longer suppressed for mail from example.com");

    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      assertThat(store.suppressions().list(Optional.empty(), Optional.empty()))
          .extracting(Suppression::recipient).containsExactly("gone@example.net");
      assertThat(store.adminChanges().takeUnpublished())
          .extracting(AdminChange::command, AdminChange::subject, AdminChange::detail)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("suppression add", "Someone@Example.net", "for example.com"),
              org.assertj.core.groups.Tuple.tuple("suppression remove", "someone@example.net", "for example.com"));
    }
  }

  @Test
  void mistakesAreOneLineAndExitTwo() {
    assertThat(run("suppression", "add", "example.com", "x@example.net").exitCode()).isZero();
    AdminCommandLine.Result twice = run("suppression", "add", "example.com", "X@example.net");
    assertThat(twice.exitCode()).isEqualTo(2);
    assertThat(twice.err()).startsWith("hikyaku: ")
        .contains("<x@example.net> is already suppressed for example.com since ", "(manual)")
        .hasLineCount(1);

    AdminCommandLine.Result missing = run("suppression", "remove", "example.com", "nobody@example.net");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).startsWith("hikyaku: ").contains("<nobody@example.net> is not suppressed for example.com").hasLineCount(1);

    AdminCommandLine.Result badAddress = run("suppression", "add", "example.com", "not an address");
    assertThat(badAddress.exitCode()).isEqualTo(2);
    assertThat(badAddress.err()).isEqualTo("hikyaku: not an address: 'not an address'\n");

    AdminCommandLine.Result badDomain = run("suppression", "list", "--domain", "not a domain");
    assertThat(badDomain.exitCode()).isEqualTo(2);
    assertThat(badDomain.err()).startsWith("hikyaku: not a domain name").hasLineCount(1);
  }
}
