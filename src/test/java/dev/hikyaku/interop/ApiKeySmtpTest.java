package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.app.Server;
import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.events.Event;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.store.ApiKey;
import dev.hikyaku.testing.SettableClock;
import dev.hikyaku.testing.TestServers;
import java.io.IOException;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.SMTPReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API keys as the password of SMTP AUTH (issue 12 item 2) on a running server over real sockets
 * with STARTTLS: the user name is the account the key acts for. Scope, revocation, sender limits
 * and the network allow-list are each checked, and every attempt reaches the audit events naming
 * the key, never the secret. 127.0.X.0/24 are different networks to the server.
 */
class ApiKeySmtpTest {

  private static final String ACCOUNT = "app@a.example";
  private static final String PASSWORD = "a pass phrase long enough for any policy 7";
  private static final Set<ApiKey.Scope> SEND = EnumSet.of(ApiKey.Scope.SEND);

  @TempDir Path data;
  private Server server;
  private SSLContext trust;
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final List<String> secrets = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = TestServers.start(TestServers.config(data), UnaryOperator.identity(), List.of(events::add));
    trust = TestServers.clientTrusting(server.tls().currentCertificate());
    TestServers.createAccount(server, ACCOUNT, PASSWORD);
    server.store().accounts().addSender(ACCOUNT, "@a.example");
    server.store().accounts().addSender(ACCOUNT, "@b.example");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    // Whatever happened, no event carries a key.
    for (String secret : secrets) {
      assertThat(events).allSatisfy(e -> assertThat(e.toString()).doesNotContain(secret).doesNotContain(secret.substring(3)));
    }
  }

  private String newKey(String name, Set<ApiKey.Scope> scopes, List<String> senders, List<String> networks) throws Exception {
    return newKey(name, scopes, senders, networks, ApiKey.Limits.NONE);
  }

  private String newKey(String name, Set<ApiKey.Scope> scopes, List<String> senders, List<String> networks,
      ApiKey.Limits limits) throws Exception {
    String key = GeneratedSecrets.newApiKey(new SecureRandom());
    secrets.add(key);
    server.store().apiKeys().add(ACCOUNT, name, GeneratedSecrets.keyedHash(server.store().serverSecret().value(), key),
        scopes, senders, networks, limits);
    return key;
  }

  /** Connected from {@code from} to the submission port, EHLO, STARTTLS, EHLO again. */
  private AuthenticatingSMTPClient connect(String from) throws Exception {
    AuthenticatingSMTPClient client = new AuthenticatingSMTPClient(false, trust);
    client.setDefaultTimeout(30_000);
    client.connect(InetAddress.getByName("127.0.0.1"), server.port(ListenerRole.SUBMISSION), InetAddress.getByName(from), 0);
    client.ehlo("client.example");
    assertThat(client.execTLS()).as(client.getReplyString()).isTrue();
    client.ehlo("client.example");
    return client;
  }

  private static String auth(AuthenticatingSMTPClient client, AuthenticatingSMTPClient.AUTH_METHOD method, String user, String key)
      throws Exception {
    client.auth(method, user, key);
    return client.getReplyString().strip();
  }

  /** AUTH PLAIN from {@code from} on a fresh connection; the reply. */
  private String login(String from, String user, String key) throws Exception {
    AuthenticatingSMTPClient client = connect(from);
    try {
      return auth(client, AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, user, key);
    } finally {
      disconnect(client);
    }
  }

  private static void disconnect(AuthenticatingSMTPClient client) {
    try {
      client.disconnect();
    } catch (IOException ignored) {
      // Already closed by the server.
    }
  }

  /** The last AUTH attempt published, once one has a reason containing {@code text}. */
  private Event.AuthAttempt authAttemptWith(String text) {
    await().atMost(Duration.ofSeconds(10)).until(() -> events.stream()
        .anyMatch(e -> e instanceof Event.AuthAttempt a && a.reason().contains(text)));
    return events.stream()
        .filter(e -> e instanceof Event.AuthAttempt a && a.reason().contains(text))
        .map(Event.AuthAttempt.class::cast)
        .reduce((first, second) -> second)
        .orElseThrow();
  }

  @Test
  void aSendKeyAuthenticatesWithPlainAndLoginOnBothSubmissionPortsAndSends() throws Exception {
    String key = newKey("billing", SEND, List.of(), List.of());

    AuthenticatingSMTPClient client = connect("127.0.1.1");
    try {
      assertThat(auth(client, AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, ACCOUNT, key)).startsWith("235 2.7.0");
      assertThat(client.setSender("news@b.example")).as(client.getReplyString()).isTrue();
      assertThat(client.addRecipient("bob@elsewhere.example")).as(client.getReplyString()).isTrue();
      try (Writer body = client.sendMessageData()) {
        body.write("From: news@b.example\r\nTo: bob@elsewhere.example\r\nSubject: with a key\r\n\r\nSent with an API key.\r\n");
      }
      assertThat(client.completePendingCommand()).as(client.getReplyString()).isTrue();
      assertThat(client.getReplyString()).startsWith("250 2.0.0 Ok: queued as ");
    } finally {
      disconnect(client);
    }
    Event.AuthAttempt success = authAttemptWith("with api key billing");
    assertThat(success.account()).isEqualTo(ACCOUNT);
    assertThat(success.result().kind()).isEqualTo(Event.AuthAttempt.Kind.SUCCESS);
    assertThat(success.reason()).isEqualTo("with api key billing");

    AuthenticatingSMTPClient viaLogin = connect("127.0.1.1");
    try {
      assertThat(auth(viaLogin, AuthenticatingSMTPClient.AUTH_METHOD.LOGIN, ACCOUNT.toUpperCase(java.util.Locale.ROOT), key))
          .startsWith("235 2.7.0");
    } finally {
      disconnect(viaLogin);
    }

    // RFC 8314: the same key on the implicit-TLS port.
    AuthenticatingSMTPClient implicit = new AuthenticatingSMTPClient(true, trust);
    implicit.setDefaultTimeout(30_000);
    implicit.connect(InetAddress.getByName("127.0.0.1"), server.port(ListenerRole.SUBMISSIONS), InetAddress.getByName("127.0.1.1"), 0);
    try {
      implicit.ehlo("client.example");
      assertThat(auth(implicit, AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, ACCOUNT, key)).startsWith("235 2.7.0");
    } finally {
      disconnect(implicit);
    }
    await().atMost(Duration.ofSeconds(10)).until(() ->
        server.store().apiKeys().list(java.util.Optional.empty()).getFirst().lastUsedAt().isPresent());
  }

  @Test
  void aReadOnlyKeyARevokedKeyAndAnotherAccountsNameAreRefusedLikeAWrongPassword() throws Exception {
    String readOnly = newKey("reporting", EnumSet.of(ApiKey.Scope.READ, ApiKey.Scope.ADMIN), List.of(), List.of());
    String revoked = newKey("old", SEND, List.of(), List.of());
    server.store().apiKeys().revoke("old");
    TestServers.createAccount(server, "other@a.example", PASSWORD);

    assertThat(login("127.0.2.1", ACCOUNT, readOnly)).startsWith("535 5.7.8");
    assertThat(authAttemptWith("with api key reporting").reason()).isEqualTo("with api key reporting: lacks scope send");
    assertThat(login("127.0.3.1", ACCOUNT, revoked)).startsWith("535 5.7.8");
    assertThat(authAttemptWith("with api key old").reason()).isEqualTo("with api key old: revoked");
    String good = newKey("good", SEND, List.of(), List.of());
    assertThat(login("127.0.4.1", "other@a.example", good)).startsWith("535 5.7.8");
    Event.AuthAttempt wrongUser = authAttemptWith("with api key good");
    assertThat(wrongUser.account()).isEqualTo("other@a.example");
    assertThat(wrongUser.reason()).isEqualTo("with api key good: acts for another account than the user named");
    assertThat(login("127.0.5.1", ACCOUNT, GeneratedSecrets.newApiKey(new SecureRandom()))).startsWith("535 5.7.8");
    assertThat(authAttemptWith("with an unknown api key").result().code()).isEqualTo(535);
  }

  @Test
  void aKeyLimitedToOneDomainCannotSendAsAnotherTheAccountOwns() throws Exception {
    String key = newKey("a-only", SEND, List.of("@a.example"), List.of());

    AuthenticatingSMTPClient client = connect("127.0.1.1");
    try {
      assertThat(auth(client, AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, ACCOUNT, key)).startsWith("235 ");
      assertThat(client.mail("<news@b.example>")).isEqualTo(553);
      assertThat(client.getReplyString()).startsWith("553 5.7.1 <news@b.example>: Sender address rejected: not allowed for API key a-only");

      // Within the key's limit in the envelope, outside it in From:: refused after the data.
      assertThat(client.setSender("shop@a.example")).as(client.getReplyString()).isTrue();
      assertThat(client.addRecipient("bob@elsewhere.example")).as(client.getReplyString()).isTrue();
      try (Writer body = client.sendMessageData()) {
        body.write("From: news@b.example\r\nTo: bob@elsewhere.example\r\nSubject: spoof\r\n\r\nNo.\r\n");
      }
      assertThat(client.completePendingCommand()).isFalse();
      assertThat(client.getReplyString()).startsWith("550 5.7.1 From: header address <news@b.example> not allowed for API key a-only");
      assertThat(client.setSender("shop@a.example")).as(client.getReplyString()).isTrue();
      assertThat(SMTPReply.isPositiveCompletion(client.rset())).isTrue();
    } finally {
      disconnect(client);
    }
  }

  @Test
  void aKeysOwnMessageRateDefersItsThirdMailWhileTheAccountsPasswordStillSends() throws Exception {
    // Rate windows are aligned to the epoch: a clock standing one second into an hour keeps every
    // MAIL of the test in one minute, whenever it runs. Same store, so the account stays.
    server.close();
    SettableClock clock = new SettableClock(Instant.ofEpochSecond(Instant.now().getEpochSecond() / 3600 * 3600 + 1));
    server = Server.start(TestServers.config(data), UnaryOperator.identity(), List.of(events::add), clock);
    trust = TestServers.clientTrusting(server.tls().currentCertificate());
    String key = newKey("two-a-minute", SEND, List.of(), List.of(), new ApiKey.Limits(OptionalInt.of(2), OptionalInt.empty()));

    AuthenticatingSMTPClient client = connect("127.0.1.1");
    try {
      assertThat(auth(client, AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, ACCOUNT, key)).startsWith("235 ");
      for (int i = 0; i < 2; i++) {
        assertThat(client.setSender("shop@a.example")).as(client.getReplyString()).isTrue();
        assertThat(SMTPReply.isPositiveCompletion(client.rset())).isTrue();
      }
      assertThat(client.mail("<shop@a.example>")).isEqualTo(450);
      assertThat(client.getReplyString())
          .startsWith("450 4.7.1 Message rate limit reached for API key two-a-minute: 2 per minute; try again later");
    } finally {
      disconnect(client);
    }

    // The key narrows its account, it does not stop it: the password is another door.
    AuthenticatingSMTPClient withPassword = connect("127.0.1.1");
    try {
      assertThat(auth(withPassword, AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, ACCOUNT, PASSWORD)).startsWith("235 ");
      assertThat(withPassword.setSender("shop@a.example")).as(withPassword.getReplyString()).isTrue();
    } finally {
      disconnect(withPassword);
    }
  }

  @Test
  void anAllowListRefusesAuthFromElsewhere() throws Exception {
    String key = newKey("office", SEND, List.of(), List.of("127.0.9.0/24", "2001:db8::/32"));

    assertThat(login("127.0.8.1", ACCOUNT, key)).startsWith("535 5.7.8");
    Event.AuthAttempt refused = authAttemptWith("with api key office");
    assertThat(refused.reason()).isEqualTo("with api key office: not allowed from 127.0.8.1");
    assertThat(refused.result().code()).isEqualTo(535);

    assertThat(login("127.0.9.7", ACCOUNT, key)).startsWith("235 ");
  }
}
