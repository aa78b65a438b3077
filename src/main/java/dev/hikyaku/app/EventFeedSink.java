package dev.hikyaku.app;

import dev.hikyaku.api.EventType;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.EventSink;
import dev.hikyaku.net.TlsFacts;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.store.MessageEvents;
import dev.hikyaku.store.NewMessageEvent;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fills the accounts' event feeds ({@code store.MessageEvents}, {@code GET /v1/events}) from the
 * server's events: a message accepted with a principal ({@code message.accepted}), each recipient's
 * delivery, deferral, bounce and expiry ({@code message.*}, with the attempt number, the RFC 3463
 * status, the diagnostic, the remote MTA, the TLS version and the next retry), a recipient put on
 * the suppression list by one of its bounces ({@code suppression.created}), and a recipient of the
 * account's send refused because it is on that list ({@code message.suppressed}, over the API or at
 * RCPT). The tags and metadata of a message are not written into its entries: the store joins them
 * in when the feed is read ({@code store.MessageEvents}).
 *
 * <p>The account of a delivery event is not carried on the event: the store takes it from the
 * message's history (its principal) in the statement that writes the row, one primary-key lookup on
 * the writer thread. That is cheaper than carrying the principal through the queue, the scheduler
 * and every delivery event, or than a read per event here; and it is right after a restart, which an
 * in-memory map of queue id to account would not be. Events of messages without a principal
 * (relayed in, our own bounces) find no history row with one and are not written. A refused send
 * names its account on its event, and may have no message at all: its entry is filed under that
 * account, and one without a message carries the tags and metadata of the send in its data.
 *
 * <p>Publishers (SMTP sessions, the scheduler's delivery threads) never wait for the disk: {@link
 * #accept} turns an event into an entry and puts it on a bounded queue in memory; one virtual thread
 * writes what has gathered, up to {@link #BATCH} entries a transaction, through the queue's
 * group-commit writer (so entries share the commits of pending mail). When the queue is full an
 * entry is dropped and counted rather than the publisher held up; {@link #close} writes what is
 * still queued.
 *
 * <p>This is a feed for polling, not an outbox: it is written after the change it tells of has
 * committed, so a crash in between, a full queue or a failed write loses entries (it never invents
 * one). Webhooks (issue 13) must not lose any: they need an outbox row written in the same
 * transaction as the queue change, which this is not.
 */
final class EventFeedSink implements EventSink, AutoCloseable {

  static final int CAPACITY = 10_000;
  static final int BATCH = 500;
  private static final Duration IDLE_POLL = Duration.ofMillis(200);

  private static final Logger log = LoggerFactory.getLogger(EventFeedSink.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final MessageEvents feed;
  private final BlockingQueue<NewMessageEvent> pending = new ArrayBlockingQueue<>(CAPACITY);
  /**
   * A recipient's attempt that is not delivered waits here for the event that says what it led to
   * (deferred, bounced, expired), which the scheduler publishes right after it on the same thread
   * (Scheduler.publish): so this holds at most one entry per delivery in progress.
   */
  private final Map<String, Event.DeliveryAttempted> attempts = new ConcurrentHashMap<>();
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean isClosed;
  private final Thread writer;

  EventFeedSink(MessageEvents feed) {
    this.feed = feed;
    this.writer = Thread.ofVirtual().name("event-feed").start(this::drain);
  }

  @Override
  public void accept(Event event) {
    entry(event).ifPresent(entry -> {
      if (!pending.offer(entry)) {
        long count = dropped.incrementAndGet();
        if (count == 1 || count % 1000 == 0) {
          log.warn("event feed: {} entries dropped so far, the writer is behind (queue of {})", count, CAPACITY);
        }
      }
    });
  }

  /** The feed's entry for {@code event}, if it is one the feed tells. */
  Optional<NewMessageEvent> entry(Event event) {
    return switch (event) {
      case Event.MessageAccepted e when e.principal().isPresent() -> {
        ObjectNode data = JSON.createObjectNode();
        data.put("sender", e.reversePath());
        e.recipients().forEach(data.putArray("recipients")::add);
        data.put("size", e.size());
        yield entry(e.at(), EventType.MESSAGE_ACCEPTED, e.queueId(), Optional.empty(), data);
      }
      case Event.DeliveryAttempted e -> {
        if (e.status().outcome() == DeliveryStatus.Outcome.DELIVERED) {
          yield delivery(e.at(), EventType.MESSAGE_DELIVERED, e.queueId(), e.recipient(), Optional.of(e), e.status(),
              Optional.empty());
        }
        attempts.put(key(e.queueId(), e.recipient()), e);
        yield Optional.empty();
      }
      case Event.DeliveryDeferred e -> {
        Optional<Event.DeliveryAttempted> attempt = Optional.ofNullable(attempts.remove(key(e.queueId(), e.recipient())));
        yield attempt.flatMap(a -> delivery(e.at(), EventType.MESSAGE_DEFERRED, e.queueId(), e.recipient(), attempt,
            a.status(), Optional.of(e.nextAttemptAt())));
      }
      case Event.DeliveryBounced e -> delivery(e.at(), EventType.MESSAGE_BOUNCED, e.queueId(), e.recipient(),
          Optional.ofNullable(attempts.remove(key(e.queueId(), e.recipient()))), e.status(), Optional.empty());
      case Event.DeliveryExpired e -> delivery(e.at(), EventType.MESSAGE_EXPIRED, e.queueId(), e.recipient(),
          Optional.ofNullable(attempts.remove(key(e.queueId(), e.recipient()))), e.status(), Optional.empty());
      case Event.RecipientSuppressed e -> {
        ObjectNode data = JSON.createObjectNode();
        data.put("sender_domain", e.senderDomain());
        data.put("reason", e.reason());
        data.put("diagnostic", e.diagnostic());
        yield entry(e.at(), EventType.SUPPRESSION_CREATED, e.queueId(), Optional.of(e.recipient()), data);
      }
      case Event.SuppressedRecipientRefused e -> {
        ObjectNode data = JSON.createObjectNode();
        data.put("sender", e.sender());
        data.put("reason", e.reply());
        Optional<QueueId> message = e.queueId().flatMap(QueueId::parse);
        if (message.isEmpty()) {
          // No message to read them from later: the send's own, kept with the entry.
          e.tags().forEach(data.putArray("tags")::add);
          ObjectNode metadata = data.putObject("metadata");
          e.metadata().forEach(metadata::put);
        }
        yield Optional.of(NewMessageEvent.ofAccount(e.at(), EventType.MESSAGE_SUPPRESSED.typeName(), e.account(), message,
            Optional.of(e.recipient()), JSON.writeValueAsString(data)));
      }
      default -> Optional.empty();
    };
  }

  /**
   * A recipient's entry: every {@code message.*} entry of a recipient has the same members, null
   * where the type has nothing to say ({@code next_retry_at} but for a deferral).
   */
  private static Optional<NewMessageEvent> delivery(
      Instant at, EventType type, String queueId, String recipient, Optional<Event.DeliveryAttempted> attempt,
      DeliveryStatus status, Optional<Instant> nextRetryAt) {
    ObjectNode data = JSON.createObjectNode();
    if (attempt.isPresent()) {
      data.put("attempt", attempt.get().attempt());
    } else {
      data.putNull("attempt");
    }
    data.put("status", status.status().toString());
    data.put("diagnostic", status.diagnostic().field());
    put(data, "remote_mta", status.remoteMta().map(DeliveryStatus.RemoteMta::relay));
    put(data, "tls", attempt.flatMap(a -> a.facts().tls()).map(TlsFacts::protocol));
    put(data, "next_retry_at", nextRetryAt.map(Instant::toString));
    return entry(at, type, queueId, Optional.of(recipient), data);
  }

  private static Optional<NewMessageEvent> entry(
      Instant at, EventType type, String queueId, Optional<String> recipient, ObjectNode data) {
    return QueueId.parse(queueId)
        .map(id -> new NewMessageEvent(at, type.typeName(), id, recipient, JSON.writeValueAsString(data)));
  }

  private static void put(ObjectNode node, String name, Optional<String> value) {
    if (value.isPresent()) {
      node.put(name, value.get());
    } else {
      node.putNull(name);
    }
  }

  private static String key(String queueId, String recipient) {
    return queueId + '\0' + recipient;
  }

  /** The writer thread: waits for an entry, writes it with whatever else has gathered; until closed and empty. */
  private void drain() {
    try {
      while (true) {
        NewMessageEvent first = pending.poll(IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
        if (first == null) {
          if (isClosed) {
            return;
          }
          continue;
        }
        List<NewMessageEvent> batch = new ArrayList<>(BATCH);
        batch.add(first);
        pending.drainTo(batch, BATCH - 1);
        write(batch);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void write(List<NewMessageEvent> batch) {
    try {
      feed.append(batch);
    } catch (StoreException e) {
      log.warn("event feed: {} entries not written: {}", batch.size(), e.getMessage());
    }
  }

  /** Writes what is still queued, then stops; entries accepted after this are not written. */
  @Override
  public void close() {
    isClosed = true;
    try {
      writer.join(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
