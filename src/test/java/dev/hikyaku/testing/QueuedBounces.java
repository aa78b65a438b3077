package dev.hikyaku.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.app.StoreSenderRegistry;
import dev.hikyaku.delivery.BounceReports;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.intake.DkimSigning;
import dev.hikyaku.intake.InboundAuthentication;
import dev.hikyaku.intake.MessageIntake;
import dev.hikyaku.intake.StorageGuard;
import dev.hikyaku.schedule.DeliveryReports;
import dev.hikyaku.store.QueueEntry;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.store.QueuedRecipient;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The server's own bounce path on a sending store, as {@code Server.start} wires it: the
 * production delivery reports ({@link Server#deliveryReports}, the real {@link BounceReports} with
 * RFC 3461 NOTIFY rules) queueing each report through a real {@link MessageIntake} with the null
 * sender. The reports are read back where they end up: as
 * messages in the store's queue with the null reverse-path, each announced by an
 * {@link Event.DsnQueued}.
 */
public final class QueuedBounces {

  private final Store store;
  private final List<Event.DsnQueued> announced = new CopyOnWriteArrayList<>();
  private final DeliveryReports reports;

  public QueuedBounces(Store store, String hostname, Clock clock) {
    this.store = store;
    Events events = new Events(List.of(event -> {
      if (event instanceof Event.DsnQueued queued) {
        announced.add(queued);
      }
    }));
    MessageIntake intake = new MessageIntake(
        hostname, store.queue(), new StoreSenderRegistry(store.accounts()), clock, new SplittableRandom(11), events,
        StorageGuard.NONE, DkimSigning.NONE, InboundAuthentication.NONE);
    reports = Server.deliveryReports(hostname, intake, events, clock, new SplittableRandom(3));
  }

  /** What the scheduler reports to. */
  public DeliveryReports reports() {
    return reports;
  }

  /**
   * Each reported recipient's DSN, as queued. Checks on the way that the queue's null-sender
   * messages and the {@code DsnQueued} events are the same reports, each addressed to the sender of
   * the message it reports on, and that no recipient is reported twice.
   */
  public Map<String, byte[]> byRecipient() throws StoreException {
    Map<String, QueuedMessage> queued = new HashMap<>();
    for (QueueEntry entry : store.queueAdmin().list(QueueQuery.all())) {
      QueuedMessage message = store.queueAdmin().find(entry.id()).orElseThrow();
      if (message.reversePath().isEmpty()) {
        queued.put(message.id().toString(), message);
      }
    }
    assertThat(queued.keySet()).as("the null-sender messages queued are the reports announced")
        .containsExactlyInAnyOrderElementsOf(announced.stream().map(Event.DsnQueued::reportId).toList());
    Map<String, byte[]> byRecipient = new HashMap<>();
    for (Event.DsnQueued report : announced) {
      QueuedMessage message = queued.get(report.reportId());
      assertThat(message.recipients()).extracting(QueuedRecipient::forwardPath).as("a report goes to the sender")
          .containsExactly(report.to());
      for (String recipient : report.recipients()) {
        assertThat(byRecipient.put(recipient, message.content())).as("<%s> reported once", recipient).isNull();
      }
    }
    return byRecipient;
  }
}
