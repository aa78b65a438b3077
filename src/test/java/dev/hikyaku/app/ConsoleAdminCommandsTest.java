package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.io.BaseEncoding;
import dev.hikyaku.auth.Totp;
import dev.hikyaku.store.AdminChange;
import dev.hikyaku.store.ConsoleAdmin;
import dev.hikyaku.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hikyaku admin}: an account made a console admin gets a TOTP secret shown once, as an
 * otpauth URI an authenticator app reads, whose codes the store's secret confirms; list and remove.
 */
class ConsoleAdminCommandsTest {

  private static final Pattern URI = Pattern.compile(
      "otpauth://totp/Hikyaku%20mx\\.hikyaku\\.test:alice%40example\\.com\\?secret=([A-Z2-7]{32})"
          + "&issuer=Hikyaku%20mx\\.hikyaku\\.test&algorithm=SHA1&digits=6&period=30");

  @TempDir Path data;
  private Path config;

  @BeforeEach
  void writeConfig() throws Exception {
    config = data.resolve("hikyaku.yaml");
    Files.writeString(config, "hostname: mx.hikyaku.test\ndata-directory: " + data + "\n");
    assertThat(run("", "domain", "add", "example.com").exitCode()).isZero();
    assertThat(run("a pass phrase long enough for any policy 7\n", "user", "add", "alice@example.com", "--password-stdin")
        .exitCode()).isZero();
  }

  private AdminCommandLine.Result run(String stdin, String... args) {
    String[] withConfig = Arrays.copyOf(args, args.length + 2);
    withConfig[args.length] = "--config";
    withConfig[args.length + 1] = config.toString();
    return AdminCommandLine.run(stdin, withConfig);
  }

  @Test
  void theSecretIsShownOnceAsAnOtpauthUriWhoseCodesTheServerTakes() throws Exception {
    AdminCommandLine.Result added = run("", "admin", "add", "Alice@Example.com");
    assertThat(added.exitCode()).as(added.describe()).isZero();
    Matcher uri = URI.matcher(added.out());
    assertThat(uri.find()).as(added.out()).isTrue();
    assertThat(added.out()).contains("secret: " + uri.group(1));
    byte[] shown = BaseEncoding.base32().decode(uri.group(1));
    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      ConsoleAdmin stored = store.consoleAdmins().find("alice@example.com").orElseThrow();
      Instant now = Instant.now();
      // What the app computes from the URI is what the server checks against the stored secret.
      String code = Totp.standard().code(shown, Totp.stepOf(now));
      assertThat(Totp.standard().matchingStep(stored.totpSecret(), code, now)).hasValue(Totp.stepOf(now));
      List<AdminChange> changes = store.adminChanges().takeUnpublished();
      assertThat(changes).anySatisfy(change -> {
        assertThat(change.command()).isEqualTo("admin add");
        assertThat(change.subject()).isEqualTo("alice@example.com");
        assertThat(change.detail()).doesNotContain(uri.group(1));
      });
    }

    AdminCommandLine.Result again = run("", "admin", "add", "alice@example.com");
    assertThat(again.exitCode()).isEqualTo(2);
    assertThat(again.err()).contains("is a console admin already").doesNotContain("otpauth");
    AdminCommandLine.Result listed = run("", "admin", "list");
    assertThat(listed.out()).contains("alice@example.com").contains("not yet").doesNotContain(uri.group(1));
    assertThat(run("", "admin", "list", "--json").out()).contains("\"account\":\"alice@example.com\"").contains("\"signed_in\":false");

    assertThat(run("", "admin", "remove", "alice@example.com").out()).contains("may no longer sign in");
    assertThat(run("", "admin", "remove", "alice@example.com").err()).contains("is not a console admin");
    assertThat(run("", "admin", "add", "nobody@example.com").err()).contains("account nobody@example.com not found");
  }
}
