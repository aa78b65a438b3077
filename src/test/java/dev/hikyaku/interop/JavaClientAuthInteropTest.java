package dev.hikyaku.interop;

import static dev.hikyaku.interop.InteropServer.PASSWORD;
import static dev.hikyaku.interop.InteropServer.PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hikyaku.events.Event;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.testing.TestServers;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.Writer;
import java.nio.file.Path;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.SMTPReply;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The two Java SMTP clients people embed: Angus Mail (the Jakarta Mail implementation) with PLAIN
 * and LOGIN, and Apache Commons Net's {@code AuthenticatingSMTPClient} with CRAM-MD5 and XOAUTH2.
 * Both run in this JVM, trust only the server's certificate and check its name (127.0.0.1, which
 * the fixture's certificate names).
 */
@Tag("interop")
class JavaClientAuthInteropTest {

  private static final String WRONG = "not the pass phrase of this account 7";
  private static final int TIMEOUT_MILLIS = 20_000;

  @TempDir static Path directory;
  private static InteropServer server;
  private static SSLContext trustingTheServer;

  @BeforeAll
  static void start() throws Exception {
    server = InteropServer.startWithRealAuth(directory);
    trustingTheServer = TestServers.clientTrusting(server.server().tls().currentCertificate());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  // ---- Angus Mail ------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"PLAIN", "LOGIN"})
  void angusMailAuthenticatesAndSendsAsTheAccount(String mechanism) throws Exception {
    String token = InteropServer.token();
    int mark = server.eventMark();
    Session session = angusSession(mechanism);

    Transport.send(angusMessage(session, PRINCIPAL, token), PRINCIPAL, PASSWORD);

    server.submittedBy(PRINCIPAL, token);
    assertThat(server.onlyAuthAttemptSince(mark))
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly(mechanism, PRINCIPAL, InteropServer.SUCCEEDED);
  }

  @ParameterizedTest
  @ValueSource(strings = {"PLAIN", "LOGIN"})
  void angusMailWithTheWrongPasswordGetsAuthenticationFailedWith535(String mechanism) throws Exception {
    String token = InteropServer.token();
    int mark = server.eventMark();
    Session session = angusSession(mechanism);

    AuthenticationFailedException refused =
        catchThrowableOfType(
            AuthenticationFailedException.class,
            () -> Transport.send(angusMessage(session, PRINCIPAL, token), PRINCIPAL, WRONG));

    assertThat(refused.getMessage()).startsWith("535 5.7.8 Authentication credentials invalid");
    assertThat(server.messagesContaining(token)).isEmpty();
    assertThat(server.onlyAuthAttemptSince(mark))
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly(mechanism, PRINCIPAL, InteropServer.CREDENTIALS_REFUSED);
  }

  @Test
  void angusMailSendingAsAnotherUserIsRefusedWith553() throws Exception {
    String token = InteropServer.token();
    String someoneElse = "mallory@hikyaku.test";
    int mark = server.eventMark();
    Session session = angusSession("PLAIN");

    MessagingException refused =
        catchThrowableOfType(
            MessagingException.class,
            () -> Transport.send(angusMessage(session, someoneElse, token), PRINCIPAL, PASSWORD));

    // Authenticated fine; the MAIL FROM is what fails (RFC 6409 §4.2 / RFC 4954 §6).
    assertThat(refused).isInstanceOf(SMTPSendFailedException.class);
    SMTPSendFailedException failed = (SMTPSendFailedException) refused;
    assertThat(failed.getReturnCode()).isEqualTo(553);
    assertThat(failed.getCommand()).isEqualTo("MAIL FROM:<" + someoneElse + ">");
    assertThat(failed.getMessage())
        .startsWith("553 5.7.1 <" + someoneElse + ">: Sender address rejected: not owned by user " + PRINCIPAL);
    assertThat(server.messagesContaining(token)).isEmpty();
    assertThat(server.onlyAuthAttemptSince(mark)).extracting(Event.AuthAttempt::result).isEqualTo(InteropServer.SUCCEEDED);
    assertThat(server.eventsSince(mark))
        .filteredOn(Event.SenderRejected.class::isInstance)
        .map(e -> ((Event.SenderRejected) e).sender())
        .containsExactly(someoneElse);
  }

  /**
   * A session that insists on STARTTLS (RFC 3207) and AUTH with one mechanism, trusting exactly
   * the server's certificate and checking that it names the host connected to.
   */
  private static Session angusSession(String mechanism) {
    Properties properties = new Properties();
    properties.put("mail.smtp.host", LoopbackCertificate.LOOPBACK);
    properties.put("mail.smtp.port", server.portText(ListenerRole.SUBMISSION));
    properties.put("mail.smtp.localhost", "client.example");
    properties.put("mail.smtp.starttls.enable", "true");
    properties.put("mail.smtp.starttls.required", "true");
    properties.put("mail.smtp.auth", "true");
    properties.put("mail.smtp.auth.mechanisms", mechanism);
    properties.put("mail.smtp.ssl.socketFactory", trustingTheServer.getSocketFactory());
    properties.put("mail.smtp.ssl.checkserveridentity", "true");
    properties.put("mail.smtp.connectiontimeout", Integer.toString(TIMEOUT_MILLIS));
    properties.put("mail.smtp.timeout", Integer.toString(TIMEOUT_MILLIS));
    properties.put("mail.smtp.writetimeout", Integer.toString(TIMEOUT_MILLIS));
    return Session.getInstance(properties);
  }

  private static MimeMessage angusMessage(Session session, String from, String token) throws MessagingException {
    MimeMessage message = new MimeMessage(session);
    message.setFrom(new InternetAddress(from));
    message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@elsewhere.example"));
    message.setSubject("angus " + token);
    message.setText("Body written by Angus Mail for " + token);
    return message;
  }

  // ---- Commons Net -----------------------------------------------------------------------------

  @Test
  void commonsNetCramMd5AuthenticatesAndSendsAsTheAccount() throws Exception {
    String token = InteropServer.token();
    int mark = server.eventMark();
    AuthenticatingSMTPClient client = commonsNetAfterStartTls();
    try {
      boolean isAuthenticated = client.auth(AuthenticatingSMTPClient.AUTH_METHOD.CRAM_MD5, PRINCIPAL, PASSWORD);

      assertThat(isAuthenticated).as(client.getReplyString()).isTrue();
      assertThat(client.getReplyString()).isEqualTo("235 2.7.0 Authentication successful\r\n");
      sendWithCommonsNet(client, token);
    } finally {
      client.disconnect();
    }
    server.submittedBy(PRINCIPAL, token);
    assertThat(server.onlyAuthAttemptSince(mark))
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly("CRAM-MD5", PRINCIPAL, InteropServer.SUCCEEDED);
  }

  @Test
  void commonsNetCramMd5WithTheWrongPasswordGets535() throws Exception {
    int mark = server.eventMark();
    AuthenticatingSMTPClient client = commonsNetAfterStartTls();
    try {
      boolean isAuthenticated = client.auth(AuthenticatingSMTPClient.AUTH_METHOD.CRAM_MD5, PRINCIPAL, WRONG);

      assertThat(isAuthenticated).isFalse();
      assertThat(client.getReplyString()).isEqualTo("535 5.7.8 Authentication credentials invalid\r\n");
    } finally {
      client.disconnect();
    }
    Event.AuthAttempt attempt = server.onlyAuthAttemptSince(mark);
    assertThat(attempt)
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result, Event.AuthAttempt::reason)
        .containsExactly("CRAM-MD5", PRINCIPAL, InteropServer.CREDENTIALS_REFUSED, "wrong CRAM-MD5 digest");
  }

