package dev.hikyaku.metrics;

import dev.hikyaku.events.Event;
import dev.hikyaku.events.EventSink;
import dev.hikyaku.protocol.DeliveryStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts what the events say, in a Prometheus registry. Each event is one {@code case} of one
 * exhaustive switch, so a new event type does not compile until it has its line here.
 *
 * <p>Label values come only from {@link Labels}: configured names (listeners), fixed sets
 * (results, kinds, TLS versions) and reply codes from the server's own catalogue. Addresses,
 * account names, client IPs and free-text reasons never become labels.
 */
public final class MetricsSink implements EventSink {

  private static final Logger log = LoggerFactory.getLogger(MetricsSink.class);

  /** The content type of {@link #scrape()}: Prometheus text exposition format 0.0.4. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** A counter's name (Micrometer style: dots, no {@code _total}) and its help text. */
  private record Family(String name, String help) {}

  private static final Family CONTENT_SCANS = new Family("hikyaku.content.scans",
      "Messages a content filter judged at the end of DATA, by its action and what became of the message (queued, held, refused)");
  private static final Family CONNECTIONS =
      new Family("hikyaku.connections", "TCP connections to the SMTP listeners, by outcome (opened or refused by limits)");
  private static final Family TLS_HANDSHAKES =
      new Family("hikyaku.tls.handshakes", "TLS handshakes (STARTTLS and implicit TLS), by outcome and negotiated version");
  private static final Family AUTH_ATTEMPTS =
      new Family("hikyaku.auth.attempts", "SMTP AUTH attempts (RFC 4954), by listener, mechanism and result");
  private static final Family MESSAGES_ACCEPTED =
      new Family("hikyaku.messages.accepted", "Messages committed to the queue, by source");
  private static final Family MESSAGES_REJECTED =
      new Family("hikyaku.messages.rejected", "Messages refused after their data was read, by reply code and enhanced code");
  private static final Family RECIPIENTS_REJECTED =
      new Family("hikyaku.recipients.rejected", "Recipients refused by policy (relay denial or other)");
  private static final Family SENDERS_REJECTED =
      new Family("hikyaku.senders.rejected", "Senders (MAIL FROM) refused by policy");
  private static final Family BLOCKS =
      new Family("hikyaku.blocks", "Blocks of addresses, networks or accounts-from-networks, by scope and change");
  private static final Family SUSPENSIONS =
      new Family("hikyaku.account.suspensions", "Accounts suspended from sending or unsuspended");
  private static final Family ATTACKS =
      new Family("hikyaku.attacks.suspected", "Attack patterns noticed by the AUTH throttle, by kind");
  private static final Family ADMIN_CHANGES = new Family("hikyaku.admin.changes", "Administrative changes");
  private static final Family DELIVERIES =
      new Family("hikyaku.deliveries", "Delivery attempts per recipient, by outcome (delivered, deferred, failed), route kind and RFC 3463 status class");
  private static final Family DELIVERY_ENDS =
      new Family("hikyaku.delivery.ends", "Recipients given up on, by how (bounced on a status, or expired)");
  private static final Family DSNS_QUEUED =
      new Family("hikyaku.dsn.queued", "Delivery status notifications queued (RFC 3464), by action");
  private static final Family RETURNED_MAIL =
      new Family("hikyaku.returned.mail",
          "Reports read from mail to the returns domain, by kind (bounced, delayed, complained) and unparsed messages kept");
  private static final Family WEBHOOK_DELIVERIES =
      new Family("hikyaku.webhook.deliveries", "Webhook delivery attempts, by what each led to: delivered (2xx), retry (tried again"
          + " later), failed (the schedule ran out, or the event is no longer kept), gone (410: the endpoint is disabled)");
  private static final Family PROTOCOL_VIOLATIONS =
      new Family("hikyaku.protocol.violations", "Protocol violations a defence noticed, by kind");

