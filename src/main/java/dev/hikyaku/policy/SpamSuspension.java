package dev.hikyaku.policy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.EventSink;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The content filter's side of compromised-account detection (issue 21): a slow spam campaign from
 * a stolen account never bursts past {@link SuspensionRule}'s volume thresholds, but its messages
 * keep scoring as spam. Each message from an account that the filter would reject ({@link
 * Event.ContentScanned}, held or refused) counts, as does one carrying a virus; {@code threshold} of them within {@code window}
 * suspend the account as a burst does (MAIL 550 5.7.1, {@link Event.AccountSuspended}). Counted in
 * memory on the node that scanned them, as the volume is.
 */
public final class SpamSuspension implements EventSink {

  private final SuspensionRule.Suspensions suspensions;
  private final int threshold;
  private final Duration window;
  private final Clock clock;
  private final Consumer<Event> publish;
  private final Cache<String, Deque<Instant>> flagged;

  /**
   * @param threshold spam messages within {@code window} that suspend the account; 0: never
   * @param publish where the suspension is told (the server's events)
   */
  public SpamSuspension(SuspensionRule.Suspensions suspensions, int threshold, Duration window, Clock clock, Consumer<Event> publish) {
    this.suspensions = Objects.requireNonNull(suspensions, "suspensions");
    this.threshold = threshold;
    this.window = window;
    this.clock = clock;
    this.publish = publish;
    this.flagged = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(window).build();
  }

  @Override
  public void accept(Event event) {
    if (threshold <= 0 || !(event instanceof Event.ContentScanned scanned) || scanned.account().isEmpty()
        || !(scanned.action().equals("reject") || scanned.action().startsWith("infected"))) {
      return;
    }
    String account = scanned.account().get();
    Instant now = clock.instant();
    int[] count = new int[1];
    flagged.asMap().compute(account, (name, times) -> {
      Deque<Instant> kept = times == null ? new ArrayDeque<>() : times;
      kept.addLast(scanned.at());
      while (!kept.isEmpty() && !kept.peekFirst().isAfter(now.minus(window))) {
        kept.removeFirst();
      }
      count[0] = kept.size();
      return kept;
    });
    if (count[0] >= threshold && suspensions.reason(account).isEmpty()) {
      String reason = count[0] + " messages rspamd would reject within " + window.toHours() + " h (the last "
          + scanned.queueId() + ", score " + String.format(Locale.ROOT, "%.2f", scanned.score()) + ")";
      suspensions.suspend(account, reason);
      publish.accept(new Event.AccountSuspended(now, account, reason));
    }
  }
}