  /**
   * Commons Net 3.13's XOAUTH2 sends its {@code username} argument, base64-encoded, as the whole
   * client response, so the caller builds Google's "user=...^Aauth=Bearer ...^A^A" itself; and it
   * returns whether the reply was 3xx, so success (235) reads {@code false}. The tests look at the
   * reply instead of that boolean.
   */
  @Test
  void commonsNetXoauth2AuthenticatesAndSendsAsTheAccount() throws Exception {
    String token = InteropServer.token();
    String bearer = server.issuer().token(PRINCIPAL);
    int mark = server.eventMark();
    AuthenticatingSMTPClient client = commonsNetAfterStartTls();
    try {
      client.auth(AuthenticatingSMTPClient.AUTH_METHOD.XOAUTH2, xoauth2Response(PRINCIPAL, bearer), "");

      assertThat(client.getReplyString()).isEqualTo("235 2.7.0 Authentication successful\r\n");
      sendWithCommonsNet(client, token);
    } finally {
      client.disconnect();
    }
    server.submittedBy(PRINCIPAL, token);
    assertThat(server.onlyAuthAttemptSince(mark))
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly("XOAUTH2", PRINCIPAL, InteropServer.SUCCEEDED);
  }

  @Test
  void commonsNetXoauth2WithAnExpiredTokenGetsTheErrorChallengeThen535() throws Exception {
    String bearer = server.issuer().expiredToken(PRINCIPAL);
    int mark = server.eventMark();
    AuthenticatingSMTPClient client = commonsNetAfterStartTls();
    try {
      client.auth(AuthenticatingSMTPClient.AUTH_METHOD.XOAUTH2, xoauth2Response(PRINCIPAL, bearer), "");
      // The XOAUTH2 error challenge, {"status":"401","schemes":"Bearer"}.
      assertThat(client.getReplyString()).isEqualTo("334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiQmVhcmVyIn0=\r\n");

      // Google's XOAUTH2: the client answers the error with an empty response and gets the failure.
      int reply = client.sendCommand("");

      assertThat(reply).isEqualTo(535);
      assertThat(client.getReplyString()).isEqualTo("535 5.7.8 Authentication credentials invalid\r\n");
    } finally {
      client.disconnect();
    }
    Event.AuthAttempt attempt = server.onlyAuthAttemptSince(mark);
    assertThat(attempt)
        .extracting(Event.AuthAttempt::mechanism, Event.AuthAttempt::account, Event.AuthAttempt::result)
        .containsExactly("XOAUTH2", PRINCIPAL, InteropServer.CREDENTIALS_REFUSED);
    assertThat(attempt.reason()).startsWith("token refused: expired at ");
  }

