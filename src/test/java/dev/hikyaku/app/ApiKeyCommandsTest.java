package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.store.AdminChange;
import dev.hikyaku.store.ApiKey;
import dev.hikyaku.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hikyaku api-key add|list|revoke}, run in process against a real store. */
class ApiKeyCommandsTest {

  private static final String GOOD = "a pass phrase long enough for any policy 7";
  private static final Pattern KEY = Pattern.compile("(?m)^(hk_[0-9a-z]{32})$");

  @TempDir Path data;
  private Path config;

  @BeforeEach
  void setUp() throws Exception {
    config = data.resolve("hikyaku.yaml");
    Files.writeString(config, "hostname: mx.hikyaku.test\ndata-directory: " + data + "\n");
    run("", "domain", "add", "a.example");
    run(GOOD + "\n", "user", "add", "app@a.example", "--password-stdin");
    run("", "user", "senders", "app@a.example", "--add", "@a.example");
  }

  private AdminCommandLine.Result run(String stdin, String... args) {
    String[] withConfig = java.util.Arrays.copyOf(args, args.length + 2);
    withConfig[args.length] = "--config";
    withConfig[args.length + 1] = config.toString();
    return AdminCommandLine.run(stdin, withConfig);
  }

  private static void assertRefused(AdminCommandLine.Result result, String message) {
    assertThat(result.exitCode()).as(result.describe()).isEqualTo(2);
    assertThat(result.err()).as(result.describe()).startsWith("hikyaku: ").contains(message).doesNotContain("Exception");
    assertThat(result.err().lines()).hasSize(1);
  }

  @Test
  void aKeyIsShownOnceStoredAsAKeyedHashListedAndRevoked() throws Exception {
    AdminCommandLine.Result added = run("", "api-key", "add", "App@A.example", "billing",
        "--scope", "send,read", "--sender", "@a.example", "--allow", "192.0.2.0/24", "--allow", "2001:db8::/32");
    assertThat(added.exitCode()).as(added.describe()).isZero();
    Matcher key = KEY.matcher(added.out());
    assertThat(key.find()).as(added.out()).isTrue();

    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      ApiKey stored = store.apiKeys().list(Optional.empty()).getFirst();
      assertThat(stored.account()).isEqualTo("app@a.example");
      assertThat(stored.scopes()).containsExactlyInAnyOrder(ApiKey.Scope.SEND, ApiKey.Scope.READ);
      assertThat(stored.keyedHash()).isEqualTo(GeneratedSecrets.keyedHash(store.serverSecret().value(), key.group(1)));
      List<AdminChange> changes = store.adminChanges().takeUnpublished();
      assertThat(changes).extracting(AdminChange::command).contains("api-key add");
      AdminChange change = changes.stream().filter(c -> c.command().equals("api-key add")).findFirst().orElseThrow();
      assertThat(change.subject()).isEqualTo("app@a.example");
      assertThat(change.detail())
          .isEqualTo("billing scopes=send,read senders=@a.example allow=192.0.2.0/24,2001:db8::/32")
          .doesNotContain(key.group(1)).doesNotContain(stored.keyedHash());
    }

    AdminCommandLine.Result listed = run("", "api-key", "list");
    assertThat(listed.out()).contains("billing").contains("app@a.example").contains("send,read").contains("active")
        .contains("senders: @a.example").contains("allow:   192.0.2.0/24").doesNotContain(key.group(1));
    assertThat(run("", "api-key", "list", "app@a.example").out()).contains("billing");

    assertThat(run("", "api-key", "revoke", "billing").out()).contains("API key 'billing' of app@a.example revoked");
    assertThat(run("", "api-key", "list").out()).contains("revoked");
    assertRefused(run("", "api-key", "revoke", "billing"), "no active API key named \"billing\"");
  }

  @Test
  void aKeysRateAndDailyQuotaAreStoredListedAndAudited() throws Exception {
    AdminCommandLine.Result added = run("", "api-key", "add", "app@a.example", "newsletter", "--scope", "send",
        "--messages-per-minute", "30", "--daily-quota", "5000");
    assertThat(added.exitCode()).as(added.describe()).isZero();
    assertThat(run("", "api-key", "add", "app@a.example", "daily", "--scope", "send", "--daily-quota", " 7 ").exitCode())
        .isZero();
    assertThat(run("", "api-key", "add", "app@a.example", "free", "--scope", "send").exitCode()).isZero();

    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      assertThat(store.apiKeys().list(Optional.empty())).extracting(ApiKey::limits).containsExactly(
          new ApiKey.Limits(OptionalInt.of(30), OptionalInt.of(5000)),
          new ApiKey.Limits(OptionalInt.empty(), OptionalInt.of(7)),
          ApiKey.Limits.NONE);
      assertThat(store.adminChanges().takeUnpublished()).filteredOn(c -> c.command().equals("api-key add"))
          .extracting(AdminChange::detail)
          .contains("newsletter scopes=send messages-per-minute=30 daily-quota=5000", "daily scopes=send daily-quota=7",
              "free scopes=send");
    }

    String listed = run("", "api-key", "list").out();
    assertThat(listed).contains("  limits:  messages-per-minute=30 daily-quota=5000", "  limits:  daily-quota=7");
    assertThat(listed.lines().filter(l -> l.contains("limits:"))).hasSize(2);
  }

  @Test
  void refusalsAreOneLineWithExitCode2() {
    run("", "api-key", "add", "app@a.example", "taken", "--scope", "send");
    assertRefused(run("", "api-key", "add", "app@a.example", "taken", "--scope", "read"), "already exists");
    assertRefused(run("", "api-key", "add", "app@a.example", "bad name!", "--scope", "send"), "API key names are");
    assertRefused(run("", "api-key", "add", "nobody@a.example", "k1", "--scope", "send"), "account nobody@a.example not found");
    assertRefused(run("", "api-key", "add", "app@a.example", "k2", "--scope", "send,fly"), "not a scope: 'fly'");
    assertRefused(run("", "api-key", "add", "app@a.example", "k3", "--scope", "send", "--allow", "example.com"), "not a network: 'example.com'");
    assertRefused(run("", "api-key", "add", "app@a.example", "k4", "--scope", "send", "--sender", "@b.example"),
        "account app@a.example may not send as @b.example");
    assertRefused(run("", "api-key", "add", "app@a.example", "k5", "--scope", "send", "--sender", "not a sender"), "not a sender");
    assertRefused(run("", "api-key", "revoke", "never-made"), "no active API key named \"never-made\"");
    assertRefused(run("", "api-key", "list", "nobody@a.example"), "account nobody@a.example not found");
    assertRefused(run("", "api-key", "add", "app@a.example", "k6"), "--scope is required");
    assertRefused(run("", "api-key", "add", "app@a.example", "k7", "--scope", "send", "--messages-per-minute", "0"),
        "--messages-per-minute takes a whole number of messages, at least 1, was '0'");
    assertRefused(run("", "api-key", "add", "app@a.example", "k8", "--scope", "send", "--daily-quota", "ten"),
        "--daily-quota takes a whole number of messages, at least 1, was 'ten'");
    assertRefused(run("", "api-key", "add", "app@a.example", "k9", "--scope", "send", "--daily-quota", "99999999999"),
        "--daily-quota takes a whole number of messages, at least 1, was '99999999999'");
  }
}
