package dev.hikyaku.interop;

import static dev.hikyaku.interop.InteropServer.PASSWORD;
import static dev.hikyaku.interop.InteropServer.PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.hikyaku.events.Event;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.store.QueuedMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * swaks's SMTP AUTH (PLAIN, LOGIN, CRAM-MD5) against real AUTH on the submission port after
 * STARTTLS. The credentials reach swaks in a {@code --config} file: swaks 20201014 takes {@code
 * auth-password} from its command line, a prompt, .netrc, a config file or a {@code SWAKS_OPT_}
 * environment variable, and the file is the one nobody else on the machine can read.
 * {@code --auth-hide-password} keeps the password out of the dialogue swaks prints.
 */
@Tag("interop")
class SwaksAuthInteropTest {

  // swaks's documented exit codes ("EXIT CODES" in swaks --help).
  private static final int AUTH_FAILED = 28;

  private static final Pattern QUEUED_AS = Pattern.compile("<~  250 2\\.0\\.0 Ok: queued as (\\S+)");

  @TempDir static Path directory;
  private static ExternalTool swaks;
  private static InteropServer server;

  @BeforeAll
  static void start() throws Exception {
    swaks = ExternalTool.require("swaks", "swaks");
    ExternalTool.Run support = swaks.run("--support");
    if (!support.output().contains("=== TLS supported") || !support.output().contains("=== AUTH CRAM-MD5 supported")) {
      fail("swaks lacks TLS or CRAM-MD5: run .ci/run, or apt-get install -y libnet-ssleay-perl libio-socket-ssl-perl"
          + " libauthen-sasl-perl\n" + support.describe());
    }
    server = InteropServer.startWithRealAuth(directory);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"PLAIN", "LOGIN", "CRAM-MD5"})
  void authenticatesAndSubmitsAsTheAccount(String mechanism) throws Exception {
    String token = InteropServer.token();
    int mark = server.eventMark();

    ExternalTool.Run run = submit(mechanism, PASSWORD, token);

    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.output())
        .contains(" ~> AUTH " + mechanism)
        .contains("<~  235 2.7.0 Authentication successful");
    Matcher queued = QUEUED_AS.matcher(run.output());
    assertThat(queued.find()).as("a queue id in swaks's dialogue%n%s", run.describe()).isTrue();
    QueuedMessage message = server.submittedBy(PRINCIPAL, token);
    assertThat(message.id().toString()).isEqualTo(queued.group(1));
    assertThat(server.onlyAuthAttemptSince(mark))
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly(mechanism, PRINCIPAL, InteropServer.SUCCEEDED);
    run.assertConceals(PASSWORD);
  }

  @ParameterizedTest
  @ValueSource(strings = {"PLAIN", "LOGIN", "CRAM-MD5"})
  void wrongPasswordIsRefusedWith535(String mechanism) throws Exception {
    String token = InteropServer.token();
    String wrong = "not the pass phrase of this account 7";
    int mark = server.eventMark();

    ExternalTool.Run run = submit(mechanism, wrong, token);

    assertThat(run.exitCode()).as(run.describe()).isEqualTo(AUTH_FAILED);
    // swaks marks an unexpected reply with "<~*".
    assertThat(run.output()).as(run.describe()).contains("<~* 535 5.7.8 Authentication credentials invalid");
    assertThat(server.messagesContaining(token)).isEmpty();
    Event.AuthAttempt attempt = server.onlyAuthAttemptSince(mark);
    assertThat(attempt)
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly(mechanism, PRINCIPAL, InteropServer.CREDENTIALS_REFUSED);
    assertThat(attempt.reason()).isIn("wrong password", "wrong CRAM-MD5 digest");
    run.assertConceals(wrong, PASSWORD);
  }

  private static ExternalTool.Run submit(String mechanism, String password, String token) throws Exception {
    // One line per option, the argument after the first space, taken literally (swaks --help,
    // CONFIGURATION FILES): a pass phrase with spaces needs no quoting.
    Path config =
        ExternalTool.secretFile(
            directory.resolve("swaksrc-" + token), "auth-user " + PRINCIPAL + "\nauth-password " + password + "\n");
    List<String> arguments =
        new ArrayList<>(
            List.of(
                "--config", config.toString(),
                "--server", "127.0.0.1",
                "--port", server.portText(ListenerRole.SUBMISSION),
                "--helo", "client.example",
                "--from", PRINCIPAL,
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
