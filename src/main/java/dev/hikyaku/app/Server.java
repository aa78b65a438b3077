package dev.hikyaku.app;

import dev.hikyaku.auth.Argon2Parameters;
import dev.hikyaku.auth.AuthThrottle;
import dev.hikyaku.auth.Authenticator;
import dev.hikyaku.auth.BearerTokenValidator;
import dev.hikyaku.auth.Mechanism;
import dev.hikyaku.auth.OAuthIssuer;
import dev.hikyaku.auth.PasswordHasher;
import dev.hikyaku.auth.VerificationCache;
import dev.hikyaku.config.AuthConfig;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.ListenerConfig;
import dev.hikyaku.events.AuditLogSink;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.EventSink;
import dev.hikyaku.events.Events;
import dev.hikyaku.events.LogSink;
import dev.hikyaku.intake.MessageIntake;
import dev.hikyaku.api.ApiServer;
import dev.hikyaku.api.Submissions;
import dev.hikyaku.intake.SubmissionAgent;
import dev.hikyaku.metrics.Health;
import dev.hikyaku.metrics.HealthCheck;
import dev.hikyaku.metrics.MetricsEndpoint;
import dev.hikyaku.metrics.MetricsSink;
import dev.hikyaku.net.ConnectionPermits;
import dev.hikyaku.net.Listener;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.SocketTransport;
import dev.hikyaku.net.TlsContexts;
import dev.hikyaku.net.TlsSetupException;
import dev.hikyaku.policy.PolicyChain;
import dev.hikyaku.config.DeliveryConfig;
import dev.hikyaku.delivery.Bouncer;
import dev.hikyaku.delivery.DeliveryWorker;
import dev.hikyaku.delivery.MaildirDelivery;
import dev.hikyaku.delivery.Route;
import dev.hikyaku.delivery.Routes;
import dev.hikyaku.delivery.MxResolver;
import dev.hikyaku.delivery.OutboundSession;
import dev.hikyaku.delivery.RecipientCallout;
import dev.hikyaku.delivery.ReversePaths;
import dev.hikyaku.delivery.SmtpCredentials;
import dev.hikyaku.delivery.TlsPolicy;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.limits.KeptCounters;
import dev.hikyaku.schedule.DestinationLimits;
import dev.hikyaku.schedule.Scheduler;
import dev.hikyaku.policy.DirectoryHarvest;
import dev.hikyaku.policy.RateRule;
import dev.hikyaku.policy.RecipientDirectory;
import dev.hikyaku.policy.RecipientRule;
import dev.hikyaku.policy.MaildirMailboxRule;
import dev.hikyaku.policy.RelayRule;
import dev.hikyaku.policy.ReturnPathRule;
import dev.hikyaku.returns.ReturnPaths;
import dev.hikyaku.returns.ReturnedMail;
import dev.hikyaku.policy.SuppressionRule;
import dev.hikyaku.policy.SuspensionRule;
import dev.hikyaku.policy.SenderOwnershipRule;
import dev.hikyaku.protocol.Replies;
import dev.hikyaku.protocol.Reply;
import dev.hikyaku.session.SessionServices;
import dev.hikyaku.session.SessionSettings;
import dev.hikyaku.session.Sessions;
import dev.hikyaku.session.SmtpSession;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running Hikyaku: every part, wired by hand, with one lifecycle. */
public final class Server implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Server.class);

  static {
    // Client-initiated TLS 1.2 renegotiation costs the server a handshake per request and buys the
    // client nothing; refuse it (JSSE reads this once, before the first handshake).
    System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
  }

  private final HikyakuConfig config;
  private final TlsContexts tls;
  private final Store store;
  private final Sessions sessions;
  private final List<Listener> listeners;
  private final Authenticator authenticator;
  private final AuthThrottle throttle;
  private final KeptCounters rateCounters;
  private final AuditLogSink audit;
  private final Optional<MetricsEndpoint> metricsEndpoint;
  private final Optional<ApiServer> apiServer;
  private final AtomicBoolean isAccepting;
  private final AdminChangeRelay adminChanges;
  private final HistoryPruning historyPruning;
  private final Optional<Scheduler> scheduler;
  private final EventFeedSink feed;
  private final dev.hikyaku.webhooks.Dispatcher webhooks;
  private boolean isClosed;

  private Server(
      HikyakuConfig config,
      TlsContexts tls,
      Store store,
      Sessions sessions,
      List<Listener> listeners,
      Authenticator authenticator,
      AuthThrottle throttle,
      KeptCounters rateCounters,
      AuditLogSink audit,
      Optional<MetricsEndpoint> metricsEndpoint,
      Optional<ApiServer> apiServer,
      AtomicBoolean isAccepting,
      AdminChangeRelay adminChanges,
      HistoryPruning historyPruning,
      Optional<Scheduler> scheduler,
      EventFeedSink feed,
      dev.hikyaku.webhooks.Dispatcher webhooks) {
    this.config = config;
    this.tls = tls;
    this.store = store;
    this.sessions = sessions;
    this.listeners = listeners;
    this.authenticator = authenticator;
    this.throttle = throttle;
    this.rateCounters = rateCounters;
    this.audit = audit;
    this.metricsEndpoint = metricsEndpoint;
    this.apiServer = apiServer;
    this.isAccepting = isAccepting;
    this.adminChanges = adminChanges;
    this.historyPruning = historyPruning;
    this.scheduler = scheduler;
    this.feed = feed;
    this.webhooks = webhooks;
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
      Optional<javax.net.ssl.SSLContext> outboundTls)
      throws StartupException {
    Opened opened = new Opened();
    try {
      Server server = assemble(config, sessionSettings, extraSinks, clock, outboundTls, opened);
      opened.handOver();
      return server;
    } catch (StartupException | RuntimeException e) {
      opened.close(); // a start that fails leaves nothing open behind it
      throw e;
    }
  }

  /**
   * What {@link #start} has opened so far: closed in the reverse order if the start cannot finish,
   * handed over to the server (which closes them in its own order) when it does.
   */
  private static final class Opened implements AutoCloseable {
    private final java.util.Deque<AutoCloseable> stack = new java.util.ArrayDeque<>();

    <T extends AutoCloseable> T push(T resource) {
      stack.push(resource);
      return resource;
    }

    void handOver() {
      stack.clear();
    }

    @Override
    public void close() {
      while (!stack.isEmpty()) {
        AutoCloseable resource = stack.pop();
        try {
          resource.close();
        } catch (Exception e) {
          log.warn("closing {} after a failed start: {}", resource.getClass().getSimpleName(), e.toString());
        }
      }
    }
  }

  private static Server assemble(
      HikyakuConfig config,
      UnaryOperator<SessionSettings> sessionSettings,
      List<EventSink> extraSinks,
      Clock clock,
      Optional<javax.net.ssl.SSLContext> outboundTls,
      Opened opened)
      throws StartupException {
    Path data = config.dataDirectory();
    try {
      Files.createDirectories(data);
    } catch (IOException e) {
      throw new StartupException("cannot create data-directory " + data.toAbsolutePath() + ": " + e.getMessage(), e);
    }
    TlsContexts tls = opened.push(openTls(config));
    Store store;
    try {
      store = opened.push(Store.openSqlite(data, clock));
    } catch (StoreException e) {
      throw new StartupException("cannot open the store in " + data.toAbsolutePath() + ": " + e.getMessage(), e);
    }
    AuditLogSink audit;
    try {
      audit = opened.push(AuditLogSink.open(data.resolve(AuditLogSink.FILE_NAME)));
    } catch (IOException e) {
      throw new StartupException("cannot open the audit log in " + data.toAbsolutePath() + ": " + e.getMessage(), e);
    }
    List<EventSink> sinks = new ArrayList<>();
    // Events without a store change of their own; the store writes the rest in its transactions.
    EventFeedSink feed = opened.push(new EventFeedSink(store.messageEvents()));
    sinks.add(feed);
    sinks.add(new LogSink());
    sinks.add(new dev.hikyaku.events.SendLogSink());
    sinks.add(audit);
    MetricsSink metrics =
        new MetricsSink(config.listeners().stream().map(ListenerConfig::name).toList(), authMechanisms(config),
            () -> queueDepth(store), () -> oldestQueued(store), clock);
    sinks.add(metrics);
    sinks.addAll(extraSinks);
    // New mail wakes the scheduler, so a message is on its way at once, not at the next poll.
    java.util.concurrent.atomic.AtomicReference<Scheduler> scheduler = new java.util.concurrent.atomic.AtomicReference<>();
    sinks.add(event -> {
      if (event instanceof Event.MessageAccepted && scheduler.get() != null) {
        scheduler.get().wake();
      }
    });
    // An event the store has written to the feed wakes the webhook dispatcher (the feed is its outbox).
    java.util.concurrent.atomic.AtomicReference<dev.hikyaku.webhooks.Dispatcher> dispatcher =
        new java.util.concurrent.atomic.AtomicReference<>();
    sinks.add(event -> {
      if ((event instanceof Event.MessageAccepted || event instanceof Event.DeliveryAttempted
          || event instanceof Event.RecipientSuppressed) && dispatcher.get() != null) {
        dispatcher.get().wake();
      }
    });
    Events events = new Events(sinks);
    SecureRandom random = new SecureRandom();
    dispatcher.set(opened.push(webhookDispatcher(store, events, clock, random, outboundTls, config.api().webhookConcurrency())));
    StoreSenderRegistry senders = new StoreSenderRegistry(store.accounts());
    MessageIntake intake = intake(config, store, senders, events, clock, random);
    var rates = config.rates();
    Routes routes = routes(config);
    // The throttle holds the blocks the policy's harvest defence adds to.
    AuthThrottle throttle = opened.push(throttle(config, store, events, clock));
    Policy policyRules = opened.push(policy(config, store, senders, events, clock, throttle,
        recipients(config, store, routes, clock, outboundTls)));
    KeptCounters rateCounters = policyRules.counters();
    PolicyChain policy = policyRules.chain();
    if (config.delivery().isEnabled()) {
      scheduler.set(opened.push(delivery(config, store, intake, clock, random, outboundTls, events, routes)));
    }
    Authenticator authenticator = opened.push(authenticator(config, store, Optional.of(throttle), clock, random));
    SessionServices services =
        new SessionServices(policy, intake, authenticator, throttle, events, clock, new Sessions());
    ConnectionPermits permits =
        new ConnectionPermits(
            config.limits().maxConnections(), config.limits().maxConnectionsPerClient(), rates.connectionsPerMinute(), clock);
    AtomicLong sessionCounter = new AtomicLong();
    String bootId = Long.toString(clock.millis(), 36);
    List<Listener> listeners = new ArrayList<>();
    AtomicBoolean isAccepting = new AtomicBoolean();
    Optional<MetricsEndpoint> metricsEndpoint;
    Optional<ApiServer> apiServer;
    try {
      for (ListenerConfig listener : config.listeners()) {
        SessionSettings settings = sessionSettings.apply(settingsFor(config, listener));
        Listener.ConnectionHandler handler =
            (socket, permit) -> {
              try (permit) {
                String sessionId = bootId + "-" + Long.toString(sessionCounter.incrementAndGet(), 36);
                serve(socket, tls, settings, services, sessionId);
              }
            };
        listeners.add(opened.push(
            Listener.bind(
                listener.name(),
                listener.role(),
                listener.address(),
                listener.port(),
                permits,
                (refusal, client) -> {
                  events.publish(new Event.ConnectionRefused(clock.instant(), listener.name(), client.getHostAddress(), refusal.name()));
                  return refusalLine(config.hostname(), refusal);
                },
                handler)));
      }
      metricsEndpoint = startMetricsEndpoint(config, metrics, store, isAccepting);
      metricsEndpoint.ifPresent(opened::push);
      StoreSubmissions submissions = new StoreSubmissions(
          new SubmissionAgent(policy, intake, events, clock, config.limits().maxMessageSize()), store.idempotency(), clock,
          new Submissions.Limits(config.limits().maxMessageSize(), config.limits().maxRecipients()));
      apiServer = startApiServer(
          config, tls, new ApiAccess(store, events, clock, config.auth().cacheTtl()), new ApiSuppressions(store, events, clock), submissions,
          new ApiWebhooks(store, dispatcher.get(), events, clock, random, config.api().isWebhookPrivateTargetAllowed()));
      apiServer.ifPresent(opened::push);
    } catch (Listener.BindFailure | MetricsEndpoint.StartFailure | ApiServer.StartFailure e) {
      throw new StartupException(e.getMessage(), e); // start() closes what was opened
    }
    listeners.forEach(Listener::start);
    isAccepting.set(true);
    dispatcher.get().start();
    for (Listener listener : listeners) {
      log.info(
          "listening on {}:{} as {} ({})",
          listener.address().getHostAddress(),
          listener.port(),
          listener.name(),
          listener.role().configName());
    }
    return new Server(
        config, tls, store, services.sessions(), listeners, authenticator, throttle, rateCounters, audit, metricsEndpoint,
        apiServer, isAccepting, new AdminChangeRelay(store.adminChanges(), events, java.time.Duration.ofSeconds(2)),
        new HistoryPruning(store.history(), store.messageEvents(), store.idempotency(), Optional.of(store.webhookDeliveries()), clock,
            config.history().retention()).start(),
        Optional.ofNullable(scheduler.get()), feed, dispatcher.get());
  }

  /**
   * The webhook dispatcher: the store's outbox sent to the endpoints, hosts resolved by the system
   * resolver (as route names are) and checked before every attempt, receivers' certificates checked
   * against {@code outboundTls} (the JDK's trust store when empty), as delivery's are; at most
   * {@code concurrency} requests under way to one endpoint ({@code api.webhook-concurrency}).
   */
  static dev.hikyaku.webhooks.Dispatcher webhookDispatcher(
      Store store, Events events, Clock clock, SecureRandom random, Optional<javax.net.ssl.SSLContext> outboundTls,
      int concurrency)
      throws StartupException {
    javax.net.ssl.SSLContext trust;
    try {
      trust = outboundTls.isPresent() ? outboundTls.get() : javax.net.ssl.SSLContext.getDefault();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new StartupException("no TLS for webhooks: " + e.getMessage(), e);
    }
    return new dev.hikyaku.webhooks.Dispatcher(store.webhookDeliveries(),
        event -> dev.hikyaku.api.EventJson.of(ApiAccess.eventView(event)),
        new dev.hikyaku.webhooks.TargetGuard(dev.hikyaku.webhooks.TargetGuard.systemResolver(java.time.Duration.ofSeconds(10))),
        new dev.hikyaku.webhooks.PinnedHttpClient(trust, dev.hikyaku.webhooks.PinnedHttpClient.TIMEOUT), events, clock, random,
        concurrency);
  }

  /**
   * The one way in: submission fix-ups, DKIM signing with the store's keys, SPF/DKIM/DMARC on port
   * 25 when {@code mail-auth.verifying}, the free-space guard, the queue. Used by the server and by
   * the in-memory conversation tests.
   */
  public static MessageIntake intake(
      HikyakuConfig config, Store store, dev.hikyaku.policy.SenderRegistry senders, Events events, Clock clock,
      java.util.random.RandomGenerator random) {
    // One resolver for inbound checks (SPF, DKIM keys, DMARC) with the delivery section's servers.
    var mailAuth = config.mailAuth();
    dev.hikyaku.intake.InboundAuthentication inbound = mailAuth.isVerifying()
        ? new dev.hikyaku.intake.InboundAuthentication(
            Optional.of(new dev.hikyaku.mailauth.InboundChecks(
                new DnsjavaResolver(config.delivery().dnsServers(), config.delivery().dnsTimeout(), 2, clock, 10_000),
                clock, config.hostname(), mailAuth.timeout())),
            mailAuth.isRejectingOnReject(), mailAuth.isRejectingOnQuarantine())
        : dev.hikyaku.intake.InboundAuthentication.NONE;
    return new MessageIntake(config.hostname(), store.queue(), senders, clock, random, events,
        // Postfix's rule: keep room for 1.5 times the largest message (see StorageGuard).
        new dev.hikyaku.intake.StorageGuard(store::usableSpace, config.limits().maxMessageSize() * 3 / 2),
        new dev.hikyaku.intake.DkimSigning(new dev.hikyaku.mailauth.DkimSigner(clock), new StoreDkimKeys(store.signingKeys(), clock)),
        inbound);
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

  public static Policy policy(
      HikyakuConfig config, Store store, dev.hikyaku.policy.SenderRegistry senders, Events events, Clock clock,
      AuthThrottle throttle, RecipientDirectory recipients) {
    var rates = config.rates();
    StoreSuspensions suspensions = new StoreSuspensions(store.defences(), clock);
    KeptCounters rateCounters =
        new KeptCounters("rates", RateRule.counters(clock), suspensions, java.time.Duration.ofSeconds(5)).start();
    List<dev.hikyaku.policy.Rule> rules =
        new ArrayList<>(
            List.of(
                new SenderOwnershipRule(senders, config.auth().isNullSenderAllowed()),
                new SuspensionRule(
                    suspensions,
                    new SuspensionRule.Thresholds(rates.suspendVolumeFactor(), rates.suspendVolumeMinimum(), rates.suspendNewDomains()),
                    events,
                    clock),
                new RateRule(
                    new RateRule.Limits(
                        rates.messagesPerMinute(),
                        rates.recipientsPerMinute(),
                        rates.accountMessagesPerMinute(),
                        rates.accountRecipientsPerMinute(),
                        rates.accountMessagesPerHour(),
                        rates.accountMessagesPerDay()),
                    rateCounters),
                new RelayRule(new HashSet<>(config.relayDomains()))));
    returnPathRule(config, store).ifPresent(rules::add);
    rules.add(new MaildirMailboxRule(config.maildirDomains()));
    var abuse = config.abuse();
    rules.add(new RecipientRule(new HashSet<>(config.hostedDomains()), recipients,
        new DirectoryHarvest(new DirectoryHarvest.Settings(abuse.tarpit(), abuse.tarpitMax(), config.recipients().harvestThreshold()),
            throttle::blockNetwork, events, clock)));
    rules.add(new SuppressionRule(new StoreSuppressions(store.suppressions())));
    PolicyChain chain = new PolicyChain(rules);
    return new Policy(chain, rateCounters);
  }

  /**
   * Who the hosted domains take mail for ({@link HostedRecipients}): the config's lists, the account
   * store, and the next hop of each domain routed by LMTP or SMTP, asked within {@code
   * recipients.verify-timeout} over TLS checked against {@code outboundTls} as delivery's is.
   */
  public static RecipientDirectory recipients(
      HikyakuConfig config, Store store, Routes routes, Clock clock, Optional<javax.net.ssl.SSLContext> outboundTls) {
    var r = config.recipients();
    return new HostedRecipients(r, store.accounts(), routes,
        new RecipientCallout(new RecipientCallout.Settings(config.hostname(), r.verifyTimeout(), r.verifyPositiveTtl(),
            r.verifyNegativeTtl()), outboundTls, clock));
  }

  /**
   * The per-domain routes of {@code delivery.routes} (hosted domains without one get a Maildir
   * under the data directory), with the SMTP routes' passwords read from their files now. Delivery
   * sends by them; the recipient check asks their next hops.
   */
  public static Routes routes(HikyakuConfig config) throws StartupException {
    java.util.Map<String, Route> routes = new java.util.LinkedHashMap<>();
    for (var entry : config.deliveryRoutes().entrySet()) {
      String domain = entry.getKey();
      routes.put(domain, switch (entry.getValue()) {
        case DeliveryConfig.Route.Smtp smtp -> new Route.Smtp(smtp.host(), smtp.port(), smtp.tls(),
            credentials(smtp.user(), smtp.passwordFile(), "delivery.routes." + domain));
        case DeliveryConfig.Route.Lmtp lmtp -> new Route.Lmtp(lmtp.host(), lmtp.port());
        case DeliveryConfig.Route.Maildir maildir -> new Route.Maildir(maildir.directory());
      });
    }
    return new Routes(routes);
  }

  /**
   * The VERP return paths of {@code returns}, keyed with the store's server secret, when the section
   * is enabled.
   */
  static Optional<ReturnPaths> returnPaths(HikyakuConfig config, Store store) {
    if (config.returns().activeDomain().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new ReturnPaths(config.returns().activeDomain().get(), store.serverSecret().value()));
    } catch (StoreException e) {
      throw new IllegalStateException("cannot read the server secret for the return paths: " + e.getMessage(), e);
    }
  }

  /**
   * RCPT to the returns domain, when {@code returns} is enabled: its return paths (verified), the
   * feedback address and postmaster only.
   */
  private static Optional<ReturnPathRule> returnPathRule(HikyakuConfig config, Store store) {
    return returnPaths(config, store).map(paths -> new ReturnPathRule(paths.domain(), config.returns().feedbackAddress(),
        local -> switch (paths.recognize(local)) {
          case ReturnPaths.Recognition.Ours ours -> Optional.empty();
          case ReturnPaths.Recognition.Forged forged -> Optional.of("forged return path: " + forged.reason());
          case ReturnPaths.Recognition.NotAReturnPath none -> Optional.of("not a return path, the feedback address or postmaster");
        }));
  }

  /**
   * The HTTP API when {@code api.enabled}, over TLS with the listeners' certificate unless {@code
   * api.tls: false} (loopback only), checking bearer tokens against the store's API keys, reading
   * the message history, the accounts' event feeds and the suppression list, and sending through the
   * same policy and intake as SMTP submission.
   */
  private static Optional<ApiServer> startApiServer(
      HikyakuConfig config, TlsContexts tls, ApiAccess access, ApiSuppressions suppressions, Submissions submissions,
      ApiWebhooks webhooks)
      throws ApiServer.StartFailure {
    var api = config.api();
    if (!api.isEnabled()) {
      return Optional.empty();
    }
    return Optional.of(
        ApiServer.start(
            api.address(), api.port(), api.isTls() ? Optional.of(tls) : Optional.empty(),
            dev.hikyaku.api.Backends.NONE.withKeys(access).withMessages(access).withEvents(access)
                .withSuppressions(suppressions).withSubmissions(submissions).withWebhooks(webhooks)));
  }

  /** {@code /metrics} and {@code /health} when {@code http.enabled}; health asks the store and the listeners. */
  private static Optional<MetricsEndpoint> startMetricsEndpoint(
      HikyakuConfig config, MetricsSink metrics, Store store, AtomicBoolean isAccepting)
      throws MetricsEndpoint.StartFailure {
    if (!config.http().isEnabled()) {
      return Optional.empty();
    }
    Map<String, HealthCheck> checks = new LinkedHashMap<>();
    checks.put("store", () -> storeHealth(store));
    // Listener does not say whether its accept loop still runs, so "listeners" means "all bound,
    // started and not yet closed".
    checks.put("listeners", () -> isAccepting.get() ? Health.up() : Health.down("listeners are not accepting"));
    return Optional.of(MetricsEndpoint.start(config.http().address(), config.http().port(), metrics, checks));
  }

  /**
   * Up when the queue's writer runs and the cheapest query there is, the oldest queue entry (an
   * index seek), answers.
   */
  private static Health storeHealth(Store store) {
    Optional<String> stopped = store.writerFailure();
    if (stopped.isPresent()) {
      return Health.down(stopped.get());
    }
    try {
      store.queueAdmin().list(QueueQuery.all().withLimit(1));
      return Health.up();
    } catch (StoreException e) {
      return Health.down(e.getMessage());
    }
  }

  private static java.util.Optional<java.time.Instant> oldestQueued(Store store) {
    try {
      return store.queue().oldestReceivedAt();
    } catch (StoreException e) {
      throw new IllegalStateException("oldest queued message: " + e.getMessage(), e);
    }
  }

  private static long queueDepth(Store store) {
    try {
      return store.queue().count();
    } catch (StoreException e) {
      throw new IllegalStateException("queue depth: " + e.getMessage(), e);
    }
  }

  private static void serve(
      Socket socket, TlsContexts tls, SessionSettings settings, SessionServices services, String sessionId) {
    SocketTransport transport;
    try {
      // RFC 5321 §4.5.3.2.7: the server's own timeout bounds its writes too; a client that never
      // reads its replies is cut off, not waited for.
      transport = new SocketTransport(socket, tls, settings.commandTimeout());
    } catch (IOException e) {
      closeQuietly(socket);
      return;
    }
    new SmtpSession(sessionId, transport, settings, services).run();
  }

  private static byte[] refusalLine(String hostname, ConnectionPermits.Refusal refusal) {
    Reply reply =
        switch (refusal) {
          case TOTAL_LIMIT -> Replies.tooManyConnections(hostname);
          case CLIENT_LIMIT -> Replies.tooManyConnectionsFromClient(hostname);
          case CLIENT_RATE -> Replies.tooManyConnectionsPerMinute(hostname);
        };
    return reply.toBytes();
  }

  static SessionSettings settingsFor(HikyakuConfig config, ListenerConfig listener) {
    var limits = config.limits();
    return new SessionSettings(
        config.hostname(),
        listener.name(),
        listener.role(),
        limits.maxMessageSize(),
        limits.maxRecipients(),
        limits.maxErrors(),
        listener.greetingDelay(),
        limits.commandTimeout(),
        limits.dataTimeout(),
        limits.dataDeadline(),
        limits.minDataRate(),
        limits.tlsHandshakeTimeout(),
        mechanisms(config.auth(), listener.role()),
        Optional.empty());
  }

  /** The SASL names each configured listener offers, by listener name. */
  static java.util.Map<String, List<String>> authMechanisms(HikyakuConfig config) {
    java.util.Map<String, List<String>> offered = new java.util.HashMap<>();
    for (ListenerConfig listener : config.listeners()) {
      offered.put(listener.name(), mechanisms(config.auth(), listener.role()).stream().map(Mechanism::saslName).toList());
    }
    return offered;
  }

  public static List<Mechanism> mechanisms(AuthConfig auth, ListenerRole role) {
    return auth.mechanismsFor(role);
  }

  /**
   * The way out: per-domain routes (hosted domains default to a Maildir under the data directory),
   * then a smarthost, then MX; retries and bounces; started.
   */
  static Scheduler delivery(
      HikyakuConfig config, Store store, MessageIntake intake, Clock clock, SecureRandom random,
      Optional<javax.net.ssl.SSLContext> outboundTls, Events events, Routes configured)
      throws StartupException {
    var d = config.delivery();
    MxResolver mx = new MxResolver(new DnsjavaResolver(d.dnsServers(), d.dnsTimeout(), 2), random);
    Optional<DeliveryWorker.Smarthost> smarthost = Optional.empty();
    if (d.smarthost().isPresent()) {
      var sh = d.smarthost().get();
      Optional<SmtpCredentials> credentials = credentials(sh.user(), sh.passwordFile(), "delivery.smarthost");
      // The config holds VERIFY or IMPLICIT: credentials go only to a server whose certificate
      // verifies (RFC 8314 §5.1 / RFC 7817).
      smarthost = Optional.of(new DeliveryWorker.Smarthost(sh.host(), sh.port(), sh.tls(), credentials));
    }
    TlsPolicy tls = d.tls();
    // Hosted domains always have a route (a Maildir by default): out by MX they would come straight
    // back here, a loop.
    java.util.Map<String, Route> routes = new java.util.LinkedHashMap<>(configured.byDomain());
    java.util.Map<String, TlsPolicy> domainTls = new java.util.HashMap<>();
    java.util.Map<String, DestinationLimits> limits = new java.util.HashMap<>();
    d.destinations().forEach((domain, destination) -> {
      destination.tls().ifPresent(policy -> domainTls.put(domain, policy));
      limits.put(domain, new DestinationLimits(
          destination.concurrency().orElse(d.maxPerDomain()),
          destination.messagesPerMinute().map(java.util.OptionalInt::of).orElse(java.util.OptionalInt.empty())));
    });
    MaildirDelivery maildir = new MaildirDelivery(clock, random, config.hostname());
    java.util.Set<dev.hikyaku.protocol.EnhancedStatus> suppressStatuses = java.util.Set.copyOf(d.suppressStatuses());
    // The returns domain's mail is read as reports (returns.ReturnedMail); our senders' mail goes
    // out by SMTP under a VERP return path on it.
    Optional<ReturnPaths> returnPaths = returnPaths(config, store);
    ReversePaths reversePaths = ReversePaths.OWN;
    if (returnPaths.isPresent()) {
      ReturnPaths paths = returnPaths.get();
      routes.put(paths.domain(), new Route.Returns(new ReturnedMail(paths, config.returns().feedbackAddress(), suppressStatuses,
          store.history(), maildir, config.returnsDirectory().orElseThrow(), events, clock)));
      reversePaths = id -> Optional.of(paths.returnPath(id));
    }
    DeliveryWorker agent =
        new DeliveryWorker(
            mx,
            new DeliveryWorker.Settings(
                config.hostname(), d.mxPort(), tls, OutboundSession.Timeouts.defaults(), smarthost, new Routes(routes),
                domainTls, d.maxPerHost()),
            outboundTls,
            maildir,
            reversePaths);
    Scheduler scheduler =
        new Scheduler(
            store.queue(),
            d.retryPolicy(),
            agent,
            new dev.hikyaku.delivery.BounceReports(new Bouncer(clock, random), intake, config.hostname(), events, clock),
            clock,
            random,
            d.maxPerDomain(),
            Scheduler.DEFAULT_BATCH_SIZE,
            limits,
            events,
            suppressStatuses);
    scheduler.start();
    return scheduler;
  }

  /** A user and the password from its file (read now, kept in memory only), or none. */
  private static Optional<SmtpCredentials> credentials(Optional<String> user, Optional<Path> passwordFile, String where)
      throws StartupException {
    if (user.isEmpty()) {
      return Optional.empty();
    }
    Path file = passwordFile.orElseThrow();
    byte[] octets;
    try (java.io.InputStream in = Files.newInputStream(file)) {
      // Read no more than a password can be: /dev/zero or a wrong file must not fill the heap.
      octets = in.readNBytes(MAX_PASSWORD_FILE_OCTETS + 1);
    } catch (IOException e) {
      throw new StartupException(where + ".password-file: cannot read " + file, e);
    }
    try {
      if (octets.length > MAX_PASSWORD_FILE_OCTETS) {
        throw new StartupException(where + ".password-file: " + file + " is longer than " + MAX_PASSWORD_FILE_OCTETS
            + " octets; it must hold the password alone", null);
      }
      return Optional.of(new SmtpCredentials(user.get(),
          new String(octets, java.nio.charset.StandardCharsets.UTF_8).strip().toCharArray()));
    } finally {
      java.util.Arrays.fill(octets, (byte) 0);
    }
  }

  /** RFC 4954 §4 lets an AUTH line carry 12288 octets of base64: no password is longer than this. */
  private static final int MAX_PASSWORD_FILE_OCTETS = 9216;

  /** The AUTH throttle over the store's defence tables, with the config's thresholds; started. */
  public static AuthThrottle throttle(HikyakuConfig config, Store store, Events events, Clock clock) {
    return new AuthThrottle(
            config.abuse(),
            store.defences(),
            new StoreSuspensions(store.defences(), clock),
            events,
            clock)
        .start();
  }

  /** The authenticator over the store's accounts, with the config's hashing and token settings. */
  public static Authenticator authenticator(
      HikyakuConfig config, Store store, Optional<AuthThrottle> throttle, Clock clock, SecureRandom random) {
    AuthConfig auth = config.auth();
    var argon2 = auth.argon2();
    Optional<BearerTokenValidator> bearer =
        auth.oauth()
            .map(o -> new BearerTokenValidator(
                new OAuthIssuer(o.issuer(), o.jwksUri(), o.jwksFile(), o.audiences(), o.accountClaim(), o.clockSkew()), clock));
    return new Authenticator(
        store.accounts(),
        store.appPasswords(),
        store.serverSecret(),
        store.apiKeys(),
        new PasswordHasher(new Argon2Parameters(argon2.memoryKiB(), argon2.iterations(), argon2.parallelism())),
        new VerificationCache(auth.cacheTtl(), 10_000, clock),
        bearer,
        throttle,
        new Authenticator.Settings(auth.scramIterations(), auth.isCramMd5Enabled(), config.hostname()),
        clock,
        random);
  }

  private static TlsContexts openTls(HikyakuConfig config) throws StartupException {
    var tlsConfig = config.tls();
    try {
      if (tlsConfig.certificate().isPresent()) {
        return TlsContexts.fromPem(
            tlsConfig.certificate().get(), tlsConfig.privateKey().orElseThrow(), tlsConfig.reloadCheckInterval(),
            tlsConfig.engine());
      }
      return TlsContexts.selfSigned(
          config.hostname(), config.selfSignedTlsDirectory(), tlsConfig.reloadCheckInterval(), tlsConfig.engine());
    } catch (TlsSetupException e) {
      throw new StartupException("TLS: " + e.getMessage(), e);
    }
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
   * Graceful shutdown: stop accepting, let sessions finish what they are doing within the grace
   * period (idle ones get 421 4.3.2), then close the store, which completes any pending commit.
   */
  @Override
  public void close() {
    if (isClosed) {
      return;
    }
    isClosed = true;
    isAccepting.set(false);
    listeners.forEach(Listener::close);
    apiServer.ifPresent(ApiServer::close); // no new API requests either; those in progress finish first
    try {
      boolean isClean = sessions.drain(config.limits().shutdownGrace());
      if (!isClean) {
        log.warn("shutdown grace period over; cut off the remaining sessions");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Served through the drain (health DOWN, metrics still counting); stopped before the store goes.
    metricsEndpoint.ifPresent(MetricsEndpoint::close);
    adminChanges.close();
    historyPruning.close();
    scheduler.ifPresent(Scheduler::close); // a delivery in progress finishes and is recorded first
    webhooks.close(); // sends under way finish and are recorded; the rest go out after a restart
    feed.close(); // writes the feed entries of what was recorded, while the store is open
    authenticator.close();
    throttle.close(); // saves its counters while the store is still open
    rateCounters.close();
    audit.close();
    store.close();
    tls.close();
    log.info("stopped");
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Nothing to do.
    }
  }

  /** The server could not start; the message says what to fix. */
  public static final class StartupException extends Exception {
    public StartupException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
