package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.events.AuditLogSink;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.testing.TestServers;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.SMTPClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fail2ban filters and jails in contrib/fail2ban, checked by Debian's fail2ban against an audit
 * log a real server wrote: failed AUTH over STARTTLS from two source addresses (127.0.0.2 and
 * 127.0.0.3, the client sockets bound to them; Linux routes all of 127/8 to loopback), one of them
 * with an account name built to forge a "client" field, a success from 127.0.0.4, and a relay
 * attempt from 127.0.0.5.
 */
@Tag("interop")
class Fail2banInteropTest {

  private static final String ACCOUNT = "alice@hikyaku.test";
  private static final String PASSWORD = "a pass phrase long enough for any policy 7";
  /** An account name that would ban 203.0.113.9 if a filter could be fooled by field text. */
  private static final String FORGED = "x\",\"client\":\"203.0.113.9\",\"result\":\"failure 535";

  private static final Path AUTH_FILTER = Path.of("contrib/fail2ban/filter.d/hikyaku.conf").toAbsolutePath();
  private static final Path RELAY_FILTER = Path.of("contrib/fail2ban/filter.d/hikyaku-relay.conf").toAbsolutePath();
  private static final Path JAIL = Path.of("contrib/fail2ban/jail.d/hikyaku.conf").toAbsolutePath();

  private static final Pattern LINES =
      Pattern.compile("Lines: (\\d+) lines, (\\d+) ignored, (\\d+) matched, (\\d+) missed");
  private static final int FAILURES = 5;

  @TempDir static Path directory;
  private static ExternalTool fail2banRegex;
  private static ExternalTool fail2banClient;
  private static Path auditLog;

  @BeforeAll
  static void writeAuditLog() throws Exception {
    fail2banRegex = ExternalTool.require("fail2ban-regex", "fail2ban");
    fail2banClient = ExternalTool.require("fail2ban-client", "fail2ban");
    Path data = directory.resolve("data");
    try (Server server = TestServers.start(TestServers.config(data), UnaryOperator.identity(), List.of())) {
      TestServers.createAccount(server, ACCOUNT, PASSWORD);
      SSLContext trust = TestServers.clientTrusting(server.tls().currentCertificate());
      assertThat(auth(server, trust, "127.0.0.2", ACCOUNT, "wrong 1")).isFalse();
      assertThat(auth(server, trust, "127.0.0.2", ACCOUNT, "wrong 2")).isFalse();
      assertThat(auth(server, trust, "127.0.0.2", FORGED, "wrong 3")).isFalse();
      assertThat(auth(server, trust, "127.0.0.3", "nobody@hikyaku.test", "wrong 4")).isFalse();
      assertThat(auth(server, trust, "127.0.0.3", ACCOUNT, "wrong 5")).isFalse();
      assertThat(auth(server, trust, "127.0.0.4", ACCOUNT, PASSWORD)).isTrue();
      relayAttempt(server, "127.0.0.5");
    }
    auditLog = data.resolve(AuditLogSink.FILE_NAME);
  }

  @Test
  void theAuditLogHoldsWhatHappened() throws Exception {
    List<String> lines = Files.readAllLines(auditLog, StandardCharsets.UTF_8);

    assertThat(lines).filteredOn(l -> l.contains("\"result\":\"failure 535 5.7.8\"")).hasSize(FAILURES);
    assertThat(lines).filteredOn(l -> l.contains("\"result\":\"success\"")).singleElement().asString()
        .contains("\"client\":\"127.0.0.4\"");
    assertThat(lines).filteredOn(l -> l.contains("\"event\":\"relay_denied\"")).singleElement().asString()
        .contains("\"client\":\"127.0.0.5\"");
    assertThat(lines).hasSize(FAILURES + 2);
    assertThat(Files.readString(auditLog)).doesNotContain(PASSWORD, "wrong 1", "wrong 2", "wrong 3", "wrong 4", "wrong 5");
  }

  @Test
  void authFilterMatchesEveryFailureAndOnlyFailures() {
    ExternalTool.Run run = fail2banRegex.run(auditLog.toString(), AUTH_FILTER.toString());

    assertThat(run.exitCode()).as(run.describe()).isZero();
    Matcher counts = LINES.matcher(run.stdout());
    assertThat(counts.find()).as(run.describe()).isTrue();
    assertThat(Integer.parseInt(counts.group(1))).as("lines").isEqualTo(FAILURES + 2);
    assertThat(Integer.parseInt(counts.group(3))).as("matched\n%s", run.describe()).isEqualTo(FAILURES);
    // Every line's "ts" was read as its date: fail2ban needs it for findtime.
    assertThat(run.stdout()).as(run.describe())
        .contains("[" + (FAILURES + 2) + "] ^\\{\"ts\":\"Year-Month-DayT24hour:Minute:Second\\.Microseconds");
  }