  /** Connected to the submission port, EHLO, STARTTLS with the name checked, EHLO again. */
  private static AuthenticatingSMTPClient commonsNetAfterStartTls() throws Exception {
    AuthenticatingSMTPClient client = new AuthenticatingSMTPClient(false, trustingTheServer);
    client.setEndpointCheckingEnabled(true);
    client.setDefaultTimeout(TIMEOUT_MILLIS);
    client.setConnectTimeout(TIMEOUT_MILLIS);
    client.connect(LoopbackCertificate.LOOPBACK, server.port(ListenerRole.SUBMISSION));
    client.setSoTimeout(TIMEOUT_MILLIS);
    assertThat(SMTPReply.isPositiveCompletion(client.ehlo("client.example"))).as(client.getReplyString()).isTrue();
    assertThat(client.execTLS()).as(client.getReplyString()).isTrue();
    // RFC 3207 §4.2: everything learned before TLS is forgotten; AUTH is offered only now.
    assertThat(SMTPReply.isPositiveCompletion(client.ehlo("client.example"))).as(client.getReplyString()).isTrue();
    assertThat(client.getReplyString()).contains("250 AUTH " + String.join(" ", InteropServer.SUBMISSION_MECHANISMS));
    return client;
  }

  private static void sendWithCommonsNet(AuthenticatingSMTPClient client, String token) throws Exception {
    assertThat(client.setSender(PRINCIPAL)).as(client.getReplyString()).isTrue();
    assertThat(client.addRecipient("bob@elsewhere.example")).as(client.getReplyString()).isTrue();
    try (Writer data = client.sendMessageData()) {
      assertThat(data).as(client.getReplyString()).isNotNull();
      data.write(
          "From: " + PRINCIPAL + "\r\nTo: bob@elsewhere.example\r\nSubject: commons-net " + token
              + "\r\n\r\nBody written by Commons Net for " + token + "\r\n");
    }
    assertThat(client.completePendingCommand()).as(client.getReplyString()).isTrue();
    assertThat(client.getReplyString()).startsWith("250 2.0.0 Ok: queued as ");
    client.logout();
  }

  /** Google's XOAUTH2 initial client response, before base64. */
  private static String xoauth2Response(String user, String bearer) {
    return "user=" + user + "\u0001auth=Bearer " + bearer + "\u0001\u0001";
  }
}
