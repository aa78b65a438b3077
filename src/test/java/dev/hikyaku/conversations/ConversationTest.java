package dev.hikyaku.conversations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.auth.Authenticator;
import dev.hikyaku.auth.Enrolment;
import dev.hikyaku.auth.Mechanism;
import dev.hikyaku.auth.PasswordHasher;
import dev.hikyaku.auth.Argon2Parameters;
import dev.hikyaku.auth.Principal;
import dev.hikyaku.config.ConfigLoader;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.Limits;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.EventSink;
import dev.hikyaku.events.Events;
import dev.hikyaku.intake.MessageIntake;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsEngineKind;
import dev.hikyaku.session.SessionSettings;
import dev.hikyaku.session.Sessions;
import dev.hikyaku.session.SmtpSession;
import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.FromHeaderPolicy;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.store.Store;
import dev.hikyaku.testing.ScriptedLmtp;
import dev.hikyaku.testing.TestServers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every {@code conversations/**.smtp} script against a session in memory, and the ones marked
 * {@code @socket} again against a real server over TCP and TLS on 127.0.0.1.
 */
class ConversationTest {

  private static final Duration REPLY_WAIT = Duration.ofSeconds(10);

  @TempDir static Path storeDirectory;
  private static Store store;

  @BeforeAll
  static void openStore() throws Exception {
    store = Store.openSqlite(storeDirectory, Clock.systemUTC());
  }

  @AfterAll
  static void closeStore() {
    store.close();
  }

  @TestFactory
  Stream<DynamicTest> inMemory() throws Exception {
    return conversations().stream()
        .map(c -> DynamicTest.dynamicTest(c.name() + " — " + c.rule(), () -> run(c, new MemoryPeer(c))));
  }

  @TestFactory
  Stream<DynamicTest> overSockets() throws Exception {
    return conversations().stream()
        .filter(Conversation::runsOverSockets)
        .map(c -> DynamicTest.dynamicTest(c.name() + " — " + c.rule(), () -> run(c, new SocketPeer(c, TlsEngineKind.JDK))));
  }

  /** The same subset with the SMTP listeners' TLS from BoringSSL ({@code tls.engine: boringssl}). */
  @TestFactory
  Stream<DynamicTest> overSocketsWithBoringSsl() throws Exception {
    return conversations().stream()
        .filter(Conversation::runsOverSockets)
        .map(c -> DynamicTest.dynamicTest(c.name() + " — " + c.rule(), () -> run(c, new SocketPeer(c, TlsEngineKind.BORINGSSL))));
  }

  static List<Conversation> conversations() throws IOException, URISyntaxException {
    Path root = Paths.get(ConversationTest.class.getResource("/conversations").toURI());
    List<Conversation> all = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".smtp")).sorted().toList()) {
        all.add(Conversation.parse(file, root.relativize(file).toString()));
      }
    }
    assertThat(all).as("conversation scripts").isNotEmpty();
    return all;
  }

  private static void run(Conversation conversation, Peer peer) throws Exception {
    try (peer) {
      List<String> transcript = new ArrayList<>();
      boolean isStartTlsPending = false;
      java.io.ByteArrayOutputStream batch = new java.io.ByteArrayOutputStream();
      for (Conversation.Step step : conversation.steps()) {
        if (!(step instanceof Conversation.Send) && batch.size() > 0) {
          // A run of client lines goes out in one write: that is what pipelining looks like.
          peer.send(batch.toByteArray());
          batch.reset();
        }
        switch (step) {
          case Conversation.Send send -> {
            batch.writeBytes(send.bytes());
            transcript.add("C: " + send.shown());
            isStartTlsPending = send.isStartTls() || isStartTlsPending;
          }
          case Conversation.Expect expect -> {
            String line = peer.readLine();
            transcript.add("S: " + line);
            assertThat(line)
                .as("%s: expected '%s'%ntranscript:%n%s", conversation.name(), expect.pattern(), String.join("\n", transcript))
                .isNotNull()
                .matches(expect::matches, "matches '" + expect.pattern() + "'");
            if (isStartTlsPending && line.startsWith("220 ")) {
              peer.startTls();
              isStartTlsPending = false;
            }
          }
          case Conversation.ExpectClosed closed -> {
            String line = peer.readLine();
            assertThat(line)
                .as("%s: expected the server to close%ntranscript:%n%s", conversation.name(), String.join("\n", transcript))
                .isNull();
          }
          case Conversation.Shutdown shutdown -> peer.shutdownServer();
          case Conversation.Dribble dribble -> {
            // A slow client, in real time: what is tested is the server's clock against it.
            int sent = 0;
            try {
              for (byte b : dribble.bytes()) {
                peer.send(new byte[] {b});
                sent++;
                Thread.sleep(dribble.interval());
              }
            } catch (IOException hungUp) {
              // the server closed the connection: what comes next in the script says whether it should have
            }
            transcript.add("D: " + dribble.shown() + " (" + sent + " of " + dribble.bytes().length + " octets sent)");
          }
        }
      }
      if (batch.size() > 0) {
        peer.send(batch.toByteArray());
      }
      String queued = conversation.directives().get("queued");
      if (queued != null) {
        assertThat(peer.queuedMessages()).as("messages found in the store").hasSize(Integer.parseInt(queued));
      }
      String authResults = conversation.directives().get("auth-results");
      if (authResults != null) {
        // Each attempt is recorded before its reply is sent, so every one read above is here.
        assertThat(peer.authResults())
            .as("AUTH attempts recorded")
            .containsExactlyElementsOf(authResults.equals("none") ? List.of() : List.of(authResults.split(" +")));
      }
      String stored = conversation.directives().get("stored-line");
      if (stored != null) {
        for (String id : peer.queuedMessages()) {
          assertThat(new String(peer.content(id), java.nio.charset.StandardCharsets.UTF_8))
              .as("stored message %s", id)
              .contains("\r\n" + stored + "\r\n");
        }
      }
    }
  }

  // ---- Settings from directives --------------------------------------------------------------

  static SessionSettings settings(Conversation c, SessionSettings base) {
    Map<String, String> d = c.directives();
    Limits defaults = ConfigLoader.defaults().limits();
    SessionSettings s =
        new SessionSettings(
            base.hostname(),
            base.listener(),
            base.role(),
            longSetting(d, "max-message-size", base.maxMessageSize()),
            (int) longSetting(d, "max-recipients", base.maxRecipients()),
            (int) longSetting(d, "max-errors", base.maxErrors()),
            durationSetting(d, "greeting-delay", base.greetingDelay()),
            durationSetting(d, "command-timeout", base.commandTimeout()),
            durationSetting(d, "data-timeout", base.dataTimeout()),
            durationSetting(d, "data-deadline", base.dataDeadline()),
            longSetting(d, "min-data-rate", base.minDataRate()),
            defaults.tlsHandshakeTimeout(),
            mechanismsSetting(d, base.authMechanisms()),
            Optional.empty());
    String login = d.get("login");
    return login == null ? s : s.withAssumedPrincipal(new Principal(login));
  }

  private static List<Mechanism> mechanismsSetting(Map<String, String> d, List<Mechanism> fallback) {
    String v = d.get("set.auth-mechanisms");
    if (v == null) {
      return fallback;
    }
    return v.isBlank() ? List.of() : Stream.of(v.split(",")).map(n -> Mechanism.bySaslName(n.strip()).orElseThrow()).toList();
  }

  /** Lists what the {@code @suppressed} directives name (idempotent: the memory store is shared). */
  static void suppress(Conversation c, dev.hikyaku.store.Suppressions suppressions) throws StoreException {
    String spec = c.directives().get("suppressed");
    if (spec == null) {
      return;
    }
    java.time.Instant since = java.time.Instant.parse("2026-05-01T09:00:00Z");
    for (String line : spec.split("\n")) {
      String[] words = line.strip().split(" ");
      dev.hikyaku.store.Suppression entry = words.length > 2 && words[2].equals("manual")
          ? dev.hikyaku.store.Suppression.manual(words[0], words[1], since)
          : dev.hikyaku.store.Suppression.hardBounce(words[0], words[1], "5.1.1", "smtp; 550 5.1.1 no such user",
              QueueId.parse("06EY5H1AG2FDX7AG").orElseThrow(), since);
      if (suppressions.find(words[0], words[1]).isEmpty()) {
        suppressions.add(entry);
      }
    }
  }

  /** The mailbox server of an {@code @lmtp-route} directive, started; none without one. */
  static Optional<ScriptedLmtp> lmtpFor(Conversation c) throws IOException {
    return c.directives().containsKey("lmtp-route") ? Optional.of(new ScriptedLmtp()) : Optional.empty();
  }

  /**
   * The test config with the domains of {@code @catch-all} directives taking every local part, and
   * the domain of an {@code @lmtp-route} directive hosted and routed by LMTP to {@code lmtp}, whose
   * answers are awaited {@link #LMTP_VERIFY_TIMEOUT}.
   */
  static HikyakuConfig configFor(Conversation c, HikyakuConfig config, Optional<ScriptedLmtp> lmtp) {
    String spec = c.directives().get("catch-all");
    if (spec != null) {
      Map<String, dev.hikyaku.config.RecipientsConfig.Domain> domains = new java.util.LinkedHashMap<>();
      for (String domain : spec.split("\\s+")) {
        domains.put(domain, new dev.hikyaku.config.RecipientsConfig.Domain(true, List.of()));
      }
      config = config.withRecipients(config.recipients().withDomains(domains));
    }
    if (lmtp.isPresent()) {
      String domain = c.directives().get("lmtp-route").toLowerCase(Locale.ROOT);
      List<String> hosted = new ArrayList<>(config.hostedDomains());
      hosted.add(domain);
      config = config.withHostedDomains(hosted)
          .withDelivery(config.delivery().withRoutes(
              Map.of(domain, new dev.hikyaku.config.DeliveryConfig.Route.Lmtp("127.0.0.1", lmtp.get().port()))))
          .withRecipients(config.recipients().withVerifyTimeout(LMTP_VERIFY_TIMEOUT));
    }
    return config;
  }

  /** How long an {@code @lmtp-route} script's mailbox server has to answer a RCPT. */
  static final Duration LMTP_VERIFY_TIMEOUT = Duration.ofMillis(500);

  /**
   * Creates the accounts {@code @mailbox} directives name, with a password nobody uses (the known
   * recipients of a script about something else), and the aliases {@code @sender} directives give
   * (idempotent: the memory store is shared).
   */
  static void mailboxes(Conversation c, Store store) throws StoreException {
    Accounts accounts = store.accounts();
    String spec = c.directives().get("mailbox");
    if (spec != null) {
      for (String address : spec.split("\\s+")) {
        TestServers.createMailbox(store, address);
      }
    }
    // "@sender account alias": the account (a mailbox, created if need be) may send as the alias.
    String senders = c.directives().get("sender");
    if (senders != null) {
      for (String line : senders.split("\n")) {
        String[] words = line.strip().split("\\s+");
        TestServers.createMailbox(store, words[0]);
        if (!accounts.senders(words[0]).contains(words[1].toLowerCase(Locale.ROOT))) {
          accounts.addSender(words[0], words[1]);
        }
      }
    }
  }

  /** Creates the accounts an {@code @account} directive names (idempotent: the memory store is shared). */
  static void enrol(Conversation c, Store store) throws StoreException {
    Accounts accounts = store.accounts();
    String spec = c.directives().get("account");
    if (spec == null) {
      return;
    }
    Enrolment enrolment =
        new Enrolment(new PasswordHasher(Argon2Parameters.owaspMinimum()), 4096, true, new SecureRandom());
    for (String line : spec.split("\n")) {
      // "address password words... [add-sender]": the password may contain spaces.
      String address = line.strip().substring(0, line.strip().indexOf(' '));
      String password = line.strip().substring(address.length() + 1);
      boolean isAddSender = password.endsWith(" add-sender");
      if (isAddSender) {
        password = password.substring(0, password.length() - " add-sender".length());
      }
      String domain = address.substring(address.indexOf('@') + 1);
      if (!store.domains().list().contains(domain)) {
        store.domains().add(domain);
      }
      if (accounts.find(address).isEmpty()) {
        FromHeaderPolicy policy = isAddSender ? FromHeaderPolicy.ADD_SENDER : FromHeaderPolicy.REJECT;
        accounts.create(address, enrolment.credentials(password.toCharArray()), policy);
      }
    }
  }

  private static long longSetting(Map<String, String> d, String key, long fallback) {
    String v = d.get("set." + key);
    return v == null ? fallback : Long.parseLong(v);
  }

  private static Duration durationSetting(Map<String, String> d, String key, Duration fallback) {
    String v = d.get("set." + key);
    return v == null ? fallback : Duration.ofMillis(Long.parseLong(v.replace("ms", "")));
  }

  static ListenerRole role(Conversation c) {
    return ListenerRole.valueOf(c.listener().toUpperCase(Locale.ROOT));
  }

  /** Counts accepted messages of one conversation, and keeps the kinds of its AUTH attempts. */
  static final class Accepted implements EventSink {
    final List<String> ids = new CopyOnWriteArrayList<>();
    final List<String> authResults = new CopyOnWriteArrayList<>();

    @Override
    public void accept(Event event) {
      if (event instanceof Event.MessageAccepted accepted) {
        ids.add(accepted.queueId());
      } else if (event instanceof Event.AuthAttempt attempt) {
        authResults.add(attempt.result().kind().label());
      }
    }
  }

  // ---- In memory -----------------------------------------------------------------------------

  static final class MemoryPeer implements Peer {
    private final MemoryTransport transport;
    private final dev.hikyaku.auth.AuthThrottle throttle;
    private final Server.Policy policy;
    private final Sessions sessions = new Sessions();
    private final Accepted accepted = new Accepted();
    private final Thread server;
    private final Optional<ScriptedLmtp> lmtp;
    private final byte[] one = new byte[1];

    MemoryPeer(Conversation c) throws IOException {
      ListenerRole role = role(c);
      Limits limits = ConfigLoader.defaults().limits();
      lmtp = lmtpFor(c);
      HikyakuConfig config = configFor(c, TestServers.config(storeDirectory), lmtp);
      SessionSettings base =
          new SessionSettings(
              TestServers.HOSTNAME, c.listener(), role, limits.maxMessageSize(), limits.maxRecipients(),
              limits.maxErrors(), Duration.ZERO, limits.commandTimeout(), limits.dataTimeout(),
              limits.dataDeadline(), limits.minDataRate(), limits.tlsHandshakeTimeout(), Server.mechanisms(config.auth(), role), Optional.empty());
      try {
        enrol(c, store);
        mailboxes(c, store);
        suppress(c, store.suppressions());
      } catch (StoreException e) {
        throw new IOException(e);
      }
      Events events = new Events(List.of(accepted));
      dev.hikyaku.app.StoreSenderRegistry senders = new dev.hikyaku.app.StoreSenderRegistry(store.accounts());
      // The server's own intake and policy wiring (Server.intake, Server.policy), not a copy of them.
      MessageIntake intake = Server.intake(config, store, senders, events, Clock.systemUTC(), new SecureRandom());
      // The server's own chain, every rule of it (sender ownership, suspension, rates, relay, Maildir,
      // recipients), asking the server's own recipient directory.
      throttle = Server.throttle(config, store, events, Clock.systemUTC());
      try {
        policy = Server.policy(config, store, senders, events, Clock.systemUTC(), throttle,
            Server.recipients(config, store, Server.routes(config), Clock.systemUTC(), Optional.empty()));
      } catch (Server.StartupException e) {
        throw new IOException(e);
      }
      Authenticator authenticator =
          Server.authenticator(config, store, Optional.of(throttle), Clock.systemUTC(), new SecureRandom());
      transport = new MemoryTransport(c.directives().getOrDefault("client", "192.0.2.10"));
      SmtpSession session =
          new SmtpSession(
              "memory",
              transport,
              settings(c, base),
              new dev.hikyaku.session.SessionServices(policy.chain(), intake, authenticator, throttle, events, Clock.systemUTC(), sessions));
      server = Thread.ofVirtual().name("memory-session").start(session::run);
    }

    @Override
    public void send(byte[] bytes) throws IOException {
      transport.toServer.write(bytes, 0, bytes.length);
    }

    @Override
    public String readLine() throws IOException {
      return LineReading.readLine(
          () -> transport.toClient.read(one, 0, 1, REPLY_WAIT) < 0 ? -1 : one[0] & 0xff);
    }

    @Override
    public void startTls() {
      // In memory the server transport records TLS itself; the client has nothing to do.
    }

    @Override
    public void shutdownServer() {
      Thread.ofVirtual().start(() -> {
        try {
          sessions.drain(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }

    @Override
    public List<String> queuedMessages() throws Exception {
      for (String id : accepted.ids) {
        assertThat(store.queueAdmin().find(QueueId.parse(id).orElseThrow())).as("queued " + id).isPresent();
      }
      return accepted.ids;
    }

    @Override
    public List<String> authResults() {
      return accepted.authResults;
    }

    @Override
    public byte[] content(String queueId) throws Exception {
      return store.queueAdmin().find(QueueId.parse(queueId).orElseThrow()).orElseThrow().content();
    }

    @Override
    public void close() throws Exception {
      transport.toServer.close();
      server.join(REPLY_WAIT);
      throttle.close();
      policy.close();
      if (lmtp.isPresent()) {
        lmtp.get().close();
      }
      assertThat(server.isAlive()).as("session thread ended").isFalse();
    }
  }

  // ---- Over sockets --------------------------------------------------------------------------

  static final class SocketPeer implements Peer {
    private final Path dataDirectory;
    private final Server server;
    private final Accepted accepted = new Accepted();
    private final SSLContext clientTls;
    private final Optional<ScriptedLmtp> lmtp;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    SocketPeer(Conversation c, TlsEngineKind engine) throws Exception {
      dataDirectory = Files.createTempDirectory("hikyaku-conversation");
      lmtp = lmtpFor(c);
      HikyakuConfig base = TestServers.config(dataDirectory);
      HikyakuConfig config = configFor(c, base.withTls(base.tls().withEngine(engine)), lmtp);
      ListenerRole role = role(c);
      server =
          TestServers.start(
              config, s -> s.role() == role ? settings(c, s) : s, List.of(accepted));
      enrol(c, server.store());
      mailboxes(c, server.store());
      suppress(c, server.store().suppressions());
      clientTls = TestServers.clientTrusting(server.tls().currentCertificate());
      socket = new Socket();
      socket.connect(new InetSocketAddress("127.0.0.1", server.port(role)), 5_000);
      socket.setSoTimeout((int) REPLY_WAIT.toMillis());
      if (role.isImplicitTls()) {
        upgrade();
      }
      in = new java.io.BufferedInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    private void upgrade() throws IOException {
      SSLSocket ssl =
          (SSLSocket) clientTls.getSocketFactory().createSocket(socket, TestServers.HOSTNAME, socket.getPort(), true);
      ssl.setUseClientMode(true);
      ssl.startHandshake();
      socket = ssl;
    }

    @Override
    public void send(byte[] bytes) throws IOException {
      out.write(bytes);
      out.flush();
    }

    @Override
    public String readLine() throws IOException {
      try {
        return LineReading.readLine(in::read);
      } catch (java.net.SocketException closed) {
        return null; // reset by the server after it closed: the same as end of stream here
      }
    }

    @Override
    public void startTls() throws IOException {
      upgrade();
      in = new java.io.BufferedInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    @Override
    public void shutdownServer() {
      Thread.ofVirtual().start(server::close);
    }

    @Override
    public List<String> queuedMessages() throws Exception {
      for (String id : accepted.ids) {
        assertThat(server.store().queueAdmin().find(QueueId.parse(id).orElseThrow())).as("queued " + id).isPresent();
      }
      return accepted.ids;
    }

    @Override
    public List<String> authResults() {
      return accepted.authResults;
    }

    @Override
    public byte[] content(String queueId) throws Exception {
      return server.store().queueAdmin().find(QueueId.parse(queueId).orElseThrow()).orElseThrow().content();
    }

    @Override
    public void close() throws Exception {
      socket.close();
      server.close();
      if (lmtp.isPresent()) {
        lmtp.get().close();
      }
    }
  }
}