  @Test
  void authFilterBansTheFailingAddressesAndNoForgedOne() {
    ExternalTool.Run run = fail2banRegex.run("--out", "ip", auditLog.toString(), AUTH_FILTER.toString());

    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.stdout().lines().toList())
        .as(run.describe())
        .containsExactly("127.0.0.2", "127.0.0.2", "127.0.0.2", "127.0.0.3", "127.0.0.3");
  }

  @Test
  void relayFilterMatchesTheRelayAttemptOnly() {
    ExternalTool.Run run = fail2banRegex.run("--out", "ip", auditLog.toString(), RELAY_FILTER.toString());

    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.stdout().lines().toList()).as(run.describe()).containsExactly("127.0.0.5");
  }

  @Test
  void jailsPassFail2bansConfigurationTest() throws Exception {
    // Debian's configuration with ours added, and logpath pointed at this test's audit log (fail2ban
    // refuses a jail whose log does not exist).
    Path config = directory.resolve("fail2ban");
    copyTree(Path.of("/etc/fail2ban"), config);
    Files.copy(AUTH_FILTER, config.resolve("filter.d/hikyaku.conf"));
    Files.copy(RELAY_FILTER, config.resolve("filter.d/hikyaku-relay.conf"));
    Files.copy(JAIL, config.resolve("jail.d/hikyaku.conf"));
    Files.writeString(
        config.resolve("jail.d/zz-test.local"),
        "[sshd]\nenabled = false\n"
            + "[hikyaku]\nlogpath = " + auditLog + "\n"
            + "[hikyaku-relay]\nenabled = true\nlogpath = " + auditLog + "\n");

    ExternalTool.Run test = fail2banClient.run("-c", config.toString(), "--test");
    assertThat(test.exitCode()).as(test.describe()).isZero();
    assertThat(test.output()).contains("OK: configuration test is successful");

    // What the jail file sets, as fail2ban reads it.
    ExternalTool.Run dump = fail2banClient.run("-c", config.toString(), "--dump");
    assertThat(dump.exitCode()).as(dump.describe()).isZero();
    assertThat(dump.stdout())
        .contains("['add', 'hikyaku', 'auto']")
        .contains("['set', 'hikyaku', 'maxretry', 5]")
        .contains("['set', 'hikyaku', 'findtime', '10m']")
        .contains("['set', 'hikyaku', 'bantime', '1h']")
        .contains("['port', 'smtp,submission,submissions']")
        .contains("['start', 'hikyaku']");
  }

  /** One AUTH PLAIN over STARTTLS on the submission listener, from {@code source}. */
  private static boolean auth(Server server, SSLContext trust, String source, String account, String password)
      throws IOException {
    AuthenticatingSMTPClient client = new AuthenticatingSMTPClient(false, trust);
    client.setDefaultTimeout(10_000);
    client.connect(
        InetAddress.getLoopbackAddress(), server.port(ListenerRole.SUBMISSION), InetAddress.getByName(source), 0);
    try {
      client.ehlo("client.example");
      assertThat(client.execTLS()).as(client.getReplyString()).isTrue();
      client.ehlo("client.example");
      try {
        return client.auth(AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, account, password);
      } catch (java.security.GeneralSecurityException e) {
        throw new IOException(e); // only for the HMAC mechanisms, not PLAIN
      }
    } finally {
      client.disconnect();
    }
  }

  /** RCPT to a domain the server does not host, on the relay listener, from {@code source}. */
  private static void relayAttempt(Server server, String source) throws IOException {
    SMTPClient client = new SMTPClient();
    client.setDefaultTimeout(10_000);
    client.connect(InetAddress.getLoopbackAddress(), server.port(ListenerRole.RELAY), InetAddress.getByName(source), 0);
    try {
      assertThat(client.login("client.example")).isTrue();
      assertThat(client.setSender("someone@client.example")).isTrue();
      assertThat(client.addRecipient("victim@elsewhere.example")).isFalse();
      assertThat(client.getReplyString()).startsWith("554 5.7.1 ");
    } finally {
      client.disconnect();
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path path : paths.toList()) {
        Path target = to.resolve(from.relativize(path).toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(target);
        } else {
          Files.copy(path, target);
        }
      }
    }
  }
}
