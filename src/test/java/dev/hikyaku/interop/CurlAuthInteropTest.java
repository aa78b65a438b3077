package dev.hikyaku.interop;

import static dev.hikyaku.interop.InteropServer.PASSWORD;
import static dev.hikyaku.interop.InteropServer.PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.events.Event;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.store.QueuedMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * curl's SMTP AUTH: PLAIN and LOGIN with the password from a {@code --netrc-file}, and bearer
 * tokens (OAUTHBEARER, RFC 7628; XOAUTH2) from a {@code -K} config file, so that neither the
 * password nor the token is in argv.
 *
 * <p>curl {@code -v} prints every line it sends, the base64 of the AUTH exchange included (the
 * password, the token), and has no switch to hide them; each run is therefore {@linkplain
 * ExternalTool.Run#redacting redacted} before anything looks at it, and the tests check that the
 * redaction found something to hide.
 *
 * <p>curl 7.88 uses OAUTHBEARER whenever the server offers it, whatever {@code --login-options
 * AUTH=XOAUTH2} says (curl issue #10259), so XOAUTH2 is tested on the submissions listener, which
 * the fixture has offer XOAUTH2 without OAUTHBEARER.
 */
@Tag("interop")
class CurlAuthInteropTest {

  // curl's documented exit code for a refused login (man curl, EXIT CODES).
  private static final int LOGIN_DENIED = 67;

  private static final Pattern QUEUED_AS = Pattern.compile("< 250 2\\.0\\.0 Ok: queued as (\\S+)");
  // The JSON error challenge before the 535 (RFC 7628 §3.2.2): {"status":"invalid_token"}.
  private static final String INVALID_TOKEN_CHALLENGE = "< 334 eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=";

  @TempDir static Path directory;
  private static ExternalTool curl;
  private static InteropServer server;
  private static Path noCaDirectory;

  @BeforeAll
  static void start() throws Exception {
    curl = ExternalTool.require("curl", "curl");
    server = InteropServer.startWithRealAuth(directory);
    // curl adds its built-in CA directory to --cacert; an empty one keeps the trust set to the file.
    noCaDirectory = Files.createDirectory(directory.resolve("no-ca"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"PLAIN", "LOGIN"})
  void passwordFromNetrcAuthenticatesAndSubmits(String mechanism) throws Exception {
    String token = InteropServer.token();
    int mark = server.eventMark();

    ExternalTool.Run run = submitWithNetrc(token, mechanism, PASSWORD);

    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.stderr())
        .contains("> AUTH " + mechanism)
        .contains("> [redacted base64]")
        .contains("< 235 2.7.0 Authentication successful");
    queuedAsPrincipal(run, token);
    assertThat(server.onlyAuthAttemptSince(mark))
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly(mechanism, PRINCIPAL, InteropServer.SUCCEEDED);
    run.assertConceals(PASSWORD);
  }

  @ParameterizedTest
  @ValueSource(strings = {"PLAIN", "LOGIN"})
  void wrongPasswordFromNetrcIsDeniedWith535(String mechanism) throws Exception {
    String token = InteropServer.token();
    String wrong = "not the pass phrase of this account 7";
    int mark = server.eventMark();

    ExternalTool.Run run = submitWithNetrc(token, mechanism, wrong);

    assertThat(run.exitCode()).as(run.describe()).isEqualTo(LOGIN_DENIED);
    assertThat(run.stderr()).contains("< 535 5.7.8 Authentication credentials invalid");
    assertThat(server.messagesContaining(token)).isEmpty();
    Event.AuthAttempt attempt = server.onlyAuthAttemptSince(mark);
    assertThat(attempt)
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result, Event.AuthAttempt::reason)
        .containsExactly(mechanism, PRINCIPAL, InteropServer.CREDENTIALS_REFUSED, "wrong password");
    run.assertConceals(wrong, PASSWORD);
  }

  @Test
  void oauthbearerTokenAuthenticatesAndSubmits() throws Exception {
    String token = InteropServer.token();
    String bearer = server.issuer().token(PRINCIPAL);
    int mark = server.eventMark();

    ExternalTool.Run run = submitWithBearer(token, ListenerRole.SUBMISSION, "OAUTHBEARER", bearer);

    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.stderr())
        .contains("> AUTH OAUTHBEARER")
        .contains("> [redacted base64]")
        .contains("< 235 2.7.0 Authentication successful");
    queuedAsPrincipal(run, token);
    Event.AuthAttempt attempt = server.onlyAuthAttemptSince(mark);
    assertThat(attempt)
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly("OAUTHBEARER", PRINCIPAL, InteropServer.SUCCEEDED);
    assertThat(attempt.reason()).startsWith("with token of ");
    run.assertConceals(bearer);
  }

  @Test
  void xoauth2TokenOnSubmissionsAuthenticatesAndSubmits() throws Exception {
    String token = InteropServer.token();
    String bearer = server.issuer().token(PRINCIPAL);
    int mark = server.eventMark();

    ExternalTool.Run run = submitWithBearer(token, ListenerRole.SUBMISSIONS, "XOAUTH2", bearer);

    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.stderr())
        .contains("> AUTH XOAUTH2")
        .contains("> [redacted base64]")
        .contains("< 235 2.7.0 Authentication successful");
    QueuedMessage message = queuedAsPrincipal(run, token);
    assertThat(message.origin().listener()).isEqualTo("submissions");
    assertThat(server.onlyAuthAttemptSince(mark))
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly("XOAUTH2", PRINCIPAL, InteropServer.SUCCEEDED);
    run.assertConceals(bearer);
  }

  @Test
  void expiredTokenIsDeniedAndTheEventSaysExpired() throws Exception {
    String token = InteropServer.token();
    String bearer = server.issuer().expiredToken(PRINCIPAL);
    int mark = server.eventMark();

    ExternalTool.Run run = submitWithBearer(token, ListenerRole.SUBMISSION, "OAUTHBEARER", bearer);

    assertThat(run.exitCode()).as(run.describe()).isEqualTo(LOGIN_DENIED);
    // RFC 7628 §3.2.2: the error JSON first; the client acknowledges; then 535.
    assertThat(run.stderr())
        .contains(INVALID_TOKEN_CHALLENGE)
        .contains("< 535 5.7.8 Authentication credentials invalid");
    assertThat(server.messagesContaining(token)).isEmpty();
    Event.AuthAttempt attempt = server.onlyAuthAttemptSince(mark);
    assertThat(attempt)
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly("OAUTHBEARER", PRINCIPAL, InteropServer.CREDENTIALS_REFUSED);
    assertThat(attempt.reason()).startsWith("token refused: expired at ");
    run.assertConceals(bearer);
  }

  @Test
  void tokenForAnotherAudienceIsDeniedAndTheEventSaysWhy() throws Exception {
    String token = InteropServer.token();
    String bearer = server.issuer().tokenForAudience(PRINCIPAL, "some-other-service");
    int mark = server.eventMark();

    ExternalTool.Run run = submitWithBearer(token, ListenerRole.SUBMISSION, "OAUTHBEARER", bearer);

    assertThat(run.exitCode()).as(run.describe()).isEqualTo(LOGIN_DENIED);
    assertThat(run.stderr())
        .contains(INVALID_TOKEN_CHALLENGE)
        .contains("< 535 5.7.8 Authentication credentials invalid");
    assertThat(server.messagesContaining(token)).isEmpty();
    Event.AuthAttempt attempt = server.onlyAuthAttemptSince(mark);
    assertThat(attempt)
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly("OAUTHBEARER", PRINCIPAL, InteropServer.CREDENTIALS_REFUSED);
    assertThat(attempt.reason())
        .isEqualTo("token refused: audience [some-other-service] not accepted (expected one of [" + TokenIssuer.AUDIENCE + "])");
    run.assertConceals(bearer);
  }

  /**
   * curl 7.88 does not answer the XOAUTH2 error challenge (Google's XOAUTH2 wants an empty response;
   * RFC 7628 §3.2.3 a ^A for OAUTHBEARER): it closes the connection. The refusal was decided when
   * the challenge went out, so it is recorded (and counted by the throttle) all the same, marked
   * "(client left)"; otherwise audit logs and fail2ban would miss every refused token from such
   * clients.
   */
  @Test
  void xoauth2RefusalIsRecordedEvenWhenCurlHangsUpOnTheErrorChallenge() throws Exception {
    String token = InteropServer.token();
    String bearer = server.issuer().tokenForAudience(PRINCIPAL, "some-other-service");
    int mark = server.eventMark();

    ExternalTool.Run run = submitWithBearer(token, ListenerRole.SUBMISSIONS, "XOAUTH2", bearer);

    assertThat(run.exitCode()).as(run.describe()).isEqualTo(LOGIN_DENIED);
    // The XOAUTH2 error challenge, {"status":"401","schemes":"Bearer"}; curl shows no 535 after it.
    assertThat(run.stderr())
        .contains("> AUTH XOAUTH2")
        .contains("< 334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiQmVhcmVyIn0=")
        .doesNotContain("< 235");
    assertThat(server.messagesContaining(token)).isEmpty();
    await().atMost(Duration.ofSeconds(5)).until(() -> server.eventsSince(mark).stream().anyMatch(Event.ConnectionClosed.class::isInstance));
    List<Event.AuthAttempt> attempts = server.authAttemptsSince(mark);
    assertThat(attempts)
        .as("the refused XOAUTH2 token in the events (all events: %s)", server.eventsSince(mark))
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result, Event.AuthAttempt::reason)
        .containsExactly(
            tuple(
                "XOAUTH2",
                PRINCIPAL,
                InteropServer.CREDENTIALS_REFUSED,
                "token refused: audience [some-other-service] not accepted (expected one of [" + TokenIssuer.AUDIENCE
                    + "]) (client left)"));
    run.assertConceals(bearer);
  }

  /** STARTTLS on the submission port, the password from a netrc file. */
  private static ExternalTool.Run submitWithNetrc(String token, String mechanism, String password) throws Exception {
    // The machine is the URL's host name. curl ≥ 7.84 reads a quoted netrc token, so a pass phrase
    // with spaces is written in double quotes.
    Path netrc =
        ExternalTool.secretFile(
            directory.resolve("netrc-" + token),
            "machine " + InteropServer.HOSTNAME + " login " + PRINCIPAL + " password \"" + password + "\"\n");
    int port = server.port(ListenerRole.SUBMISSION);
    return curl(
        password,
        token,
        "smtp://" + InteropServer.HOSTNAME + ":" + port + "/client.example",
        "--ssl-reqd",
        "--connect-to",
        InteropServer.HOSTNAME + ":" + port + ":127.0.0.1:" + port,
        "--netrc-file",
        netrc.toString(),
        "--login-options",
        "AUTH=" + mechanism);
  }

  /**
   * A bearer token from a {@code -K} config file: STARTTLS on submission, or implicit TLS (RFC 8314)
   * on submissions.
   */
  private static ExternalTool.Run submitWithBearer(String token, ListenerRole role, String mechanism, String bearer)
      throws Exception {
    Path config =
        ExternalTool.secretFile(
            directory.resolve("curlrc-" + token),
            // The user name goes into the a= (OAUTHBEARER) or user= (XOAUTH2) field; no password.
            "user = \"" + PRINCIPAL + ":\"\noauth2-bearer = \"" + bearer + "\"\n");
    int port = server.port(role);
    List<String> transport =
        role == ListenerRole.SUBMISSION
            ? List.of(
                "smtp://" + InteropServer.HOSTNAME + ":" + port + "/client.example",
                "--ssl-reqd",
                "--connect-to",
                InteropServer.HOSTNAME + ":" + port + ":127.0.0.1:" + port)
            : List.of(
                "smtps://" + InteropServer.HOSTNAME + ":" + port + "/client.example",
                "--resolve",
                InteropServer.HOSTNAME + ":" + port + ":127.0.0.1");
    List<String> extra = new ArrayList<>(transport);
    extra.addAll(List.of("-K", config.toString(), "--login-options", "AUTH=" + mechanism));
    return curl(bearer, token, extra.toArray(String[]::new));
  }

  /** Runs curl, its output redacted of {@code secret} before anyone sees it. */
  private static ExternalTool.Run curl(String secret, String token, String... extra) throws Exception {
    Path file = directory.resolve(token + ".eml");
    String message =
        "From: " + PRINCIPAL + "\r\nTo: bob@elsewhere.example\r\nSubject: curl " + token
            + "\r\n\r\nBody written by curl for " + token + "\r\n";
    Files.writeString(file, message, StandardCharsets.UTF_8);
    List<String> arguments =
        new ArrayList<>(
            List.of(
                "-q", // first: ignore any ~/.curlrc
                "--silent",
                "--show-error",
                "--verbose",
                "--max-time",
                "20",
                "--cacert",
                server.certificateFile().toString(),
                "--capath",
                noCaDirectory.toString(),
                "--mail-from",
                PRINCIPAL,
                "--mail-rcpt",
                "bob@elsewhere.example",
                "--upload-file",
                file.toString()));
    arguments.addAll(List.of(extra));
    return curl.run(arguments.toArray(String[]::new)).redacting(secret);
  }

  private static QueuedMessage queuedAsPrincipal(ExternalTool.Run run, String token) throws Exception {
    Matcher queued = QUEUED_AS.matcher(run.stderr());
    assertThat(queued.find()).as("a queue id in curl's dialogue%n%s", run.describe()).isTrue();
    QueuedMessage message = server.submittedBy(PRINCIPAL, token);
    assertThat(message.id().toString()).isEqualTo(queued.group(1));
    assertThat(InteropServer.content(message)).contains("Body written by curl for " + token);
    return message;
  }
}
