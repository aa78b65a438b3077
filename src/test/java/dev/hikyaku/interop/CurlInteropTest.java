package dev.hikyaku.interop;

import static dev.hikyaku.interop.InteropServer.content;
import static dev.hikyaku.interop.InteropServer.receivedWith;
import static dev.hikyaku.interop.InteropServer.topReceived;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.store.QueuedRecipient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * curl's SMTP client (libcurl with OpenSSL), the one behind many monitoring checks and shell
 * scripts. The URL path is the EHLO name; {@code -v} shows the dialogue on stderr.
 */
@Tag("interop")
class CurlInteropTest {

  // curl's documented exit codes (man curl, EXIT CODES).
  private static final int SEND_FAILED = 55;
  private static final int PEER_NOT_AUTHENTICATED = 60;

  private static final Pattern QUEUED_AS = Pattern.compile("< 250 2\\.0\\.0 Ok: queued as (\\S+)");

  @TempDir static Path directory;
  private static ExternalTool curl;
  private static InteropServer server;
  private static Path noCaDirectory;

  @BeforeAll
  static void start() throws Exception {
    curl = ExternalTool.require("curl", "curl");
    server = InteropServer.start(directory);
    // curl adds its built-in CA directory to --cacert; an empty one keeps the trust set to the file.
    noCaDirectory = Files.createDirectory(directory.resolve("no-ca"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void relayToHostedDomainIsEsmtp() throws Exception {
    String token = InteropServer.token();
    String url = "smtp://127.0.0.1:" + server.port(ListenerRole.RELAY) + "/client.example";

    ExternalTool.Run run = curl(token, "sender@example.org", "user@hikyaku.test", url);

    assertThat(run.exitCode()).as(run.describe()).isZero();
    QueuedMessage message = queuedFrom(run, token);
    assertThat(message.reversePath()).isEqualTo("sender@example.org");
    assertThat(receivedWith(message)).isEqualTo("ESMTP");
  }

  @Test
  void relayToAnotherDomainIsDenied() throws Exception {
    String token = InteropServer.token();
    String url = "smtp://127.0.0.1:" + server.port(ListenerRole.RELAY) + "/client.example";

    ExternalTool.Run run = curl(token, "sender@example.org", "someone@elsewhere.example", url);

    assertThat(run.exitCode()).as(run.describe()).isEqualTo(SEND_FAILED);
    assertThat(run.stderr()).contains("< 554 5.7.1 <someone@elsewhere.example>: Relay access denied");
    assertThat(server.messagesContaining(token)).isEmpty();
  }

  @Test
  void sslReqdOnSubmissionUpgradesWithStartTlsAndIsEsmtpsa() throws Exception {
    String token = InteropServer.token();
    int port = server.port(ListenerRole.SUBMISSION);
    String url = "smtp://" + InteropServer.HOSTNAME + ":" + port + "/client.example";

    ExternalTool.Run run =
        curl(
            token,
            InteropServer.PRINCIPAL,
            "bob@elsewhere.example",
            url,
            "--ssl-reqd",
            // The URL keeps the certificate's name (SNI and name check); the socket goes to 127.0.0.1.
            "--connect-to",
            InteropServer.HOSTNAME + ":" + port + ":127.0.0.1:" + port,
            "--cacert",
            server.certificateFile().toString(),
            "--capath",
            noCaDirectory.toString());

    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.stderr())
        .contains("> STARTTLS")
        .contains("SSL connection using TLSv1.3")
        .contains("subjectAltName: host \"mx.hikyaku.test\" matched cert's \"mx.hikyaku.test\"")
        .contains("SSL certificate verify ok");
    QueuedMessage message = queuedFrom(run, token);
    assertThat(message.recipients()).extracting(QueuedRecipient::forwardPath).containsExactly("bob@elsewhere.example");
    assertThat(receivedWith(message)).isEqualTo("ESMTPSA");
    assertThat(topReceived(message)).contains("(using TLSv1.3 with cipher ");
  }

  @Test
  void smtpsOnSubmissionsIsEsmtpsa() throws Exception {
    String token = InteropServer.token();
    int port = server.port(ListenerRole.SUBMISSIONS);
    String url = "smtps://" + InteropServer.HOSTNAME + ":" + port + "/client.example";

    ExternalTool.Run run =
        curl(
            token,
            InteropServer.PRINCIPAL,
            "bob@elsewhere.example",
            url,
            "--resolve",
            InteropServer.HOSTNAME + ":" + port + ":127.0.0.1",
            "--cacert",
            server.certificateFile().toString(),
            "--capath",
            noCaDirectory.toString());

    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.stderr()).contains("SSL certificate verify ok").doesNotContain("> STARTTLS");
    QueuedMessage message = queuedFrom(run, token);
    assertThat(receivedWith(message)).isEqualTo("ESMTPSA");
    assertThat(message.origin().listener()).isEqualTo("submissions");
  }

  @Test
  void smtpsRefusesACertificateItDoesNotTrust() throws Exception {
    String token = InteropServer.token();
    int port = server.port(ListenerRole.SUBMISSIONS);
    String url = "smtps://" + InteropServer.HOSTNAME + ":" + port + "/client.example";

    ExternalTool.Run run =
        curl(
            token,
            InteropServer.PRINCIPAL,
            "bob@elsewhere.example",
            url,
            "--resolve",
            InteropServer.HOSTNAME + ":" + port + ":127.0.0.1",
            "--cacert",
            server.impostorCertificateFile().toString(),
            "--capath",
            noCaDirectory.toString());

    assertThat(run.exitCode()).as(run.describe()).isEqualTo(PEER_NOT_AUTHENTICATED);
    assertThat(server.messagesContaining(token)).isEmpty();
  }

  private static ExternalTool.Run curl(String token, String from, String to, String url, String... extra)
      throws Exception {
    Path file = directory.resolve(token + ".eml");
    String message =
        "From: " + from + "\r\nTo: " + to + "\r\nSubject: curl " + token + "\r\n\r\nBody written by curl for "
            + token + "\r\n";
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
                url,
                "--mail-from",
                from,
                "--mail-rcpt",
                to,
                "--upload-file",
                file.toString()));
    arguments.addAll(List.of(extra));
    return curl.run(arguments.toArray(String[]::new));
  }

  private static QueuedMessage queuedFrom(ExternalTool.Run run, String token) throws Exception {
    Matcher queued = QUEUED_AS.matcher(run.stderr());
    assertThat(queued.find()).as("a queue id in curl's dialogue%n%s", run.describe()).isTrue();
    QueuedMessage message = server.messageContaining(token);
    assertThat(message.id().toString()).isEqualTo(queued.group(1));
    assertThat(content(message))
        .contains("\r\nSubject: curl " + token + "\r\n")
        .contains("Body written by curl for " + token);
    assertThat(topReceived(message))
        .startsWith("Received: from client.example ([127.0.0.1]) by mx.hikyaku.test (Hikyaku) with ");
    return message;
  }
}
