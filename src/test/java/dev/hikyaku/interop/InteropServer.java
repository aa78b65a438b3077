package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.auth.Principal;
import dev.hikyaku.config.ConfigLoader;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.events.Event;
import dev.hikyaku.net.TestCertificates;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsEngineKind;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.store.QueueEntry;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real server on 127.0.0.1 for external clients. {@link #start} gives the submission listeners'
 * sessions {@link #PRINCIPAL} from the start (the settings seam, for tests about TLS and mail flow);
 * {@link #startWithRealAuth} has no seam, so clients must authenticate with SMTP AUTH. The server's
 * certificate is written to a PEM file, the only trust anchor the clients are given,
 * so each TLS test verifies for real.
 */
final class InteropServer implements AutoCloseable {

  static final String PRINCIPAL = "alice@hikyaku.test";
  static final String HOSTNAME = TestServers.HOSTNAME;
  /** The password of {@link #PRINCIPAL}'s account, for the AUTH interop tests. */
  static final String PASSWORD = "a pass phrase long enough for any policy 7";

  /**
   * The hosted addresses the external clients send to on port 25: accounts here, since a hosted
   * domain takes mail only for its known recipients (unknown ones get 550 5.1.1).
   */
  static final List<String> MAILBOXES = List.of("user@" + TestServers.HOSTED_DOMAIN, "\u03b4\u03bf\u03ba\u03b9\u03bc\u03ae@" + TestServers.HOSTED_DOMAIN);

  /** The mechanisms of the real-AUTH server's submission listener (port 587's role). */
  static final List<String> SUBMISSION_MECHANISMS =
      List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER");

  /**
   * The mechanisms of its submissions listener: the same without OAUTHBEARER, so that a client that
   * picks OAUTHBEARER whenever it is offered (curl 7.88, curl issue #10259) can be made to use
   * XOAUTH2 there.
   */
  static final List<String> SUBMISSIONS_MECHANISMS =
      List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2");

  // RFC 5322 §2.2.3: unfold first (CRLF followed by WSP), then read the clause.
  private static final Pattern FOLD = Pattern.compile("\r\n[ \t]");
  private static final Pattern WITH_CLAUSE = Pattern.compile("\\swith\\s+(\\S+)");

  private final Server server;
  private final Path certificateFile;
  private final Path impostorCertificateFile;
  private final List<Event> events;
  private final TokenIssuer issuer;

  private InteropServer(
      Server server, Path certificateFile, Path impostorCertificateFile, List<Event> events, TokenIssuer issuer) {
    this.server = server;
    this.certificateFile = certificateFile;
    this.impostorCertificateFile = impostorCertificateFile;
    this.events = events;
    this.issuer = issuer;
  }

  static InteropServer start(Path directory) throws Exception {
    return start(directory, TlsEngineKind.JDK);
  }

  /** As {@link #start(Path)}, the SMTP listeners' TLS from {@code engine} ({@code tls.engine}). */
  static InteropServer start(Path directory, TlsEngineKind engine) throws Exception {
    List<Event> events = new CopyOnWriteArrayList<>();
    HikyakuConfig base = TestServers.config(directory.resolve("data"));
    Server server =
        TestServers.start(
            base.withTls(base.tls().withEngine(engine)),
            s -> s.role() == ListenerRole.RELAY ? s : s.withAssumedPrincipal(new Principal(PRINCIPAL)),
            List.of(events::add));
    // The assumed principal owns its address only if its account exists (RFC 6409 §4.2 check).
    TestServers.createAccount(server, PRINCIPAL, PASSWORD);
    TestServers.createMailboxes(server, MAILBOXES.toArray(String[]::new));
    return withCertificates(server, directory, events, null);
  }

  /**
   * A server with real SMTP AUTH (RFC 4954) and no assumed principal: a submission client owns
   * nothing until it authenticates. Every mechanism is offered after TLS, CRAM-MD5 and the two
   * bearer-token ones included, tokens coming from a {@link TokenIssuer} made here; the account
   * {@link #PRINCIPAL} exists with {@link #PASSWORD}. The certificate names {@link #HOSTNAME} and
   * 127.0.0.1 ({@link LoopbackCertificate}).
   */
  static InteropServer startWithRealAuth(Path directory) throws Exception {
    return startWithRealAuth(directory, TlsEngineKind.JDK);
  }

  /** As {@link #startWithRealAuth(Path)}, with {@code tls.engine} set to {@code engine} in the config file. */
  static InteropServer startWithRealAuth(Path directory, TlsEngineKind engine) throws Exception {
    TokenIssuer issuer = TokenIssuer.create(directory);
    InteropServer server = startFromConfigFile(writeRealAuthConfig(directory, issuer, engine), directory, issuer);
    TestServers.createAccount(server.server, PRINCIPAL, PASSWORD);
    return server;
  }

  /**
   * Writes the config file of a real-AUTH server to {@code directory/hikyaku.yaml}: data in {@code
   * directory/data}, CRAM-MD5 turned on, tokens from {@code issuer}, the {@link LoopbackCertificate}.
   * The admin CLI reads the same file, so accounts it creates land in the store the server opens.
   */
  static Path writeRealAuthConfig(Path directory, TokenIssuer issuer) throws Exception {
    return writeRealAuthConfig(directory, issuer, TlsEngineKind.JDK);
  }

  static Path writeRealAuthConfig(Path directory, TokenIssuer issuer, TlsEngineKind engine) throws Exception {
    LoopbackCertificate.PemFiles tls = LoopbackCertificate.write(directory, HOSTNAME);
    String yaml =
        """
        hostname: %s
        data-directory: "%s"
        hosted-domains: [%s, localhost]
        tls:
          certificate: "%s"
          private-key: "%s"
          reload-check-interval: 0s
          engine: %s
        auth:
          cram-md5: true
          mechanisms:
            relay: []
            submission: [%s]
            submissions: [%s]
          oauth:
            issuer: %s
            jwks-file: "%s"
            audience: [%s]
            account-claim: %s
        """
            .formatted(
                HOSTNAME,
                directory.resolve("data").toAbsolutePath(),
                TestServers.HOSTED_DOMAIN,
                tls.certificate().toAbsolutePath(),
                tls.privateKey().toAbsolutePath(),
                engine.configName(),
                String.join(", ", SUBMISSION_MECHANISMS),
                String.join(", ", SUBMISSIONS_MECHANISMS),
                TokenIssuer.ISSUER,
                issuer.jwksFile().toAbsolutePath(),
                TokenIssuer.AUDIENCE,
                TokenIssuer.ACCOUNT_CLAIM);
    Path file = directory.resolve("hikyaku.yaml");
    Files.writeString(file, yaml, StandardCharsets.UTF_8);
    return file;
  }

  /**
   * A real-AUTH server from {@code configFile} as the YAML loader reads it, moved to loopback
   * listeners on ephemeral ports (the file keeps the default ports, which tests must not bind).
   */
  static InteropServer startFromConfigFile(Path configFile, Path directory, TokenIssuer issuer) throws Exception {
    HikyakuConfig loaded = ConfigLoader.load(configFile);
    HikyakuConfig test = TestServers.config(loaded.dataDirectory());
    HikyakuConfig config =
        loaded.withListeners(test.listeners()).withHttp(test.http()).withAbuse(test.abuse()).withDelivery(test.delivery())
            .withMailAuth(test.mailAuth()).withApi(test.api());
    List<Event> events = new CopyOnWriteArrayList<>();
    Server server = TestServers.start(config, UnaryOperator.identity(), List.of(events::add));
    TestServers.createMailboxes(server, MAILBOXES.toArray(String[]::new));
    return withCertificates(server, directory, events, issuer);
  }

  private static InteropServer withCertificates(Server server, Path directory, List<Event> events, TokenIssuer issuer)
      throws Exception {
    Path certificateFile = directory.resolve("server-cert.pem");
    String pem =
        "-----BEGIN CERTIFICATE-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(server.tls().currentCertificate().getEncoded())
            + "\n-----END CERTIFICATE-----\n";
    Files.writeString(certificateFile, pem, StandardCharsets.US_ASCII);
    Path impostorCertificateFile = directory.resolve("impostor-cert.pem");
    Files.writeString(
        impostorCertificateFile, TestCertificates.ecdsa(HOSTNAME).certificateChainPem(), StandardCharsets.US_ASCII);
    return new InteropServer(server, certificateFile, impostorCertificateFile, events, issuer);
  }

  /** The issuer whose tokens this server accepts; only a real-AUTH server has one. */
  TokenIssuer issuer() {
    if (issuer == null) {
      throw new IllegalStateException("this server has no token issuer: start it with startWithRealAuth");
    }
    return issuer;
  }

  /** The running server (its store, config and TLS contexts). */
  Server server() {
    return server;
  }

  int port(ListenerRole role) {
    return server.port(role);
  }

  String portText(ListenerRole role) {
    return Integer.toString(port(role));
  }

  /** PEM of the certificate the server presents; a client trusting only this verifies for real. */
  Path certificateFile() {
    return certificateFile;
  }

  /**
   * PEM of a certificate for the same hostname under another key: a client told to trust only this
   * must refuse the server, which shows its verification is real.
   */
  Path impostorCertificateFile() {
    return impostorCertificateFile;
  }

  /** A word no other test's message contains, to find this test's message in the shared store. */
  static String token() {
    return "interop-" + UUID.randomUUID();
  }

  /** The one queued message whose content contains {@code token}; fails when there is not exactly one. */
  QueuedMessage messageContaining(String token) throws Exception {
    List<QueuedMessage> found = messagesContaining(token);
    assertThat(found).as("queued messages containing %s", token).hasSize(1);
    return found.getFirst();
  }

  List<QueuedMessage> messagesContaining(String token) throws Exception {
    byte[] needle = token.getBytes(StandardCharsets.UTF_8);
    List<QueuedMessage> found = new ArrayList<>();
    for (QueueEntry entry : server.store().queueAdmin().list(QueueQuery.all())) {
      QueuedMessage message = server.store().queueAdmin().find(entry.id()).orElseThrow();
      if (indexOf(message.content(), needle) >= 0) {
        found.add(message);
      }
    }
    return found;
  }

  /** Where the next event will land in {@link #eventsSince}: take it before running a client. */
  int eventMark() {
    return events.size();
  }

  List<Event> eventsSince(int mark) {
    // A snapshot first: the session thread may still publish (ConnectionClosed) while this reads,
    // and a view of the live list fails on any concurrent add.
    List<Event> all = List.copyOf(events);
    return all.subList(mark, all.size());
  }

  /** What a successful AUTH records: its kind and the reply the client got (RFC 4954 §6: 235 2.7.0). */
  static final Event.AuthAttempt.Result SUCCEEDED =
      new Event.AuthAttempt.Result(Event.AuthAttempt.Kind.SUCCESS, 235, EnhancedStatus.of(2, 7, 0));

  /** What refused credentials record: 535 5.7.8, the reply the audit log shows and fail2ban bans on. */
  static final Event.AuthAttempt.Result CREDENTIALS_REFUSED =
      new Event.AuthAttempt.Result(Event.AuthAttempt.Kind.INVALID_CREDENTIALS, 535, EnhancedStatus.of(5, 7, 8));

  /** The AUTH attempts (RFC 4954 exchanges that finished) since {@code mark}, in order. */
  List<Event.AuthAttempt> authAttemptsSince(int mark) {
    return eventsSince(mark).stream()
        .filter(Event.AuthAttempt.class::isInstance)
        .map(Event.AuthAttempt.class::cast)
        .toList();
  }

  /** The one AUTH attempt that finished since {@code mark}; fails unless there is exactly one. */
  Event.AuthAttempt onlyAuthAttemptSince(int mark) {
    List<Event.AuthAttempt> attempts = authAttemptsSince(mark);
    assertThat(attempts).as("AUTH attempts since mark %d", mark).hasSize(1);
    return attempts.getFirst();
  }

  /**
   * The one message containing {@code token}, checked to have come in after SMTP AUTH as {@code
   * account}: the principal recorded with it, and "ESMTPSA" in its Received header (RFC 3848: TLS
   * and AUTH).
   */
  QueuedMessage submittedBy(String account, String token) throws Exception {
    QueuedMessage message = messageContaining(token);
    assertThat(message.origin().principal()).as("principal of the queued message").isEqualTo(account);
    assertThat(receivedWith(message)).isEqualTo("ESMTPSA");
    return message;
  }

  static String content(QueuedMessage message) {
    return new String(message.content(), StandardCharsets.UTF_8);
  }

  /** The topmost Received header, unfolded: the one this server added (RFC 5321 §4.4 prepends). */
  static String topReceived(QueuedMessage message) {
    String content = content(message);
    assertThat(content).as("message starts with the trace header").startsWith("Received: ");
    String unfolded = FOLD.matcher(content).replaceAll(" ");
    return unfolded.substring(0, unfolded.indexOf("\r\n"));
  }

  /** The protocol named in the {@code with} clause of the topmost Received header (RFC 3848). */
  static String receivedWith(QueuedMessage message) {
    String received = topReceived(message);
    Matcher with = WITH_CLAUSE.matcher(received);
    assertThat(with.find()).as("a with clause in %s", received).isTrue();
    return with.group(1);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Override
  public void close() {
    server.close();
  }
}
