package dev.hikyaku.app;

import dev.hikyaku.api.ApiServer;
import dev.hikyaku.api.Backends;
import dev.hikyaku.api.EventJson;
import dev.hikyaku.api.LocalApi;
import dev.hikyaku.api.PolicyFile;
import dev.hikyaku.api.Submissions;
import dev.hikyaku.app.Server.StartupException;
import dev.hikyaku.auth.Authenticator;
import dev.hikyaku.auth.ConsoleSignIn;
import dev.hikyaku.auth.Totp;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.console.Console;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.intake.MessageIntake;
import dev.hikyaku.intake.SubmissionAgent;
import dev.hikyaku.metrics.Health;
import dev.hikyaku.metrics.HealthCheck;
import dev.hikyaku.metrics.MetricsEndpoint;
import dev.hikyaku.metrics.MetricsSink;
import dev.hikyaku.net.TlsContexts;
import dev.hikyaku.policy.PolicyChain;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.webhooks.Dispatcher;
import dev.hikyaku.webhooks.PinnedHttpClient;
import dev.hikyaku.webhooks.TargetGuard;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;

/** HTTP in and out: the API, {@code /metrics} and {@code /health}, and the webhook dispatcher. */
final class HttpWiring {

  /**
   * How long the lookup of a webhook's host may take before {@link TargetGuard} gives it up: the
   * JDK's own lookup has no timeout, and a hanging resolver must not hold a send for ever.
   */
  private static final Duration WEBHOOK_HOST_LOOKUP_TIMEOUT = Duration.ofSeconds(10);

  private HttpWiring() {}

  /**
   * The webhook dispatcher: the store's outbox sent to the endpoints, hosts resolved by the system
   * resolver (as route names are) and checked before every attempt, receivers' certificates checked
   * against {@code outboundTls} (the JDK's trust store when empty), as delivery's are; at most
   * {@code concurrency} requests under way to one endpoint ({@code api.webhook-concurrency}).
   */
  static Dispatcher webhookDispatcher(
      Store store, Events events, Clock clock, SecureRandom random, Optional<SSLContext> outboundTls, int concurrency)
      throws StartupException {
    SSLContext trust;
    try {
      trust = outboundTls.isPresent() ? outboundTls.get() : SSLContext.getDefault();
    } catch (NoSuchAlgorithmException e) {
      throw new StartupException("no TLS for webhooks: " + e.getMessage(), e);
    }
    return new Dispatcher(store.webhookDeliveries(),
        event -> EventJson.of(ApiAccess.eventView(event)),
        new TargetGuard(TargetGuard.systemResolver(WEBHOOK_HOST_LOOKUP_TIMEOUT)),
        new PinnedHttpClient(trust, PinnedHttpClient.TIMEOUT), events, clock, random,
        concurrency);
  }

  /**
   * The HTTP API when {@code api.enabled}, over TLS with the listeners' certificate unless {@code
   * api.tls: false} (loopback only), checking bearer tokens against the store's API keys, reading
   * the message history, the accounts' event feeds and the suppression list, and sending through the
   * same policy and intake as SMTP submission.
   */
  static Optional<ApiServer> api(
      HikyakuConfig config, TlsContexts tls, Store store, PolicyChain policy, MessageIntake intake, Dispatcher webhooks,
      Events events, Clock clock, SecureRandom random, Authenticator authenticator, FailedLogins failedLogins)
      throws StartupException {
    var limits = config.limits();
    StoreSubmissions submissions = new StoreSubmissions(
        new SubmissionAgent(policy, intake, events, clock, limits.maxMessageSize()), store.idempotency(), clock,
        new Submissions.Limits(limits.maxMessageSize(), limits.maxRecipients()));
    ApiAccess access = new ApiAccess(store, events, clock, config.auth().cacheTtl());
    ApiSuppressions suppressions = new ApiSuppressions(store, events, clock);
    ApiWebhooks hooks = new ApiWebhooks(store, webhooks, events, clock, random, config.api().isWebhookPrivateTargetAllowed());
    ApiOperations operations = new ApiOperations(store, events, clock, random, failedLogins);
    var delivery = config.delivery();
    ApiDomains domains = new ApiDomains(store, events, clock,
        new DnsjavaResolver(delivery.dnsServers(), delivery.dnsTimeout(), DeliveryWiring.DNS_TRIES), config.hostname(),
        Optional.of(tls), delivery.mtaStsPort());
    var api = config.api();
    if (!api.isEnabled()) {
      return Optional.empty();
    }
    Backends backends = Backends.NONE.withKeys(access).withMessages(access).withEvents(access)
        .withSuppressions(suppressions).withSubmissions(submissions).withWebhooks(hooks)
        .withTlsReports(new ApiTlsReports(store, Set.copyOf(config.hostedDomains()), clock))
        .withQueue(operations).withBlocks(operations).withKeyRing(operations).withStatistics(operations)
        .withAccounts(new ApiAccounts(store, events, clock, config.auth(), random)).withDomains(domains);
    try {
      return Optional.of(
          ApiServer.start(
              api.address(), api.port(), api.isTls() ? Optional.of(tls) : Optional.empty(), backends,
              PolicyFile.of(Set.copyOf(config.hostedDomains()), config.mtaSts().policyText(config.hostname())),
              // The console on the same listener (issue 20): its sign-in is the SMTP authenticator's
              // password check (throttle and blocks included) and a TOTP code.
              // It calls the same routes, in process, as the signed-in caller.
              Optional.of(new Console(new LocalApi(backends),
                  new ConsoleSignIn(authenticator, store.consoleAdmins(), Totp.standard(), clock),
                  (command, subject, detail) -> events.publish(new Event.AdminChange(clock.instant(), command, subject, detail)),
                  random, clock))));
    } catch (ApiServer.StartFailure e) {
      throw new StartupException(e.getMessage(), e); // start() closes what was opened
    }
  }

  /**
   * {@code /metrics} and {@code /health} when {@code http.enabled}; health asks the store and
   * whether the listeners accept.
   */
  static Optional<MetricsEndpoint> metrics(
      HikyakuConfig config, MetricsSink metrics, Store store, BooleanSupplier isAccepting)
      throws StartupException {
    if (!config.http().isEnabled()) {
      return Optional.empty();
    }
    Map<String, HealthCheck> checks = new LinkedHashMap<>();
    checks.put("store", () -> storeHealth(store));
    // Listener does not say whether its accept loop still runs, so "listeners" means "all bound,
    // started and not yet closed".
    checks.put("listeners", () -> isAccepting.getAsBoolean() ? Health.up() : Health.down("listeners are not accepting"));
    try {
      return Optional.of(MetricsEndpoint.start(config.http().address(), config.http().port(), metrics, checks));
    } catch (MetricsEndpoint.StartFailure e) {
      throw new StartupException(e.getMessage(), e); // start() closes what was opened
    }
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
}