  // Sessions: from a probe that hangs up at once to a slow client near the 5-minute command
  // timeout (RFC 5321 §4.5.3.2.7) and beyond.
  private static final Duration[] SESSION_BUCKETS = {
    Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5),
    Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5),
    Duration.ofMinutes(15)
  };

  // Delivery delay, arrival to delivery: a local mailbox in milliseconds, a remote MX in seconds,
  // and the retries of RFC 5321 §4.5.4.1 over hours to the default 5-day lifetime.
  private static final Duration[] DELAY_BUCKETS = {
    Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5),
    Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2),
    Duration.ofHours(12), Duration.ofDays(1), Duration.ofDays(5)
  };

  // Webhook requests: a receiver on the same network in milliseconds, one far away or busy in
  // seconds, up to the client's bounds (15 s to connect, 15 s for the answer).
  private static final Duration[] WEBHOOK_LATENCY_BUCKETS = {
    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
    Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofSeconds(30)
  };

  // Messages: from a bare notification to the default 35 MiB limit.
  private static final double[] SIZE_BUCKETS = {
    4 * 1024, 16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024, 16 * 1024 * 1024,
    64 * 1024 * 1024
  };

  private final PrometheusMeterRegistry registry;
  private final Set<String> listeners;
  private final Map<String, List<String>> authMechanisms;
  private final LongSupplier queueDepth;
  private final Timer sessionDuration;
  private final Timer deliveryDelay;
  private final Timer webhookLatency;
  private final Supplier<Optional<Instant>> oldestQueued;
  private final Clock clock;
  private final DistributionSummary messageSize;
  private final AtomicBoolean isQueueDepthFailing = new AtomicBoolean();

  /**
   * @param listeners the configured listener names; any other name in an event counts as {@code
   *     other}
   * @param queueDepth how many messages the queue holds, asked at each scrape; may throw when the
   *     store cannot answer, and the gauge then reads NaN
   */
  public MetricsSink(Collection<String> listeners, LongSupplier queueDepth) {
    this(listeners, Map.of(), queueDepth, Optional::empty, Clock.systemUTC());
  }

  /**
   * @param authMechanisms the SASL names each listener offers, for the AUTH series that start at 0
   * @param oldestQueued when the oldest queued message arrived, for {@code hikyaku_queue_oldest_age_seconds}
   */
  public MetricsSink(
      Collection<String> listeners, Map<String, ? extends Collection<String>> authMechanisms, LongSupplier queueDepth,
      Supplier<Optional<Instant>> oldestQueued, Clock clock) {
    this.authMechanisms = authMechanisms.entrySet().stream()
        .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> List.copyOf(e.getValue())));
    this.oldestQueued = oldestQueued;
    this.clock = clock;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Two registrations of one name with different label keys are a bug here; fail loudly (the
    // event fan-out logs it) rather than drop the meter silently, Micrometer's default.
    registry.throwExceptionOnRegistrationFailure();
    this.listeners = Set.copyOf(listeners);
    this.queueDepth = queueDepth;
    this.sessionDuration =
        Timer.builder("hikyaku.session.duration")
            .description("How long SMTP sessions lasted, connect to close")
            .serviceLevelObjectives(SESSION_BUCKETS)
            .register(registry);
    this.messageSize =
        DistributionSummary.builder("hikyaku.message.size")
            .description("Size of accepted messages as stored, trace headers included")
            .baseUnit("bytes")
            .serviceLevelObjectives(SIZE_BUCKETS)
            .register(registry);
    this.deliveryDelay =
        Timer.builder("hikyaku.delivery.delay")
            .description("Time from a message's arrival to each recipient's delivery")
            .serviceLevelObjectives(DELAY_BUCKETS)
            .register(registry);
    this.webhookLatency =
        Timer.builder("hikyaku.webhook.latency")
            .description("How long webhook requests took, connect to the end of the answer (the attempts that made one)")
            .serviceLevelObjectives(WEBHOOK_LATENCY_BUCKETS)
            .register(registry);
    Gauge.builder("hikyaku.queue.oldest.age", this, MetricsSink::readOldestAge)
        .description("Seconds since the oldest message in the queue arrived (0 when the queue is empty)")
        .baseUnit("seconds")
        .strongReference(true)
        .register(registry);
    Gauge.builder("hikyaku.queue.depth", this, MetricsSink::readQueueDepth)
        .description("Messages in the queue")
        .strongReference(true)
        .register(registry);
    registerKnownSeries();
  }

  /**
   * This process as one node of several sharing a store: {@code hikyaku_node_info{node="..."} 1}
   * (the Prometheus way to attach a name to a target: join on it rather than label every series),
   * and {@code hikyaku_delivery_leases_lost_total}, deliveries whose outcomes were not written
   * because this node's lease had lapsed and another node had taken the message over. A rising
   * count means nodes that stall past {@code store.lease} (long GC pauses, a VM frozen, a network cut
   * to the database): each such delivery may have gone out twice.
   */
  public MetricsSink node(String id, LongSupplier lostLeases) {
    Gauge.builder("hikyaku.node.info", () -> 1)
        .description("This node's id among the nodes sharing the store (store.node-id); always 1")
        .tag("node", id)
        .strongReference(true)
        .register(registry);
    FunctionCounter.builder("hikyaku.delivery.leases.lost", lostLeases, supplier -> supplier.getAsLong())
        .description("Deliveries whose outcomes were not written because another node had taken the message's lease")
        .register(registry);
    return this;
  }

  @Override
  public void accept(Event event) {
    switch (event) {
      case Event.ConnectionOpened e -> count(CONNECTIONS, "listener", listener(e.listener()), "outcome", "opened");
      case Event.ConnectionRefused e -> count(CONNECTIONS, "listener", listener(e.listener()), "outcome", "refused");
      case Event.ConnectionClosed e -> sessionDuration.record(e.durationMillis(), TimeUnit.MILLISECONDS);
      case Event.TlsEstablished e -> count(TLS_HANDSHAKES, "outcome", "ok", "protocol", Labels.tlsProtocol(e.protocol()));
      case Event.TlsFailed e -> count(TLS_HANDSHAKES, "outcome", "failed", "protocol", Labels.NONE);
      case Event.AuthAttempt e -> count(AUTH_ATTEMPTS, "listener", listener(e.listener()),
          "mechanism", Labels.mechanism(e.mechanism()), "result", e.result().kind().label());
      case Event.ProtocolViolation e -> count(PROTOCOL_VIOLATIONS, "kind", e.kind().label());
      case Event.SenderRejected e -> count(SENDERS_REJECTED);
      case Event.RecipientRejected e -> count(RECIPIENTS_REJECTED, "reason", Labels.recipientRefusal(e.rule()));
      case Event.SuppressedRecipientRefused e -> {} // counted as its RecipientRejected
      case Event.ClientBlocked e -> count(BLOCKS, "scope", Labels.blockScope(e.scope()), "change", "blocked");
      case Event.ClientUnblocked e -> count(BLOCKS, "scope", Labels.blockScope(e.scope()), "change", "unblocked");
      case Event.AccountSuspended e -> count(SUSPENSIONS, "change", "suspended");
      case Event.AccountUnsuspended e -> count(SUSPENSIONS, "change", "unsuspended");
      case Event.AttackSuspected e -> count(ATTACKS, "kind", Labels.attack(e.kind()));
      case Event.AdminChange e -> count(ADMIN_CHANGES);
      case Event.ApiKeyChecked e -> {} // the audit log has it; no API metrics yet
      case Event.WebhookDisabled e -> {} // the audit log has it; counted as its attempt (gone or failed)
      case Event.WebhookAttempted e -> {
        count(WEBHOOK_DELIVERIES, "result", e.result().label());
        e.latency().ifPresent(webhookLatency::record);
      }
      case Event.MessageRejected e -> count(MESSAGES_REJECTED, "reason", Labels.refusal(e.reply()));
      case Event.MessageAccepted e -> {
        count(MESSAGES_ACCEPTED, "source", Labels.source(e.source(), listeners));
        messageSize.record(e.size());
      }
      case Event.DeliveryAttempted e -> {
        count(DELIVERIES, "outcome", e.status().outcome().keyword(), "route_kind", e.facts().route().label(),
            "status_class", e.status().status().statusClass() + "xx");
        if (e.status().outcome() == DeliveryStatus.Outcome.DELIVERED) {
          deliveryDelay.record(e.delay());
        }
      }
      case Event.DeliveryBounced e -> count(DELIVERY_ENDS, "end", "bounced");
      case Event.DeliveryExpired e -> count(DELIVERY_ENDS, "end", "expired");
      case Event.DsnQueued e -> count(DSNS_QUEUED, "action", e.action().keyword());
      case Event.RecipientSuppressed e -> {} // its bounce is counted; the list itself is in the store
      case Event.DsnReceived e ->
          count(RETURNED_MAIL, "kind", e.action() == DeliveryStatus.Action.FAILED ? "bounced" : "delayed");
      case Event.ComplaintReceived e -> count(RETURNED_MAIL, "kind", "complained");
      case Event.ReturnedMailUnparsed e -> count(RETURNED_MAIL, "kind", "unparsed");
      case Event.DeliveryDeferred e -> {} // counted as a deferred attempt
      case Event.MessageRemoved e -> {} // the queue gauges show it
      case Event.QueueAdministered e -> {} // counted as an admin change
      case Event.ContentScanned e -> count(CONTENT_SCANS,
          "action", e.action().startsWith("unavailable") ? "unavailable" : e.action().startsWith("infected") ? "infected"
              : e.action().replace(' ', '_'), "outcome", e.outcome());
    }
  }

  /** Every meter in Prometheus text format ({@link #CONTENT_TYPE}). */
  public String scrape() {
    return registry.scrape();
  }

  /** The registry behind the meters, for meters that do not come from events (JVM, store). */
  public MeterRegistry registry() {
    return registry;
  }

  private void count(Family family, String... tags) {
    Counter.builder(family.name()).description(family.help()).tags(tags).register(registry).increment();
  }

  private String listener(String name) {
    return Labels.listener(name, listeners);
  }

  /**
   * Series whose label values are known up front start at 0, so that {@code rate()} and {@code
   * increase()} see their first event and dashboards show a zero rather than no data.
   */
  private void registerKnownSeries() {
    for (String listener : listeners) {
      for (String outcome : new String[] {"opened", "refused"}) {
        touch(CONNECTIONS, "listener", listener, "outcome", outcome);
      }
      touch(MESSAGES_ACCEPTED, "source", "smtp:" + listener);
      for (String mechanism : authMechanisms.getOrDefault(listener, List.of())) {
        for (Event.AuthAttempt.Kind kind : Event.AuthAttempt.Kind.values()) {
          touch(AUTH_ATTEMPTS, "listener", listener, "mechanism", Labels.mechanism(mechanism), "result", kind.label());
        }
      }
    }
    touch(TLS_HANDSHAKES, "outcome", "ok", "protocol", "TLSv1.3");
    touch(TLS_HANDSHAKES, "outcome", "failed", "protocol", Labels.NONE);
    touch(RECIPIENTS_REJECTED, "reason", "relay");
    touch(RECIPIENTS_REJECTED, "reason", "suppression");
    touch(RECIPIENTS_REJECTED, "reason", Labels.OTHER);
    touch(SENDERS_REJECTED);
    for (Event.ProtocolViolation.Violation violation : Event.ProtocolViolation.Violation.values()) {
      touch(PROTOCOL_VIOLATIONS, "kind", violation.label());
    }
    touch(DELIVERIES, "outcome", "delivered", "route_kind", "mx", "status_class", "2xx");
    touch(DELIVERIES, "outcome", "deferred", "route_kind", "mx", "status_class", "4xx");
    touch(DELIVERIES, "outcome", "failed", "route_kind", "mx", "status_class", "5xx");
    touch(DELIVERY_ENDS, "end", "bounced");
    touch(DELIVERY_ENDS, "end", "expired");
    for (Event.WebhookAttempted.Result result : Event.WebhookAttempted.Result.values()) {
      touch(WEBHOOK_DELIVERIES, "result", result.label());
    }
    for (String kind : new String[] {"bounced", "delayed", "complained", "unparsed"}) {
      touch(RETURNED_MAIL, "kind", kind);
    }
  }

  private void touch(Family family, String... tags) {
    Counter.builder(family.name()).description(family.help()).tags(tags).register(registry);
  }

  private double readOldestAge() {
    try {
      return oldestQueued.get().map(at -> Math.max(0, Duration.between(at, clock.instant()).toMillis() / 1000.0)).orElse(0.0);
    } catch (RuntimeException e) {
      log.debug("cannot read the oldest queued message for /metrics: {}", e.toString());
      return Double.NaN;
    }
  }

  private double readQueueDepth() {
    try {
      long depth = queueDepth.getAsLong();
      if (isQueueDepthFailing.compareAndSet(true, false)) {
        log.info("queue depth readable again");
      }
      return depth;
    } catch (RuntimeException e) {
      // NaN tells Prometheus "unknown"; a stale or zero depth would look like an empty queue.
      if (isQueueDepthFailing.compareAndSet(false, true)) {
        log.warn("cannot read the queue depth for /metrics: {}", e.toString());
      } else {
        log.debug("cannot read the queue depth for /metrics: {}", e.toString());
      }
      return Double.NaN;
    }
  }
}
