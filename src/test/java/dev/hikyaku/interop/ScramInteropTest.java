package dev.hikyaku.interop;

import static dev.hikyaku.interop.InteropServer.PASSWORD;
import static dev.hikyaku.interop.InteropServer.PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.events.Event;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsEngineKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SCRAM-SHA-256 (RFC 5802, RFC 7677) and SCRAM-SHA-256-PLUS with the tls-exporter channel binding
 * (RFC 9266) against two clients built on GNU SASL and GnuTLS: {@code gsasl} 2.2 (authentication
 * only; it sends no mail) and {@code msmtp} 1.8 (SCRAM-SHA-256 without binding; it sends a
 * message).
 *
 * <p>Secrets: gsasl reads the password with {@code getpass(3)}, which uses the controlling
 * terminal and, when there is none, standard input; {@code setsid --wait} runs it without one, so
 * the password goes in on stdin even when the build itself runs in a terminal. msmtp runs a {@code
 * passwordeval} command from its rc file, here {@code cat} of a file only its owner can read.
 *
 * <p>gsasl verifies the certificate against the host it connects to, 127.0.0.1: the fixture's
 * {@link LoopbackCertificate} names that address too.
 *
 * <p>gsasl must end cleanly after a login: the server closes TLS with a plain close_notify (RFC 8446
 * §6.1). Closing the socket outright made JSSE send user_canceled first, which GnuTLS reports as a
 * fatal alert; {@link #assertEndedAfterSuccess} fails if that comes back.
 */
@Tag("interop")
class ScramInteropTest {

  // msmtp exits with sysexits.h codes: EX_NOPERM when authentication fails.
  private static final int MSMTP_AUTH_FAILED = 77;
  // RFC 9266 §2: the tls-exporter binding is 32 bytes of exported keying material.
  private static final int TLS_EXPORTER_LENGTH = 32;

  private static final String WRONG = "not the pass phrase of this account 7";

  @TempDir static Path directory;
  private static ExternalTool setsid;
  private static Path gsasl;
  private static ExternalTool msmtp;
  static InteropServer server;

  @BeforeAll
  static void start() throws Exception {
    startWith(TlsEngineKind.JDK);
  }

  /** The fixture with the SMTP listeners' TLS from {@code engine}; a subclass's start() calls it instead. */
  static void startWith(TlsEngineKind engine) throws Exception {
    // JUnit runs this class's start() before a subclass's: the subclass's engine replaces it.
    stop();
    setsid = ExternalTool.require("setsid", "util-linux");
    gsasl = ExternalTool.require("gsasl", "gsasl").executable();
    msmtp = ExternalTool.require("msmtp", "msmtp");
    server = InteropServer.startWithRealAuth(java.nio.file.Files.createDirectories(directory.resolve(engine.configName())), engine);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  @Test
  void gsaslScramSha256PlusBindsToTheTlsSessionWithTlsExporter() throws Exception {
    int mark = server.eventMark();

    ExternalTool.Run run = gsasl("SCRAM-SHA-256-PLUS", PASSWORD);

    assertEndedAfterSuccess(run);
    assertThat(run.stderr()).contains("TLS X.509 Verification: The certificate is trusted.");
    assertThat(run.stdout()).contains("AUTH SCRAM-SHA-256-PLUS\n").contains("235 2.7.0 Authentication successful");
    // RFC 5802 §7: gs2-header "p=tls-exporter,," then the bare client-first-message.
    List<String> sent = clientMessages(run);
    assertThat(sent.get(0)).startsWith("p=tls-exporter,,n=" + PRINCIPAL + ",r=");
    // The client-final-message's c= is base64(gs2-header || binding data).
    byte[] channelBinding = Base64.getDecoder().decode(attribute(sent.get(1), "c"));
    byte[] header = "p=tls-exporter,,".getBytes(StandardCharsets.US_ASCII);
    assertThat(channelBinding).startsWith(header).hasSize(header.length + TLS_EXPORTER_LENGTH);
    assertThat(server.onlyAuthAttemptSince(mark))
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result, Event.AuthAttempt::tlsProtocol)
        .containsExactly("SCRAM-SHA-256-PLUS", PRINCIPAL, InteropServer.SUCCEEDED, "TLSv1.3");
    run.assertConceals(PASSWORD);
  }

  @Test
  void gsaslScramSha256PlusWithTheWrongPasswordIsRefusedWith535() throws Exception {
    int mark = server.eventMark();

    ExternalTool.Run run = gsasl("SCRAM-SHA-256-PLUS", WRONG);

    assertThat(run.exitCode()).as(run.describe()).isEqualTo(1);
    assertThat(run.stdout()).contains("535 5.7.8 Authentication credentials invalid").doesNotContain("235 ");
    assertThat(run.stderr()).contains("gsasl: server error"); // after its argv[0]
    Event.AuthAttempt attempt = server.onlyAuthAttemptSince(mark);
    assertThat(attempt)
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly("SCRAM-SHA-256-PLUS", PRINCIPAL, InteropServer.CREDENTIALS_REFUSED);
    assertThat(attempt.reason()).isEqualTo("SCRAM: client proof does not verify");
    run.assertConceals(WRONG, PASSWORD);
  }

  /**
   * gsasl 2.2 asked for plain SCRAM-SHA-256 on a TLS connection fails on its own side ("mechanism
   * error: Error authenticating user") before it sends the client-first-message; {@code --no-cb}
   * makes it send gs2-header "n,," (RFC 5802 §6: no binding), as a client without TLS access does.
   */
  @Test
  void gsaslScramSha256WithoutBindingAuthenticates() throws Exception {
    int mark = server.eventMark();

    ExternalTool.Run run = gsasl("SCRAM-SHA-256", PASSWORD, "--no-cb");

    assertEndedAfterSuccess(run);
    assertThat(run.stdout()).contains("AUTH SCRAM-SHA-256\n").contains("235 2.7.0 Authentication successful");
    List<String> sent = clientMessages(run);
    assertThat(sent.get(0)).startsWith("n,,n=" + PRINCIPAL + ",r=");
    assertThat(attribute(sent.get(1), "c")).isEqualTo("biws"); // base64("n,,")
    assertThat(server.onlyAuthAttemptSince(mark))
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly("SCRAM-SHA-256", PRINCIPAL, InteropServer.SUCCEEDED);
    run.assertConceals(PASSWORD);
  }

  @Test
  void gsaslScramSha256WithTheWrongPasswordIsRefusedWith535() throws Exception {
    int mark = server.eventMark();

    ExternalTool.Run run = gsasl("SCRAM-SHA-256", WRONG, "--no-cb");

    assertThat(run.exitCode()).as(run.describe()).isEqualTo(1);
    assertThat(run.stdout()).contains("535 5.7.8 Authentication credentials invalid").doesNotContain("235 ");
    assertThat(server.onlyAuthAttemptSince(mark))
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly("SCRAM-SHA-256", PRINCIPAL, InteropServer.CREDENTIALS_REFUSED);
    run.assertConceals(WRONG, PASSWORD);
  }

  @Test
  void msmtpScramSha256SubmitsAsTheAccount() throws Exception {
    String token = InteropServer.token();
    int mark = server.eventMark();

    ExternalTool.Run run = msmtp(token, PASSWORD);

    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.output())
        .contains("--> AUTH SCRAM-SHA-256")
        .contains("<-- 235 2.7.0 Authentication successful")
        .contains("<-- 250 2.0.0 Ok: queued as ");
    server.submittedBy(PRINCIPAL, token);
    assertThat(server.onlyAuthAttemptSince(mark))
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly("SCRAM-SHA-256", PRINCIPAL, InteropServer.SUCCEEDED);
    run.assertConceals(PASSWORD);
  }

  @Test
  void msmtpScramSha256WithTheWrongPasswordIsRefusedWith535() throws Exception {
    String token = InteropServer.token();
    int mark = server.eventMark();

    ExternalTool.Run run = msmtp(token, WRONG);

    assertThat(run.exitCode()).as(run.describe()).isEqualTo(MSMTP_AUTH_FAILED);
    assertThat(run.output())
        .contains("msmtp: authentication failed (method SCRAM-SHA-256)")
        .contains("msmtp: server message: 535 5.7.8 Authentication credentials invalid");
    assertThat(server.messagesContaining(token)).isEmpty();
    assertThat(server.onlyAuthAttemptSince(mark))
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly("SCRAM-SHA-256", PRINCIPAL, InteropServer.CREDENTIALS_REFUSED);
    run.assertConceals(WRONG, PASSWORD);
  }

  /** gsasl in SMTP mode with STARTTLS on the submission port; the password on stdin (see class doc). */
  private static ExternalTool.Run gsasl(String mechanism, String password, String... extra) {
    List<String> arguments =
        new ArrayList<>(
            List.of(
                "--wait", // setsid: stay in the foreground and return gsasl's exit code
                gsasl.toString(),
                "--smtp",
                "--connect=127.0.0.1:" + server.port(ListenerRole.SUBMISSION),
                "--starttls",
                "--x509-ca-file=" + server.certificateFile(),
                "--mechanism=" + mechanism,
                "--authentication-id=" + PRINCIPAL,
                // A flag whose default is on: giving it turns off the read-data-after-login step.
                "--application-data"));
    arguments.addAll(List.of(extra));
    return setsid.runWithInput((password + "\n").getBytes(StandardCharsets.UTF_8), arguments.toArray(String[]::new));
  }

  /**
   * gsasl ended cleanly: exit 0 and no error. The server closes TLS with a plain close_notify (RFC
   * 8446 §6.1); a user_canceled alert first made GnuTLS report "A TLS fatal alert has been received"
   * and exit 1 after a successful login.
   */
  private static void assertEndedAfterSuccess(ExternalTool.Run run) {
    // gsasl prefixes its errors with its argv[0], here the full path.
    List<String> errors =
        run.stderr().lines().filter(line -> line.matches("(\\S*/)?gsasl: .*")).toList();
    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(errors).as(run.describe()).isEmpty();
    assertThat(run.stderr()).contains("Client authentication finished (server trusted)");
  }

  /** The client's SCRAM messages, decoded: each is the line after a 334 challenge in gsasl's dialogue. */
  private static List<String> clientMessages(ExternalTool.Run run) {
    List<String> lines = run.stdout().lines().toList();
    List<String> sent = new ArrayList<>();
    for (int i = 0; i + 1 < lines.size(); i++) {
      if (lines.get(i).startsWith("334 ") && !lines.get(i + 1).isEmpty()) {
        sent.add(new String(Base64.getDecoder().decode(lines.get(i + 1)), StandardCharsets.UTF_8));
      }
    }
    assertThat(sent).as("client-first and client-final messages%n%s", run.describe()).hasSize(2);
    return sent;
  }

  /** The value of attribute {@code name} in a SCRAM message (RFC 5802 §5.1: "name=value,..."). */
  private static String attribute(String message, String name) {
    Optional<String> value =
        message.lines().findFirst().stream()
            .flatMap(line -> List.of(line.split(",")).stream())
            .filter(part -> part.startsWith(name + "="))
            .map(part -> part.substring(name.length() + 1))
            .findFirst();
    assertThat(value).as("attribute %s in %s", name, message).isPresent();
    return value.get();
  }

  /** msmtp sends one message with SCRAM-SHA-256 after STARTTLS; the password via passwordeval. */
  private static ExternalTool.Run msmtp(String token, String password) throws Exception {
    Path passwordFile = ExternalTool.secretFile(directory.resolve("password-" + token), password + "\n");
    Path rc =
        ExternalTool.secretFile(
            directory.resolve("msmtprc-" + token),
            String.join(
                "\n",
                "account default",
                "host 127.0.0.1",
                "port " + server.port(ListenerRole.SUBMISSION),
                "domain client.example", // the EHLO name
                "tls on",
                "tls_starttls on",
                "tls_trust_file " + server.certificateFile(),
                // Check the certificate for the server's name while connecting to 127.0.0.1.
                "tls_host_override " + InteropServer.HOSTNAME,
                "auth scram-sha-256",
                "user " + PRINCIPAL,
                "passwordeval \"cat " + passwordFile + "\"",
                "from " + PRINCIPAL,
                "syslog off",
                ""));
    String message =
        "From: " + PRINCIPAL + "\r\nTo: bob@elsewhere.example\r\nSubject: msmtp " + token
            + "\r\n\r\nBody written by msmtp for " + token + "\r\n";
    return msmtp.runWithInput(
        message.getBytes(StandardCharsets.UTF_8), "--file=" + rc, "--debug", "bob@elsewhere.example");
  }
}
