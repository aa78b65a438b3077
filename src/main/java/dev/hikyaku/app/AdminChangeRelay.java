package dev.hikyaku.app;

import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.store.AdminChange;
import dev.hikyaku.store.AdminChanges;
import dev.hikyaku.store.StoreException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the changes the admin CLI recorded in the store as {@link Event.AdminChange}, so they
 * reach this server's audit log (the CLI is another process and never writes the log itself).
 */
final class AdminChangeRelay implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AdminChangeRelay.class);

  private final AdminChanges changes;
  private final Events events;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread relay;

  AdminChangeRelay(AdminChanges changes, Events events, Duration interval) {
    this.changes = changes;
    this.events = events;
    this.relay = Thread.ofVirtual().name("admin-changes").start(() -> {
      try {
        do {
          publish();
        } while (!stopped.await(interval.toMillis(), TimeUnit.MILLISECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  private void publish() {
    try {
      for (AdminChange change : changes.takeUnpublished()) {
        events.publish(new Event.AdminChange(change.at(), change.command(), change.subject(), change.detail()));
        Event.QueueAdministered.Change.ofCommand(change.command())
            .ifPresent(c -> events.publish(new Event.QueueAdministered(change.at(), change.subject(), c)));
      }
    } catch (StoreException e) {
      log.warn("could not take admin changes to publish: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    stopped.countDown();
    try {
      relay.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
