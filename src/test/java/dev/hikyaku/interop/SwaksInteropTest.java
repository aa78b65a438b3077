package dev.hikyaku.interop;

import static dev.hikyaku.interop.InteropServer.content;
import static dev.hikyaku.interop.InteropServer.receivedWith;
import static dev.hikyaku.interop.InteropServer.topReceived;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.hikyaku.events.Event;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsEngineKind;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.store.QueuedRecipient;
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
 * swaks (Perl, Net::SSLeay) against the three listeners. swaks prints its whole dialogue, so the
 * tests read the server's replies from it, and find the message it sent in the store by the queue
 * id the server gave it.
 */
@Tag("interop")
class SwaksInteropTest {

  // swaks's documented exit codes ("EXIT CODES" in swaks --help).
  private static final int MAIL_REJECTED = 23;
  private static final int NO_RCPT_ACCEPTED = 24;
  private static final int TLS_FAILED = 29;

  private static final Pattern QUEUED_AS = Pattern.compile("250 2\\.0\\.0 Ok: queued as (\\S+)");

  @TempDir static Path directory;
  private static ExternalTool swaks;
  static InteropServer server;

  @BeforeAll
  static void start() throws Exception {
    startWith(TlsEngineKind.JDK);
  }

  /** The fixture with the SMTP listeners' TLS from {@code engine}; a subclass's start() calls it instead. */
  static void startWith(TlsEngineKind engine) throws Exception {
    // JUnit runs this class's start() before a subclass's: the subclass's engine replaces it.
    stop();
    swaks = ExternalTool.require("swaks", "swaks");
    ExternalTool.Run support = swaks.run("--support");
    if (!support.output().contains("=== TLS supported")) {
      fail("swaks cannot do TLS (Net::SSLeay missing): run .ci/run, or apt-get install -y libnet-ssleay-perl"
          + " libio-socket-ssl-perl\n" + support.describe());
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
  void relayToHostedDomainIsAcceptedAsEsmtp() throws Exception {
    String token = InteropServer.token();

    ExternalTool.Run run = swaks(ListenerRole.RELAY, "sender@example.org", "user@hikyaku.test", token);

    assertThat(run.exitCode()).as(run.describe()).isZero();
    QueuedMessage message = queuedFrom(run, token);
    assertThat(message.reversePath()).isEqualTo("sender@example.org");
    assertThat(message.recipients()).extracting(QueuedRecipient::forwardPath).containsExactly("user@hikyaku.test");
    assertThat(receivedWith(message)).isEqualTo("ESMTP");
    assertThat(message.origin().hasTls()).isFalse();
  }

  @Test
  void relayToAnotherDomainIsDenied() throws Exception {
    String token = InteropServer.token();
    int mark = server.eventMark();

    ExternalTool.Run run = swaks(ListenerRole.RELAY, "sender@example.org", "someone@elsewhere.example", token);

    assertThat(run.exitCode()).as(run.describe()).isEqualTo(NO_RCPT_ACCEPTED);
    assertThat(run.output()).as(run.describe()).contains("554 5.7.1 <someone@elsewhere.example>: Relay access denied");
    assertThat(server.messagesContaining(token)).isEmpty();
    assertThat(server.eventsSince(mark))
        .filteredOn(Event.RecipientRejected.class::isInstance)
        .map(e -> ((Event.RecipientRejected) e).recipient())
        .containsExactly("someone@elsewhere.example");
  }

  @Test
  void relayWithStartTlsIsEsmtps() throws Exception {
    String token = InteropServer.token();

    ExternalTool.Run run =
        swaks(ListenerRole.RELAY, "sender@example.org", "user@hikyaku.test", token, verifiedTls("--tls"));

    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.output()).contains("=== TLS started with cipher TLSv1.3");
    QueuedMessage message = queuedFrom(run, token);
    assertThat(receivedWith(message)).isEqualTo("ESMTPS");
    assertThat(message.origin().principal()).isNull();
  }

  @Test
  void submissionAfterStartTlsIsEsmtpsa() throws Exception {
    String token = InteropServer.token();

    ExternalTool.Run run =
        swaks(ListenerRole.SUBMISSION, InteropServer.PRINCIPAL, "bob@elsewhere.example", token, verifiedTls("--tls"));

    assertThat(run.exitCode()).as(run.describe()).isZero();
    // RFC 3207 §4.2: the EHLO after TLS is a fresh one, and it no longer offers STARTTLS.
    String afterTls = run.output().substring(run.output().indexOf("=== TLS started"));
    assertThat(afterTls).contains("<~  250-CHUNKING").contains("<~  250 AUTH ").doesNotContain("STARTTLS");
    QueuedMessage message = queuedFrom(run, token);
    assertThat(message.recipients()).extracting(QueuedRecipient::forwardPath).containsExactly("bob@elsewhere.example");
    assertThat(receivedWith(message)).isEqualTo("ESMTPSA");
    assertThat(topReceived(message)).contains("(using TLSv1.3 with cipher ");
    assertThat(message.origin().principal()).isEqualTo(InteropServer.PRINCIPAL);
  }

  @Test
  void submissionWithoutTlsIsToldToStartTls() throws Exception {
    String token = InteropServer.token();

    ExternalTool.Run run = swaks(ListenerRole.SUBMISSION, InteropServer.PRINCIPAL, "bob@elsewhere.example", token);

    assertThat(run.exitCode()).as(run.describe()).isEqualTo(MAIL_REJECTED);
    assertThat(run.output()).as(run.describe()).contains("530 5.7.0 Must issue a STARTTLS command first");
    assertThat(server.messagesContaining(token)).isEmpty();
  }

  @Test
  void submissionsWithImplicitTlsIsEsmtpsa() throws Exception {
    String token = InteropServer.token();

    ExternalTool.Run run =
        swaks(
            ListenerRole.SUBMISSIONS,
            InteropServer.PRINCIPAL,
            "bob@elsewhere.example",
            token,
            verifiedTls("--tls-on-connect"));

    assertThat(run.exitCode()).as(run.describe()).isZero();
    // RFC 8314 §3.3: the handshake comes before the greeting.
    assertThat(run.output().indexOf("=== TLS started"))
        .isNotNegative()
        .isLessThan(run.output().indexOf("<~  220 mx.hikyaku.test ESMTP"));
    QueuedMessage message = queuedFrom(run, token);
    assertThat(receivedWith(message)).isEqualTo("ESMTPSA");
    assertThat(message.origin().listener()).isEqualTo("submissions");
  }

  @Test
  void verificationAgainstAnotherCertificateFails() throws Exception {
    // Proves --tls-verify verifies: the same run trusting a look-alike certificate under another key.
    String token = InteropServer.token();

    ExternalTool.Run run =
        swaks(
            ListenerRole.SUBMISSION,
            InteropServer.PRINCIPAL,
            "bob@elsewhere.example",
            token,
            List.of("--tls", "--tls-verify", "--tls-ca-path", server.impostorCertificateFile().toString()));

    assertThat(run.exitCode()).as(run.describe()).isEqualTo(TLS_FAILED);
    assertThat(run.output()).contains("certificate verify failed");
    assertThat(server.messagesContaining(token)).isEmpty();
  }

  /**
   * TLS options that verify the chain against the server's certificate. swaks 20201014 (Debian 12)
   * checks the chain only, not the name; the SNI is sent so the server sees what a real client sends.
   */
  private static List<String> verifiedTls(String mode) {
    return List.of(
        mode,
        "--tls-verify",
        "--tls-ca-path",
        server.certificateFile().toString(),
        "--tls-sni",
        InteropServer.HOSTNAME);
  }

  private static ExternalTool.Run swaks(ListenerRole role, String from, String to, String token) {
    return swaks(role, from, to, token, List.of());
  }

  private static ExternalTool.Run swaks(
      ListenerRole role, String from, String to, String token, List<String> extra) {
    List<String> arguments =
        new ArrayList<>(
            List.of(
                "--server", "127.0.0.1",
                "--port", server.portText(role),
                "--helo", "client.example",
                "--from", from,
                "--to", to,
                "--header", "Subject: swaks " + token,
                "--body", "Body written by swaks for " + token,
                "--timeout", "20s"));
    arguments.addAll(extra);
    return swaks.run(arguments.toArray(String[]::new));
  }

  /** The message the server said it queued, checked against what swaks sent. */
  private static QueuedMessage queuedFrom(ExternalTool.Run run, String token) throws Exception {
    Matcher queued = QUEUED_AS.matcher(run.output());
    assertThat(queued.find()).as("a queue id in swaks's dialogue%n%s", run.describe()).isTrue();
    QueuedMessage message = server.messageContaining(token);
    assertThat(message.id().toString()).isEqualTo(queued.group(1));
    assertThat(content(message))
        .contains("\r\nSubject: swaks " + token + "\r\n")
        .contains("Body written by swaks for " + token)
        .contains("X-Mailer: swaks");
    assertThat(topReceived(message)).startsWith("Received: from client.example ([127.0.0.1]) by mx.hikyaku.test (Hikyaku) with ");
    return message;
  }
}
