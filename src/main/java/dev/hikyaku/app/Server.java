package dev.hikyaku.app;

import dev.hikyaku.api.ApiServer;
import dev.hikyaku.auth.AuthThrottle;
import dev.hikyaku.auth.Authenticator;
import dev.hikyaku.auth.sasl.Mechanism;
import dev.hikyaku.config.AuthConfig;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.ListenerConfig;
import dev.hikyaku.delivery.Routes;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.events.EventSink;
import dev.hikyaku.events.Events;
import dev.hikyaku.intake.MessageIntake;
import dev.hikyaku.intake.Pickup;
import dev.hikyaku.limits.KeptCounters;
import dev.hikyaku.mailauth.DmarcObservation;
import dev.hikyaku.metrics.MetricsEndpoint;
import dev.hikyaku.net.Listener;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsContexts;
import dev.hikyaku.net.TlsSetupException;
import dev.hikyaku.policy.PolicyChain;
import dev.hikyaku.policy.RecipientDirectory;
import dev.hikyaku.policy.SenderRegistry;
import dev.hikyaku.reporting.DmarcRecordCounts;
import dev.hikyaku.reporting.DmarcReportSender;
import dev.hikyaku.schedule.DeliveryReports;
import dev.hikyaku.session.SessionServices;
import dev.hikyaku.session.SessionSettings;
import dev.hikyaku.session.Sessions;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.webhooks.Dispatcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Hikyaku: every part, wired by hand, with one lifecycle. {@link #start} reads as the
 * start order; each subsystem is built by its wiring ({@link EventWiring}, {@link DeliveryWiring},
 * {@link DefenceWiring}, {@link SessionWiring}, {@link HttpWiring}), and what it opens goes onto
 * one {@link Resources} stack, which {@link #close} unwinds.
 */
public final class Server implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Server.class);

  /**
   * How often the store is asked for changes the admin CLI made: an operator sees them in the audit
   * log within about this long, at the cost of one indexed query per interval.
   */
  private static final Duration ADMIN_CHANGES_POLLED_EVERY = Duration.ofSeconds(2);

  static {
    // Client-initiated TLS 1.2 renegotiation costs the server a handshake per request and buys the
    // client nothing; refuse it (JSSE reads this once, before the first handshake).
    System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
  }

  private final HikyakuConfig config;
  private final TlsContexts tls;
  private final Store store;
  private final List<Listener> listeners;
  private final Optional<MetricsEndpoint> metricsEndpoint;
  private final Optional<ApiServer> apiServer;
  private final Resources resources;
  private boolean isClosed;

  private Server(
      HikyakuConfig config,
      TlsContexts tls,
      Store store,
      List<Listener> listeners,
      Optional<MetricsEndpoint> metricsEndpoint,
      Optional<ApiServer> apiServer,
      Resources resources) {
    this.config = config;
    this.tls = tls;
    this.store = store;
    this.listeners = listeners;
    this.metricsEndpoint = metricsEndpoint;
    this.apiServer = apiServer;
    this.resources = resources;
  }

  /** Starts a server on the config. */
  public static Server start(HikyakuConfig config) throws StartupException {
    return start(config, UnaryOperator.identity(), List.of());
  }

  /**
   * Starts a server with per-listener session settings adjusted by {@code sessionSettings} (a test
   * seam: tests give a listener an assumed principal until SMTP AUTH exists) and extra event sinks.
   */
  public static Server start(
      HikyakuConfig config, UnaryOperator<SessionSettings> sessionSettings, List<EventSink> extraSinks)
      throws StartupException {
    return start(config, sessionSettings, extraSinks, Clock.systemUTC());
  }

  /** As above, with the clock every part of the server reads (tests move it by hand). */
  public static Server start(
      HikyakuConfig config, UnaryOperator<SessionSettings> sessionSettings, List<EventSink> extraSinks, Clock clock)
      throws StartupException {
    return start(config, sessionSettings, extraSinks, clock, Optional.empty());
  }

  /**
   * As above, with the TLS context outbound connections verify certificates against (the JDK's
   * trust store when empty; tests trust a peer's self-signed certificate this way).
   */
  public static Server start(
      HikyakuConfig config,
      UnaryOperator<SessionSettings> sessionSettings,
      List<EventSink> extraSinks,
      Clock clock,
      Optional<SSLContext> outboundTls)
      throws StartupException {
    Resources opened = new Resources();
    try {
      return assemble(config, sessionSettings, extraSinks, clock, outboundTls, opened);
    } catch (StartupException | RuntimeException e) {
      opened.close(); // a start that fails leaves nothing open behind it
      throw e;
    }
  }

  /**
   * The start order. Everything opened is pushed onto {@code opened} in the order that makes its
   * reverse the stop order: the store before everything that writes to it, delivery before the
   * defences (whose counters are saved at stop, with nothing left to count), the HTTP endpoints and
   * the sessions' drain before the listeners, which stop first.
   */
  private static Server assemble(
      HikyakuConfig config,
      UnaryOperator<SessionSettings> sessionSettings,
      List<EventSink> extraSinks,
      Clock clock,
      Optional<SSLContext> outboundTls,
      Resources opened)
      throws StartupException {
    createDataDirectory(config); // TLS material, logs and the SQLite file live there
    TlsContexts tls = opened.push(openTls(config));
    Store store = opened.push(openStore(config, clock));
    NodeMembership membership = opened.push(NodeMembership.join(store, config.store().url().isPresent(), clock));
    EventWiring sinks = EventWiring.open(config, store, extraSinks, clock, opened);
    Events events = sinks.events();
    SecureRandom random = new SecureRandom();
    Dispatcher webhooks = sinks.wake(opened.push(
        HttpWiring.webhookDispatcher(store, events, clock, random, outboundTls, config.api().webhookConcurrency())));
    StoreSenderRegistry senders = new StoreSenderRegistry(store.accounts());
    // RFC 7489 §7.2: the checks of domains that ask for aggregate reports are counted for them.
    boolean isDmarcReporting = config.mailAuth().isVerifying() && config.mailAuth().isAggregateReports();
    DmarcObservation.Sink observations = isDmarcReporting
        ? opened.push(new DmarcRecordCounts(store.dmarcReports(), clock).start()) : DmarcObservation.Sink.NONE;
    MessageIntake intake = SessionWiring.intake(config, store, senders, events, clock, random, observations);
    if (isDmarcReporting && config.delivery().isEnabled()) {
      // The reports go out as mail: only from a server that delivers.
      opened.push(new DmarcReportSender(store.dmarcReports(),
          new DnsjavaResolver(config.delivery().dnsServers(), config.delivery().dnsTimeout(), DeliveryWiring.DNS_TRIES),
          intake, config.hostname(), clock).start());
    }
    Routes routes = DeliveryWiring.routes(config);
    if (config.delivery().isEnabled()) {
      sinks.wake(opened.push(DeliveryWiring.scheduler(config, store, intake, clock, random, outboundTls, events, routes, opened)
          .sharedBy(membership::liveNodes)));
    }
    SessionShared shared = opened.push(sessionShared(config, store, senders, intake, events, clock, random,
        DefenceWiring.recipients(config, store, routes, clock, outboundTls)));
    PolicyChain policy = shared.policy().chain();
    SessionServices services = shared.services();
    opened.push(new HistoryPruning(store.history(), store.messageEvents(), store.idempotency(), Optional.of(store.webhookDeliveries()),
        clock, config.history().retention()).start());
    opened.push(new AdminChangeRelay(store.adminChanges(), events, ADMIN_CHANGES_POLLED_EVERY));
    AtomicBoolean isAccepting = new AtomicBoolean();
    // Served through the drain (health DOWN, metrics still counting); stopped before the store goes.
    Optional<MetricsEndpoint> metricsEndpoint = HttpWiring.metrics(config, sinks.metrics(), store, isAccepting::get);
    metricsEndpoint.ifPresent(opened::push);
    opened.push(() -> drain(services.sessions(), config.limits().shutdownGrace()));
    // Stopped before the drain: no new API requests either; those in progress finish first.
    Optional<ApiServer> apiServer =
        HttpWiring.api(config, tls, store, policy, intake, webhooks, events, clock, random, services.authenticator(),
            sinks.failedLogins());
    apiServer.ifPresent(opened::push);
    if (config.sendmail().isEnabled()) {
      opened.push(openPickup(config, intake)).start();
    }
    List<Listener> listeners = SessionWiring.bind(config, tls, services, sessionSettings, clock, opened);
    listeners.forEach(Listener::start);
    isAccepting.set(true);
    opened.push(() -> isAccepting.set(false));
    webhooks.start();
    for (Listener listener : listeners) {
      log.info(
          "listening on {}:{} as {} ({})",
          listener.address().getHostAddress(),
          listener.port(),
          listener.name(),
          listener.role().configName());
    }
    return new Server(config, tls, store, listeners, metricsEndpoint, apiServer, opened);
  }

  /** The socket {@code hikyaku sendmail} hands messages to (config {@code sendmail}). */
  private static Pickup openPickup(HikyakuConfig config, MessageIntake intake) throws StartupException {
    Path socket = config.sendmail().socketIn(config.dataDirectory());
    try {
      Pickup pickup = Pickup.open(socket, config.sendmail(), intake, config.limits().maxRecipients(), config.limits().maxMessageSize());
      log.info("local submission (hikyaku sendmail) on {}", socket);
      return pickup;
    } catch (IOException | UnsupportedOperationException e) {
      throw new StartupException("sendmail.socket: cannot listen on " + socket + ": " + e.getMessage()
          + " (set sendmail.enabled: false to run without it)", e);
    }
  }

  private static Path createDataDirectory(HikyakuConfig config) throws StartupException {
    Path data = config.dataDirectory();
    try {
      Files.createDirectories(data);
    } catch (IOException e) {
      throw new StartupException("cannot create data-directory " + data.toAbsolutePath() + ": " + e.getMessage(), e);
    }
    return data;
  }

  private static Store openStore(HikyakuConfig config, Clock clock) throws StartupException {
    try {
      return StoreOpening.open(config, clock);
    } catch (StoreException e) {
      String where = config.store().isShared() ? "" : " in " + config.dataDirectory().toAbsolutePath();
      throw new StartupException("cannot open the store" + where + ": " + e.getMessage(), e);
    }
  }

  private static TlsContexts openTls(HikyakuConfig config) throws StartupException {
    var tlsConfig = config.tls();
    try {
      if (tlsConfig.certificate().isPresent()) {
        return TlsContexts.fromPem(
            tlsConfig.certificate().get(), tlsConfig.privateKey().orElseThrow(), tlsConfig.reloadCheckInterval(),
            tlsConfig.engine(), tlsConfig.keyExchange());
      }
      return TlsContexts.selfSigned(
          config.hostname(), config.selfSignedTlsDirectory(), tlsConfig.reloadCheckInterval(), tlsConfig.engine(),
          tlsConfig.keyExchange());
    } catch (TlsSetupException e) {
      throw new StartupException("TLS: " + e.getMessage(), e);
    }
  }

  /**
   * Lets sessions finish what they are doing within the grace period (idle ones get 421 4.3.2),
   * then cuts off the rest.
   */
  private static void drain(Sessions sessions, Duration grace) {
    try {
      boolean isClean = sessions.drain(grace);
      if (!isClean) {
        log.warn("shutdown grace period over; cut off the remaining sessions");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // The wiring the tests build parts of a server with (the in-memory conversations, the defences).

  /** The one way in ({@link SessionWiring#intake}). */
  public static MessageIntake intake(
      HikyakuConfig config, Store store, SenderRegistry senders, Events events, Clock clock, RandomGenerator random) {
    return SessionWiring.intake(config, store, senders, events, clock, random);
  }

  /**
   * The policy chain a session asks at MAIL, RCPT and after DATA, with the rate counters behind it
   * (kept in the store, started; close them with the server). The one wiring of the rules: the
   * server and the in-memory conversation tests both use it.
   */
  public record Policy(PolicyChain chain, KeptCounters counters) implements AutoCloseable {
    @Override
    public void close() {
      counters.close();
    }
  }

  /** The policy chain and its rate counters, as the server wires them ({@link DefenceWiring#chain}). */
  public static Policy policy(
      HikyakuConfig config, Store store, SenderRegistry senders, Events events, Clock clock,
      AuthThrottle throttle, RecipientDirectory recipients) {
    KeptCounters counters = DefenceWiring.rateCounters(store, clock);
    return new Policy(DefenceWiring.chain(config, store, senders, events, clock, throttle, recipients, counters), counters);
  }

  /**
   * What every SMTP session shares, wired once: the AUTH throttle, the policy chain over it (with its
   * rate counters), the authenticator, and {@code intake}. The server's sessions and the in-memory
   * conversation tests both run on this. Closing it closes the authenticator, the throttle (which
   * saves its counters while the store is still open) and the rate counters, in that order.
   */
  public record SessionShared(SessionServices services, AuthThrottle throttle, Policy policy, Authenticator authenticator)
      implements AutoCloseable {
    @Override
    public void close() {
      try (policy; throttle; authenticator) {
        // closed in reverse: authenticator, throttle, policy's counters
      }
    }
  }

  /** {@link SessionShared} as the server wires it; on a failure nothing it opened stays open. */
  public static SessionShared sessionShared(
      HikyakuConfig config, Store store, SenderRegistry senders, MessageIntake intake, Events events, Clock clock,
      SecureRandom random, RecipientDirectory recipients) {
    Resources opened = new Resources();
    try {
      // The throttle holds the blocks the policy's harvest defence adds to.
      AuthThrottle throttle = opened.push(DefenceWiring.throttle(config, store, events, clock));
      Policy policy = opened.push(policy(config, store, senders, events, clock, throttle, recipients));
      Authenticator authenticator = opened.push(SessionWiring.authenticator(config, store, Optional.of(throttle), clock, random));
      return new SessionShared(
          new SessionServices(policy.chain(), intake, authenticator, throttle, events, clock, new Sessions()),
          throttle, policy, authenticator);
    } catch (RuntimeException e) {
      opened.close();
      throw e;
    }
  }

  /** A listener's session settings as the server derives them ({@link SessionWiring#settingsFor}). */
  public static SessionSettings settingsFor(HikyakuConfig config, ListenerConfig listener) {
    return SessionWiring.settingsFor(config, listener);
  }

  /** The AUTH throttle ({@link DefenceWiring#throttle}); started. */
  public static AuthThrottle throttle(HikyakuConfig config, Store store, Events events, Clock clock) {
    return DefenceWiring.throttle(config, store, events, clock);
  }

  /** The authenticator ({@link SessionWiring#authenticator}). */
  public static Authenticator authenticator(
      HikyakuConfig config, Store store, Optional<AuthThrottle> throttle, Clock clock, SecureRandom random) {
    return SessionWiring.authenticator(config, store, throttle, clock, random);
  }

  /** Who the hosted domains take mail for ({@link DefenceWiring#recipients}). */
  public static RecipientDirectory recipients(
      HikyakuConfig config, Store store, Routes routes, Clock clock, Optional<SSLContext> outboundTls) {
    return DefenceWiring.recipients(config, store, routes, clock, outboundTls);
  }

  /** Where delivery outcomes go: bounces and other DSNs queued through {@code intake} ({@link DeliveryWiring#reports}). */
  public static DeliveryReports deliveryReports(
      String hostname, MessageIntake intake, Events events, Clock clock, RandomGenerator random) {
    return DeliveryWiring.reports(hostname, intake, events, clock, random);
  }

  /** The routes of {@code delivery.routes} ({@link DeliveryWiring#routes}). */
  public static Routes routes(HikyakuConfig config) throws StartupException {
    return DeliveryWiring.routes(config);
  }

  public static List<Mechanism> mechanisms(AuthConfig auth, ListenerRole role) {
    return SessionWiring.mechanisms(auth, role);
  }

  /** The port a listener is bound to (the real one when the config said 0). */
  public int port(ListenerRole role) {
    return listeners.stream()
        .filter(l -> l.role() == role)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no listener with role " + role))
        .port();
  }

  public List<Listener> listeners() {
    return listeners;
  }

  public Store store() {
    return store;
  }

  public TlsContexts tls() {
    return tls;
  }

  public HikyakuConfig config() {
    return config;
  }

  /**
   * The port {@code /metrics} and {@code /health} are served on (the real one when the config said
   * 0).
   *
   * @throws IllegalStateException if {@code http.enabled} is false
   */
  public int httpPort() {
    return metricsEndpoint
        .orElseThrow(() -> new IllegalStateException("the HTTP endpoint is turned off (http.enabled: false)"))
        .port();
  }

  /**
   * The port the API is served on (the real one when the config said 0).
   *
   * @throws IllegalStateException if {@code api.enabled} is false
   */
  public int apiPort() {
    return apiServer
        .orElseThrow(() -> new IllegalStateException("the API is turned off (api.enabled: false)"))
        .port();
  }

  /**
   * Graceful shutdown, the start in reverse: stop accepting, let sessions finish what they are doing
   * within the grace period (idle ones get 421 4.3.2), stop delivery (a delivery in progress
   * finishes and is recorded first) and the webhooks (sends under way finish; the rest go out after
   * a restart), write the feed, save the counters, then close the store, which completes any pending
   * commit.
   */
  @Override
  public void close() {
    if (isClosed) {
      return;
    }
    isClosed = true;
    resources.close();
    log.info("stopped");
  }

  /** The server could not start; the message says what to fix. */
  public static final class StartupException extends Exception {
    public StartupException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
