package dev.hikyaku.conversations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.app.Server;
import dev.hikyaku.auth.Authenticator;
import dev.hikyaku.auth.Principal;
import dev.hikyaku.auth.credential.Enrolment;
import dev.hikyaku.auth.sasl.Mechanism;
import dev.hikyaku.config.ConfigLoader;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.EventSink;
import dev.hikyaku.events.Events;
import dev.hikyaku.intake.MessageIntake;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsEngineKind;
import dev.hikyaku.protocol.Extension;
import dev.hikyaku.protocol.Extensions;
import dev.hikyaku.protocol.Replies;
import dev.hikyaku.protocol.Reply;
import dev.hikyaku.session.SessionSettings;
import dev.hikyaku.session.SmtpSession;
import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.FromHeaderPolicy;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.testing.ScriptedLmtp;
import dev.hikyaku.testing.TestServers;
import dev.hikyaku.testing.TestStores;
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
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

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

  // Each socket conversation has a server and a data directory of its own: with JUnit's parallel
  // execution on (bin/test --fast), they run side by side. The in-memory ones share one store.
  @TestFactory
  @Execution(ExecutionMode.CONCURRENT)
  Stream<DynamicTest> overSockets() throws Exception {
    return conversations().stream()
        .filter(Conversation::runsOverSockets)
        .map(c -> DynamicTest.dynamicTest(c.name() + " — " + c.rule(), () -> run(c, new SocketPeer(c, TlsEngineKind.JDK))));
  }

  /** The same subset with the SMTP listeners' TLS from BoringSSL ({@code tls.engine: boringssl}). */
  @TestFactory
  @Execution(ExecutionMode.CONCURRENT)
  @Tag(TestStores.BORINGSSL)
  Stream<DynamicTest> overSocketsWithBoringSsl() throws Exception {
    return conversations().stream()
        .filter(Conversation::runsOverSockets)
        .map(c -> DynamicTest.dynamicTest(c.name() + " — " + c.rule(), () -> run(c, new SocketPeer(c, TlsEngineKind.BORINGSSL))));
  }

  // ---- The harness's own checks: deliberately wrong scripts and servers must fail -------------

  @Test
  void aScriptThatStopsReadingBeforeTheServerStopsSendingFails(@TempDir Path scripts) throws Exception {
    // The EHLO reply has several lines; this script reads the first and stops.
    Conversation early = script(scripts, "S: 220 *", "C: EHLO client.example", "S: 250-*");
    assertThatThrownBy(() -> run(early, new MemoryPeer(early)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the server sent more than the script expects")
        .hasMessageContaining("250 ");
  }

  @Test
  void aReplyTheServerNeverFlushesFailsTheScript(@TempDir Path scripts) throws Exception {
    Conversation quit = script(scripts, "S: 220 *", "C: QUIT", "S: 221 *", "@closed");
    run(quit, new MemoryPeer(quit)); // the script is right for a server that flushes
    assertThatThrownBy(() -> run(quit, new MemoryPeer(quit, Duration.ofMillis(300), ConversationTest::forgettingFlushes)))
        .isInstanceOf(java.net.SocketTimeoutException.class);
  }

  @Test
  void theMemoryTransportDeliversOnlyWhatIsFlushed() throws Exception {
    MemoryTransport transport = new MemoryTransport("192.0.2.10");
    transport.write("250 OK\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    byte[] into = new byte[16];
    assertThatThrownBy(() -> transport.toClient.read(into, 0, into.length, Duration.ofMillis(50)))
        .isInstanceOf(java.net.SocketTimeoutException.class);
    transport.flush();
    assertThat(transport.toClient.read(into, 0, into.length, Duration.ofMillis(50))).isEqualTo(8);
    transport.write("221 Bye\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    transport.close(); // never flushed: lost, as in a socket's buffer
    assertThat(transport.toClient.read(into, 0, into.length, Duration.ofMillis(50))).isEqualTo(-1);
  }

  @Test
  void atEhloIsTheWholeReplyLineForLine(@TempDir Path scripts) throws Exception {
    Conversation c = script(scripts, "S: 220 *", "C: EHLO client.example", "@ehlo", "C: QUIT", "S: 221 *", "@closed");
    MemoryPeer peer = new MemoryPeer(c);
    // What basics/ehlo-announces-extensions.smtp spells out for the relay listener before TLS.
    assertThat(peer.ehloReply("client.example", false))
        .containsExactly(
            "250-mx.hikyaku.test greets client.example", "250-PIPELINING",
            "250-SIZE " + ConfigLoader.defaults().limits().maxMessageSize(), "250-8BITMIME",
            "250-ENHANCEDSTATUSCODES", "250-DSN", "250-SMTPUTF8", "250-CHUNKING", "250 STARTTLS");
    run(c, peer);
  }

  private static Conversation script(Path directory, String... steps) throws IOException {
    Path file = directory.resolve("wrong.smtp");
    List<String> lines = new ArrayList<>(List.of("# A deliberately wrong script: the harness must fail it"));
    lines.addAll(List.of(steps));
    Files.write(file, lines);
    return Conversation.parse(file, file.getFileName().toString());
  }

  /** The session's transport as a server that forgets every flush would use it. */
  private static dev.hikyaku.net.Transport forgettingFlushes(dev.hikyaku.net.Transport transport) {
    return (dev.hikyaku.net.Transport) java.lang.reflect.Proxy.newProxyInstance(
        ConversationTest.class.getClassLoader(),
        new Class<?>[] {dev.hikyaku.net.Transport.class},
        (proxy, method, args) -> {
          if (method.getName().equals("flush")) {
            return null;
          }
          try {
            return method.invoke(transport, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
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

  /** Plays the script against {@code peer}; an {@link AssertionError} says where they parted. */
  static void run(Conversation conversation, Peer peer) throws Exception {
    try (peer) {
      List<String> transcript = new ArrayList<>();
      boolean isStartTlsPending = false;
      boolean hasTls = role(conversation).isImplicitTls();
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
            String line = expect(conversation, peer, transcript, expect);
            if (isStartTlsPending && line.startsWith("220 ")) {
              peer.startTls();
              isStartTlsPending = false;
              hasTls = true;
            }
          }
          case Conversation.ExpectEhlo ehlo -> {
            for (String line : peer.ehloReply(ehlo.clientName(), hasTls)) {
              expect(conversation, peer, transcript, new Conversation.Expect(line));
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
      // Nothing after the last reply goes unchecked: a script that stops reading early says less
      // than the server did, and would pass whatever the server said next.
      List<String> rest = peer.rest();
      assertThat(rest)
          .as("%s: the server sent more than the script expects%ntranscript:%n%s%nthen:%n%s", conversation.name(),
              String.join("\n", transcript), String.join("\n", rest))
          .isEmpty();
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

  /** Reads the next server line, which must match {@code expect}. */
  private static String expect(Conversation conversation, Peer peer, List<String> transcript, Conversation.Expect expect)
      throws IOException {
    String line = peer.readLine();
    transcript.add("S: " + line);
    assertThat(line)
        .as("%s: expected '%s'%ntranscript:%n%s", conversation.name(), expect.pattern(), String.join("\n", transcript))
        .isNotNull()
        .matches(expect::matches, "matches '" + expect.pattern() + "'");
    return line;
  }

  /**
   * What {@code @ehlo} expects: the catalogue's EHLO reply ({@link Replies#ehlo}, {@link
   * Extensions#ehloKeywords}) for a session with {@code settings}, stating the two rules that change
   * it on a connection: RFC 3207 §4.2, no STARTTLS once TLS is on; RFC 4954 §3 / RFC 8314 §3.3, AUTH
   * only with mechanisms that may run now (the authenticator's answer: none before TLS, -PLUS only
   * with a channel binding).
   */
  static List<String> ehloReply(
      SessionSettings settings, Authenticator authenticator, String clientName, boolean hasTls, boolean hasChannelBinding) {
    List<String> mechanisms = authenticator.available(settings.authMechanisms(), hasTls, hasChannelBinding).stream()
        .map(Mechanism::saslName)
        .toList();
    java.util.Set<Extension> offered = java.util.EnumSet.allOf(Extension.class);
    if (hasTls) {
      offered.remove(Extension.STARTTLS);
    } else {
      offered.remove(Extension.REQUIRETLS);
    }
    if (mechanisms.isEmpty()) {
      offered.remove(Extension.AUTH);
    }
    Reply reply = Replies.ehlo(
        settings.hostname(), clientName, Extensions.ehloKeywords(offered, settings.maxMessageSize(), mechanisms));
    return List.of(new String(reply.toBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\r\n"));
  }

  // ---- Settings from directives --------------------------------------------------------------

  static SessionSettings settings(Conversation c, SessionSettings base) {
    Map<String, String> d = c.directives();
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
            base.tlsHandshakeTimeout(),
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
    Enrolment enrolment = TestServers.enrolment();
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

  /** The test config's listener a script's {@code @listener} names. */
  static dev.hikyaku.config.ListenerConfig listener(HikyakuConfig config, Conversation c) {
    return config.listeners().stream().filter(l -> l.name().equals(c.listener())).findFirst().orElseThrow();
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
    private final Server.SessionShared wiring;
    private final Accepted accepted = new Accepted();
    private final Thread server;
    private final Optional<ScriptedLmtp> lmtp;
    private final byte[] one = new byte[1];
    private final Duration replyWait;
    private final SessionSettings settings;

    MemoryPeer(Conversation c) throws IOException {
      this(c, REPLY_WAIT, UnaryOperator.identity());
    }

    /**
     * @param replyWait how long a reply line is awaited before the script fails
     * @param sessionSide the transport the session is given, around the in-memory one (the harness's
     *     own tests give it a faulty server this way)
     */
    MemoryPeer(Conversation c, Duration replyWait, UnaryOperator<dev.hikyaku.net.Transport> sessionSide) throws IOException {
      this.replyWait = replyWait;
      lmtp = lmtpFor(c);
      HikyakuConfig config = configFor(c, TestServers.config(storeDirectory), lmtp);
      try {
        enrol(c, store);
        mailboxes(c, store);
        suppress(c, store.suppressions());
      } catch (StoreException e) {
        throw new IOException(e);
      }
      Events events = new Events(List.of(accepted));
      dev.hikyaku.app.StoreSenderRegistry senders = new dev.hikyaku.app.StoreSenderRegistry(store.accounts());
      // The server's own wiring, not a copy of it: its intake, and its session services (throttle,
      // every rule of its policy chain asking its recipient directory, authenticator), and the
      // settings it gives a session on the script's listener.
      MessageIntake intake = Server.intake(config, store, senders, events, Clock.systemUTC(), new SecureRandom());
      try {
        wiring = Server.sessionShared(config, store, senders, intake, events, Clock.systemUTC(), new SecureRandom(),
            Server.recipients(config, store, Server.routes(config), Clock.systemUTC(), Optional.empty()));
      } catch (Server.StartupException e) {
        throw new IOException(e);
      }
      settings = settings(c, Server.settingsFor(config, listener(config, c)));
      transport = new MemoryTransport(c.directives().getOrDefault("client", "192.0.2.10"));
      SmtpSession session = new SmtpSession("memory", sessionSide.apply(transport), settings, wiring.services());
      server = Thread.ofVirtual().name("memory-session").start(session::run);
    }

    @Override
    public void send(byte[] bytes) throws IOException {
      transport.toServer.write(bytes, 0, bytes.length);
    }

    @Override
    public String readLine() throws IOException {
      return LineReading.readLine(
          () -> transport.toClient.read(one, 0, 1, replyWait) < 0 ? -1 : one[0] & 0xff);
    }

    /** No channel binding in memory (no real TLS), so never SCRAM-SHA-256-PLUS. */
    @Override
    public List<String> ehloReply(String clientName, boolean hasTls) {
      return ConversationTest.ehloReply(settings, wiring.authenticator(), clientName, hasTls, false);
    }

    /** The client hangs up; once the session has ended, everything it flushed is here to read. */
    @Override
    public List<String> rest() throws IOException {
      transport.toServer.close();
      try {
        server.join(replyWait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      List<String> rest = new ArrayList<>();
      for (String line = readLine(); line != null; line = readLine()) {
        rest.add(line);
      }
      return rest;
    }

    @Override
    public void startTls() {
      // In memory the server transport records TLS itself; the client has nothing to do.
    }

    @Override
    public void shutdownServer() {
      Thread.ofVirtual().start(() -> {
        try {
          wiring.services().sessions().drain(Duration.ofSeconds(5));
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
      wiring.close();
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
    private final SessionSettings settings;
    private final Authenticator authenticator;
    private final TlsEngineKind engine;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    SocketPeer(Conversation c, TlsEngineKind engine) throws Exception {
      dataDirectory = Files.createTempDirectory("hikyaku-conversation");
      lmtp = lmtpFor(c);
      HikyakuConfig base = TestServers.config(dataDirectory);
      HikyakuConfig config = configFor(c, base.withTls(base.tls().withEngine(engine)), lmtp);
      ListenerRole role = role(c);
      this.engine = engine;
      server =
          TestServers.start(
              config, s -> s.role() == role ? settings(c, s) : s, List.of(accepted));
      settings = settings(c, Server.settingsFor(config, listener(config, c)));
      // The server's factory again, for what it offers (its mechanisms depend on the config only).
      authenticator = Server.authenticator(config, server.store(), Optional.empty(), Clock.systemUTC(), new SecureRandom());
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

    /**
     * With a channel binding under TLS 1.3 when the server's engine can export one: BoringSSL always,
     * the JDK's from 25 (this JVM is the server's, so its client side can tell).
     */
    @Override
    public List<String> ehloReply(String clientName, boolean hasTls) {
      boolean hasChannelBinding = socket instanceof SSLSocket ssl
          && "TLSv1.3".equals(ssl.getSession().getProtocol())
          && (engine == TlsEngineKind.BORINGSSL || canExport());
      return ConversationTest.ehloReply(settings, authenticator, clientName, hasTls, hasChannelBinding);
    }

    private static boolean canExport() {
      try {
        javax.net.ssl.ExtendedSSLSession.class.getMethod("exportKeyingMaterialData", String.class, byte[].class, int.class);
        return true;
      } catch (NoSuchMethodException e) {
        return false; // JDK 21-24
      }
    }

    /**
     * Lines that arrive within {@link #QUIET} (a TLS socket cannot half-close to make the server end
     * the session): this catches what the server sends at once, as the in-memory run of the same
     * script catches everything, deterministically.
     */
    @Override
    public List<String> rest() throws IOException {
      List<String> rest = new ArrayList<>();
      socket.setSoTimeout((int) QUIET.toMillis());
      try {
        for (String line = readLine(); line != null; line = readLine()) {
          rest.add(line);
        }
      } catch (java.net.SocketTimeoutException quiet) {
        // the server has nothing more to say
      } finally {
        socket.setSoTimeout((int) REPLY_WAIT.toMillis());
      }
      return rest;
    }

    private static final Duration QUIET = Duration.ofMillis(100);

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
      authenticator.close();
      server.close();
      if (lmtp.isPresent()) {
        lmtp.get().close();
      }
    }
  }
}
