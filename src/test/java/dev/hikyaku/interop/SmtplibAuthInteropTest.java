package dev.hikyaku.interop;

import static dev.hikyaku.interop.InteropServer.PASSWORD;
import static dev.hikyaku.interop.InteropServer.PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.events.Event;
import dev.hikyaku.net.ListenerRole;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Python smtplib's {@code login()} with PLAIN, LOGIN and CRAM-MD5 over STARTTLS with the
 * certificate verified (name and chain), driven by {@code interop/smtplib_auth.py}. The password
 * goes to the script in a JSON request on its standard input, never in argv.
 *
 * <p>smtplib sends PLAIN and LOGIN with an initial response (RFC 4954 §4; for LOGIN the user name
 * rides on the AUTH line), CRAM-MD5 without one, so these three also cover both shapes of the
 * exchange.
 */
@Tag("interop")
class SmtplibAuthInteropTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir static Path directory;
  private static ExternalTool python;
  private static Path script;
  private static InteropServer server;

  @BeforeAll
  static void start() throws Exception {
    python = ExternalTool.require("python3", "python3");
    try (InputStream in = SmtplibAuthInteropTest.class.getResourceAsStream("/interop/smtplib_auth.py")) {
      assertThat(in).as("interop/smtplib_auth.py on the test class path").isNotNull();
      // A file, not stdin: stdin carries the request with the password.
      script = Files.write(directory.resolve("smtplib_auth.py"), in.readAllBytes());
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
  void loginThenSendmailIsTheAccount(String mechanism) throws Exception {
    String token = InteropServer.token();
    int mark = server.eventMark();

    Map<String, Object> seen = client(mechanism, PASSWORD, token);

    assertThat(seen)
        .containsEntry("advertised", InteropServer.SUBMISSION_MECHANISMS)
        .containsEntry("login", List.of(235, "2.7.0 Authentication successful"))
        .containsEntry("refused", Map.of());
    server.submittedBy(PRINCIPAL, token);
    assertThat(server.onlyAuthAttemptSince(mark))
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly(mechanism, PRINCIPAL, InteropServer.SUCCEEDED);
  }

  @ParameterizedTest
  @ValueSource(strings = {"PLAIN", "LOGIN", "CRAM-MD5"})
  void wrongPasswordRaisesSmtpAuthenticationErrorWith535(String mechanism) throws Exception {
    String token = InteropServer.token();
    int mark = server.eventMark();

    Map<String, Object> seen = client(mechanism, "not the pass phrase of this account 7", token);

    assertThat(seen).containsEntry("auth_error", List.of(535, "5.7.8 Authentication credentials invalid"));
    assertThat(seen).doesNotContainKey("refused");
    assertThat(server.messagesContaining(token)).isEmpty();
    assertThat(server.onlyAuthAttemptSince(mark))
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly(mechanism, PRINCIPAL, InteropServer.CREDENTIALS_REFUSED);
  }

  /** Runs the script with its request on stdin; fails with the whole run shown unless Python exits 0. */
  private static Map<String, Object> client(String mechanism, String password, String token) throws Exception {
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("port", server.port(ListenerRole.SUBMISSION));
    request.put("cafile", server.certificateFile().toString());
    request.put("mechanism", mechanism);
    request.put("user", PRINCIPAL);
    request.put("password", password);
    request.put("sender", PRINCIPAL);
    request.put("recipient", "bob@elsewhere.example");
    request.put("token", token);
    byte[] stdin = JSON.writeValueAsString(request).getBytes(StandardCharsets.UTF_8);

    ExternalTool.Run run = python.runWithInput(stdin, "-I", script.toString());

    assertThat(run.exitCode()).as(run.describe()).isZero();
    run.assertConceals(password);
    @SuppressWarnings("unchecked")
    Map<String, Object> seen = JSON.readValue(run.stdout().strip(), Map.class);
    return seen;
  }
}
