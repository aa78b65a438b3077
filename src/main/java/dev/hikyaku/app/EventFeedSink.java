package dev.hikyaku.app;

import dev.hikyaku.api.EventType;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.EventSink;
import dev.hikyaku.store.MessageEvents;
import dev.hikyaku.store.NewMessageEvent;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes to the accounts' event feeds ({@code store.MessageEvents}, {@code GET /v1/events}) the
 * events that have no store transaction of their own to be written in: today a recipient of the
 * account's send refused because it is on the suppression list ({@code message.suppressed}, over the
 * API or at RCPT).
 *
 * <p>Every other event type of the feed tells of a change the store commits, and the store writes
 * those entries itself, in the transaction of the change ({@code store.FeedEntries}: a message
 * queued, each recipient's attempt, a recipient suppressed by its bounce), because the feed is the
 * webhooks' outbox (issue 13) and must hold an entry exactly when its change committed; this sink
 * passes those events over, or every one would be written twice. A refusal changes nothing durable,
 * so its entry is written after the fact, and a crash in between, a full queue or a failed write may
 * lose it (never invent one).
 *
 * <p>A refused send names its account on its event, and may have no message at all (refused
 * whole): its entry is filed under that account, and one without a message carries the tags and
 * metadata of the send in its data, having no history to have them joined in from when the feed is
 * read ({@code store.MessageEvents}).
 *
 * <p>Publishers (SMTP sessions, the scheduler's delivery threads) never wait for the disk: {@link
 * #accept} turns an event into an entry and puts it on a bounded queue in memory; one virtual thread
 * writes what has gathered, up to {@link #BATCH} entries a transaction, through the queue's
 * group-commit writer (so entries share the commits of pending mail). When the queue is full an
 * entry is dropped and counted rather than the publisher held up; {@link #close} writes what is
 * still queued.
 */
final class EventFeedSink implements EventSink, AutoCloseable {

  static final int CAPACITY = 10_000;
  static final int BATCH = 500;
  private static final Duration IDLE_POLL = Duration.ofMillis(200);

  private static final Logger log = LoggerFactory.getLogger(EventFeedSink.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final MessageEvents feed;
  private final BlockingQueue<NewMessageEvent> pending = new ArrayBlockingQueue<>(CAPACITY);
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

  /**
   * The feed's entry for {@code event}, if it is one the feed tells and the store does not write
   * itself (see the class comment).
   */
  Optional<NewMessageEvent> entry(Event event) {
    return switch (event) {
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
