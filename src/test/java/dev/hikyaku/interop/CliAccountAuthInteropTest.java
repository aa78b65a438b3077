package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.AdminCommandLine;
import dev.hikyaku.events.Event;
import dev.hikyaku.net.ListenerRole;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The operator's path end to end: {@code hikyaku domain add} and {@code hikyaku user add
 * --password-stdin} (the real picocli command line) write the account into the data directory that
 * the config file names; a server started on the same file then accepts that password from swaks,
 * and holds the account to its own address (RFC 6409 §4.2).
 */
@Tag("interop")
class CliAccountAuthInteropTest {

  private static final String ACCOUNT = "carol@hikyaku.test";
  // Meets the default (nist) policy: 15+ characters, not a common password or a dictionary word.
  private static final String ACCOUNT_PASSWORD = "violet harbour lantern 2741 quietly";

  // swaks's documented exit code for a refused MAIL ("EXIT CODES" in swaks --help).
  private static final int MAIL_REJECTED = 23;

  @TempDir static Path directory;
  private static Path configFile;
  private static ExternalTool swaks;
  private static InteropServer server;

  @BeforeAll
  static void createTheAccountWithTheCliThenStart() throws Exception {
    swaks = ExternalTool.require("swaks", "swaks");
    TokenIssuer issuer = TokenIssuer.create(directory);
    configFile = InteropServer.writeRealAuthConfig(directory, issuer);

    AdminCommandLine.Result domain = AdminCommandLine.run("", "domain", "add", "hikyaku.test", "--config", configFile.toString());
    assertThat(domain.exitCode()).as(domain.describe()).isZero();
    AdminCommandLine.Result user =
        AdminCommandLine.run(
            ACCOUNT_PASSWORD + "\n", "user", "add", ACCOUNT, "--password-stdin", "--config", configFile.toString());
    assertThat(user.exitCode()).as(user.describe()).isZero();
    assertThat(user.out()).isEqualTo("account " + ACCOUNT + " created" + System.lineSeparator());
    assertThat(user.out() + user.err()).doesNotContain(ACCOUNT_PASSWORD);

    server = InteropServer.startFromConfigFile(configFile, directory, issuer);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** CRAM-MD5 works too: the CLI read {@code auth.cram-md5: true} from the file and enrolled its secret. */
  @ParameterizedTest
  @ValueSource(strings = {"PLAIN", "CRAM-MD5"})
  void theCliPasswordLogsInAndSendsAsTheAccount(String mechanism) throws Exception {
    String token = InteropServer.token();
    int mark = server.eventMark();

    ExternalTool.Run run = swaks(mechanism, ACCOUNT, token);

    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.output()).contains("<~  235 2.7.0 Authentication successful").contains("<~  250 2.0.0 Ok: queued as ");
    server.submittedBy(ACCOUNT, token);
    assertThat(server.onlyAuthAttemptSince(mark))
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly(mechanism, ACCOUNT, InteropServer.SUCCEEDED);
    run.assertConceals(ACCOUNT_PASSWORD);
  }

  @Test
  void sendingAsSomeoneElseIsRefusedWith553() throws Exception {
    String token = InteropServer.token();
    String someoneElse = "alice@hikyaku.test";
    int mark = server.eventMark();

    ExternalTool.Run run = swaks("PLAIN", someoneElse, token);

    assertThat(run.exitCode()).as(run.describe()).isEqualTo(MAIL_REJECTED);
    assertThat(run.output())
        .contains("<~  235 2.7.0 Authentication successful")
        .contains("<~* 553 5.7.1 <" + someoneElse + ">: Sender address rejected: not owned by user " + ACCOUNT);
    assertThat(server.messagesContaining(token)).isEmpty();
    assertThat(server.onlyAuthAttemptSince(mark)).extracting(Event.AuthAttempt::account).isEqualTo(ACCOUNT);
    run.assertConceals(ACCOUNT_PASSWORD);
  }

  @Test
  void theCliListsTheAccountWithEveryCredentialWhileTheServerRuns() throws Exception {
    // SQLite in WAL mode: the CLI reads the store the running server has open.
    ExternalTool.Run login = swaks("LOGIN", ACCOUNT, InteropServer.token());
    assertThat(login.exitCode()).as(login.describe()).isZero();

    AdminCommandLine.Result list = AdminCommandLine.run("", "user", "list", "--config", configFile.toString());

    assertThat(list.exitCode()).as(list.describe()).isZero();
    String row = list.out().lines().filter(line -> line.startsWith(ACCOUNT)).findFirst().orElseThrow();
    assertThat(row).contains("active").endsWith("PLAIN/LOGIN SCRAM CRAM-MD5").doesNotContain("never");
  }

  private static ExternalTool.Run swaks(String mechanism, String from, String token) throws Exception {
    Path config =
        ExternalTool.secretFile(
            directory.resolve("swaksrc-" + token), "auth-user " + ACCOUNT + "\nauth-password " + ACCOUNT_PASSWORD + "\n");
    List<String> arguments =
        new ArrayList<>(
            List.of(
                "--config", config.toString(),
                "--server", "127.0.0.1",
                "--port", server.portText(ListenerRole.SUBMISSION),
                "--helo", "client.example",
                "--from", from,
                "--to", "bob@elsewhere.example",
                "--header", "Subject: swaks " + token,
                "--body", "Body written by swaks for " + token,
                "--timeout", "20s",
                "--tls",
                "--tls-verify",
                "--tls-ca-path", server.certificateFile().toString(),
                "--tls-sni", InteropServer.HOSTNAME,
                "--auth", mechanism,
                "--auth-hide-password"));
    return swaks.run(arguments.toArray(String[]::new));
  }
}
