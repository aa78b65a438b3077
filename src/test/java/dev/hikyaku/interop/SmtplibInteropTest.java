package dev.hikyaku.interop;

import static dev.hikyaku.interop.InteropServer.content;
import static dev.hikyaku.interop.InteropServer.receivedWith;
import static dev.hikyaku.interop.InteropServer.topReceived;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.config.ConfigLoader;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsEngineKind;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.store.QueuedRecipient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Python's smtplib (the client behind countless scripts and cron jobs), driven by
 * {@code interop/smtplib_client.py}, which is fed to {@code python3} on stdin and prints what the
 * client saw as one JSON object.
 */
@Tag("interop")
class SmtplibInteropTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir static Path directory;
  private static ExternalTool python;
  private static byte[] script;
  static InteropServer server;

  @BeforeAll
  static void start() throws Exception {
    startWith(TlsEngineKind.JDK);
  }

  /** The fixture with the SMTP listeners' TLS from {@code engine}; a subclass's start() calls it instead. */
  static void startWith(TlsEngineKind engine) throws Exception {
    // JUnit runs this class's start() before a subclass's: the subclass's engine replaces it.
    stop();
    python = ExternalTool.require("python3", "python3");
    try (InputStream in = SmtplibInteropTest.class.getResourceAsStream("/interop/smtplib_client.py")) {
      assertThat(in).as("interop/smtplib_client.py on the test class path").isNotNull();
      script = in.readAllBytes();
    }
    server = InteropServer.start(java.nio.file.Files.createDirectories(directory.resolve(engine.configName())), engine);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  @Test
  void sendmailOnRelayIsEsmtp() throws Exception {
    String token = InteropServer.token();

    Map<String, Object> seen = client("relay", server.portText(ListenerRole.RELAY), token);

    assertThat(seen).containsEntry("refused", Map.of());
    QueuedMessage message = queued(token);
    assertThat(message.recipients()).extracting(QueuedRecipient::forwardPath).containsExactly("user@hikyaku.test");
    assertThat(receivedWith(message)).isEqualTo("ESMTP");
  }

  @Test
  void ehloFeaturesAreTheAdvertisedExtensions() throws Exception {
    Map<String, Object> seen = client("features", server.portText(ListenerRole.RELAY));

    assertThat(seen).containsEntry("ehlo_code", 250).containsEntry("does_esmtp", true);
    Map<String, Object> features = object(seen, "features");
    // smtplib lower-cases keywords and keeps the parameters as text.
    assertThat(features)
        .containsKeys("pipelining", "chunking", "smtputf8", "8bitmime", "enhancedstatuscodes", "starttls")
        .containsEntry("size", Long.toString(ConfigLoader.defaults().limits().maxMessageSize()));
  }

  @Test
  void starttlsOnSubmissionVerifiesTheNameAndIsEsmtpsa() throws Exception {
    String token = InteropServer.token();

    Map<String, Object> seen =
        client(
            "starttls",
            server.portText(ListenerRole.SUBMISSION),
            token,
            server.certificateFile().toString());

    assertThat(seen)
        .containsEntry("tls_version", "TLSv1.3")
        .containsEntry("server_hostname", InteropServer.HOSTNAME)
        .containsEntry("peer_cn", InteropServer.HOSTNAME)
        .containsEntry("refused", Map.of());
    assertThat(object(seen, "features_before_tls")).containsKey("starttls");
    // RFC 3207 §4.2: not offered again once TLS is up.
    assertThat(object(seen, "features_after_tls")).containsKey("pipelining").doesNotContainKey("starttls");
    QueuedMessage message = queued(token);
    assertThat(message.recipients()).extracting(QueuedRecipient::forwardPath).containsExactly("bob@elsewhere.example");
    assertThat(receivedWith(message)).isEqualTo("ESMTPSA");
    assertThat(topReceived(message)).contains("(using TLSv1.3 with cipher " + seen.get("cipher") + ")");
    assertThat(message.origin().principal()).isEqualTo(InteropServer.PRINCIPAL);
  }

  @Test
  void smtpSslOnSubmissionsIsEsmtpsa() throws Exception {
    String token = InteropServer.token();

    Map<String, Object> seen =
        client(
            "implicit-tls",
            server.portText(ListenerRole.SUBMISSIONS),
            token,
            server.certificateFile().toString());

    assertThat(seen)
        .containsEntry("tls_version", "TLSv1.3")
        .containsEntry("server_hostname", InteropServer.HOSTNAME)
        .containsEntry("refused", Map.of());
    assertThat(object(seen, "features")).containsKey("smtputf8").doesNotContainKey("starttls");
    QueuedMessage message = queued(token);
    assertThat(receivedWith(message)).isEqualTo("ESMTPSA");
    assertThat(message.origin().listener()).isEqualTo("submissions");
  }

  @Test
  void starttlsRefusesACertificateItDoesNotTrust() throws Exception {
    Map<String, Object> seen =
        client("untrusted", server.portText(ListenerRole.SUBMISSION), server.impostorCertificateFile().toString());

    assertThat(seen).containsEntry("verify_failed", true);
    assertThat((String) seen.get("verify_message")).isNotBlank();
  }

  @Test
  void smtputf8SendsToAUtf8Recipient() throws Exception {
    String token = InteropServer.token();

    Map<String, Object> seen = client("utf8", server.portText(ListenerRole.RELAY), token);

    assertThat(seen).containsEntry("refused", Map.of());
    QueuedMessage message = queued(token);
    assertThat(message.reversePath()).isEqualTo("ユーザー@client.example").isEqualTo(seen.get("sender"));
    assertThat(message.recipients()).extracting(QueuedRecipient::forwardPath).containsExactly("δοκιμή@hikyaku.test");
    assertThat(message.mailParameters()).containsIgnoringCase("SMTPUTF8");
    assertThat(content(message)).contains("Subject: smtplib " + token + " über 信");
    // RFC 6531 §3.7.3: UTF8SMTP names an ESMTP transaction with SMTPUTF8 in Received.
    assertThat(receivedWith(message)).isEqualTo("UTF8SMTP");
  }

  /** A nested JSON object of the script's output. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Map<String, Object> seen, String key) {
    assertThat(seen).containsKey(key);
    return (Map<String, Object>) seen.get(key);
  }

  private static QueuedMessage queued(String token) throws Exception {
    QueuedMessage message = server.messageContaining(token);
    assertThat(content(message))
        .contains("\r\nSubject: smtplib " + token)
        .contains("Body written by smtplib for " + token);
    assertThat(topReceived(message))
        .startsWith("Received: from client.example ([127.0.0.1]) by mx.hikyaku.test (Hikyaku) with ");
    return message;
  }

  /** Runs the script in {@code mode}; fails with the whole run shown when Python did not exit 0. */
  private static Map<String, Object> client(String mode, String... arguments) throws IOException {
    List<String> command = new ArrayList<>(List.of("-I", "-", mode));
    command.addAll(List.of(arguments));
    ExternalTool.Run run = python.runWithInput(script, command.toArray(String[]::new));
    assertThat(run.exitCode()).as(run.describe()).isZero();
    @SuppressWarnings("unchecked")
    Map<String, Object> seen = JSON.readValue(run.stdout().strip(), Map.class);
    return seen;
  }
}
