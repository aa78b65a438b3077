package dev.hikyaku.app;

import dev.hikyaku.app.Server.StartupException;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.ListenerConfig;
import dev.hikyaku.events.AuditLogSink;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.EventSink;
import dev.hikyaku.events.Events;
import dev.hikyaku.events.LogSink;
import dev.hikyaku.events.SendLogSink;
import dev.hikyaku.metrics.MetricsSink;
import dev.hikyaku.policy.SpamSuspension;
import dev.hikyaku.schedule.Scheduler;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.webhooks.Dispatcher;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where every event goes: the accounts' feed, the log, the send log, the audit log, metrics, the
 * caller's extra sinks, and the wake-ups of the scheduler (new mail) and the webhook dispatcher (a
 * new feed entry), which are set once those exist.
 */
final class EventWiring {

  private final Events events;
  private final MetricsSink metrics;
  private final FailedLogins failedLogins;
  private final AtomicReference<Scheduler> scheduler;
  private final AtomicReference<Dispatcher> dispatcher;

  private EventWiring(Events events, MetricsSink metrics, FailedLogins failedLogins, AtomicReference<Scheduler> scheduler,
      AtomicReference<Dispatcher> dispatcher) {
    this.events = events;
    this.metrics = metrics;
    this.failedLogins = failedLogins;
    this.scheduler = scheduler;
    this.dispatcher = dispatcher;
  }

  /** The sinks, the audit log and the feed opened (onto {@code opened}) in the data directory's store. */
  static EventWiring open(HikyakuConfig config, Store store, List<EventSink> extraSinks, Clock clock, Resources opened)
      throws StartupException {
    Path data = config.dataDirectory();
    AuditLogSink audit;
    try {
      audit = opened.push(AuditLogSink.open(data.resolve(AuditLogSink.FILE_NAME)));
    } catch (IOException e) {
      throw new StartupException("cannot open the audit log in " + data.toAbsolutePath() + ": " + e.getMessage(), e);
    }
    List<EventSink> sinks = new ArrayList<>();
    // Events without a store change of their own; the store writes the rest in its transactions.
    sinks.add(opened.push(new EventFeedSink(store.messageEvents())));
    sinks.add(new LogSink());
    sinks.add(new SendLogSink());
    sinks.add(audit);
    MetricsSink metrics =
        new MetricsSink(config.listeners().stream().map(ListenerConfig::name).toList(), SessionWiring.authMechanisms(config),
            () -> queueDepth(store), () -> oldestQueued(store), clock)
            .node(store.queue().leases().node().id(), store.queue().leases()::lost);
    sinks.add(metrics);
    FailedLogins failedLogins = new FailedLogins();
    sinks.add(failedLogins);
    // Spam from an account, counted towards its suspension (issue 21); it tells of a suspension
    // through the events it is one of the sinks of, hence the reference filled in below.
    AtomicReference<Events> bus = new AtomicReference<>();
    sinks.add(new SpamSuspension(new StoreSuspensions(store.defences(), clock), config.contentChecks().suspendAfterSpam(),
        Duration.ofDays(1), clock, event -> bus.get().publish(event)));
    sinks.addAll(extraSinks);
    // New mail wakes the scheduler, so a message is on its way at once, not at the next poll.
    AtomicReference<Scheduler> scheduler = new AtomicReference<>();
    sinks.add(event -> {
      if (event instanceof Event.MessageAccepted && scheduler.get() != null) {
        scheduler.get().wake();
      }
    });
    // An event the store has written to the feed wakes the webhook dispatcher (the feed is its outbox).
    AtomicReference<Dispatcher> dispatcher = new AtomicReference<>();
    sinks.add(event -> {
      if ((event instanceof Event.MessageAccepted || event instanceof Event.DeliveryAttempted
          || event instanceof Event.RecipientSuppressed) && dispatcher.get() != null) {
        dispatcher.get().wake();
      }
    });
    bus.set(new Events(sinks));
    return new EventWiring(bus.get(), metrics, failedLogins, scheduler, dispatcher);
  }

  Events events() {
    return events;
  }

  MetricsSink metrics() {
    return metrics;
  }

  /** Failed logins on this node over the last day, for the operators' overview. */
  FailedLogins failedLogins() {
    return failedLogins;
  }

  /** From now on, accepted mail wakes {@code delivery}. */
  Scheduler wake(Scheduler delivery) {
    scheduler.set(delivery);
    return delivery;
  }

  /** From now on, a new feed entry wakes {@code webhooks}. */
  Dispatcher wake(Dispatcher webhooks) {
    dispatcher.set(webhooks);
    return webhooks;
  }

  private static Optional<Instant> oldestQueued(Store store) {
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
}
