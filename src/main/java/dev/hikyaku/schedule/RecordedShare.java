package dev.hikyaku.schedule;

import static java.util.stream.Collectors.collectingAndThen;
import static java.util.stream.Collectors.toList;

import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.net.TlsFacts;
import dev.hikyaku.protocol.DeliveryReasons;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.store.AttemptOutcome;
import dev.hikyaku.store.AttemptRecord;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.RecipientOutcome;
import dev.hikyaku.store.Suppression;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What one delivery of a share (one message, one destination) decided for each recipient, as the
 * queue records it, and what follows from that: the message history's rows, the hard bounces for the
 * suppression list, and the events that tell of it. Made by the {@link Scheduler} once it has every
 * outcome; the rows and suppressions commit with the outcomes, the events follow the commit.
 */
record RecordedShare(DueDelivery share, List<RecordedShare.Recorded> recipients) {

  /** The outcomes decided for {@code share}'s recipients, with the results they were decided from. */
  static RecordedShare of(DueDelivery share, Map<String, RecipientResult> results, List<RecipientOutcome> outcomes) {
    Map<String, Integer> attempts = new HashMap<>();
    share.recipients().forEach(r -> attempts.putIfAbsent(r.forwardPath(), r.attempts() + 1));
    return outcomes.stream()
        .map(o -> new Recorded(o, results.get(o.forwardPath()), attempts.getOrDefault(o.forwardPath(), 1)))
        .collect(collectingAndThen(toList(), recorded -> new RecordedShare(share, recorded)));
  }

  /**
   * The hard bounces among what is recorded, for the suppression list: a recipient failed for good
   * (not expired, not returned by an admin, not kept for a report that could not be queued) by a
   * remote server's reply whose status is one of {@code suppressStatuses}. Our own findings (DNS,
   * connections, local reasons) never suppress: they say something about the path, not the mailbox.
   * Bounces (the null reverse-path, RFC 5321 §4.5.5) have no sending domain to suppress for.
   */
  List<Suppression> suppressions(Set<EnhancedStatus> suppressStatuses, Instant now) {
    int at = share.reversePath().lastIndexOf('@');
    if (suppressStatuses.isEmpty() || share.isReturning() || at < 0) {
      return List.of();
    }
    String senderDomain = share.reversePath().substring(at + 1);
    List<Suppression> entries = new ArrayList<>();
    for (Recorded r : recipients) {
      DeliveryStatus status = r.result().status();
      if (r.outcome().state() == RecipientOutcome.State.FAILED
          && status.outcome() == DeliveryStatus.Outcome.FAILED
          && status.diagnostic() instanceof DeliveryStatus.Diagnostic.RemoteReply
          && suppressStatuses.contains(status.status())) {
        entries.add(Suppression.hardBounce(senderDomain, r.outcome().forwardPath(), status.status().toString(),
            status.diagnostic().field(), share.id(), now));
      }
    }
    return entries;
  }

  private static String id(Suppression suppression) {
    return suppression.queueId().map(Object::toString).orElse("");
  }

  /**
   * One recipient's outcome as it is recorded, with the attempt's result, its number (from 1) and
   * the status the queue decided on: the attempt's own, or 5.4.7 when the lifetime ran out, or
   * 4.3.0 for a failure kept because its report could not be queued (RFC 3463).
   */
  record Recorded(RecipientOutcome outcome, RecipientResult result, int attempt) {

    boolean isExpired() {
      return outcome.state() == RecipientOutcome.State.FAILED && result.outcome() == DeliveryStatus.Outcome.DEFERRED;
    }

    DeliveryStatus decided() {
      DeliveryStatus status = result.status();
      if (isExpired()) {
        return DeliveryReasons.expired(status);
      }
      if (outcome.state() == RecipientOutcome.State.DEFERRED && status.outcome() != DeliveryStatus.Outcome.DEFERRED) {
        return status.as(DeliveryStatus.Action.DELAYED, EnhancedStatus.of(4, 3, 0));
      }
      return status;
    }
  }

  /** The message history's rows for what is recorded: one per recipient and attempt. */
  List<AttemptRecord> history(Instant now) {
    List<AttemptRecord> rows = new ArrayList<>();
    for (Recorded r : recipients) {
      RecipientOutcome outcome = r.outcome();
      RecipientResult result = r.result();
      String path = outcome.forwardPath();
      DeliveryStatus status = result.status();
      AttemptOutcome kind = switch (outcome.state()) {
        case DELIVERED -> status.action() == DeliveryStatus.Action.RELAYED ? AttemptOutcome.RELAYED : AttemptOutcome.DELIVERED;
        case DEFERRED -> AttemptOutcome.DEFERRED;
        case FAILED -> share.isReturning() ? AttemptOutcome.RETURNED : r.isExpired() ? AttemptOutcome.EXPIRED : AttemptOutcome.FAILED;
      };
      DeliveryStatus kept = r.decided();
      Optional<TlsFacts> tls = result.facts().tls();
      rows.add(new AttemptRecord(share.id(), path, r.attempt(), now, kind, kept.status().toString(),
          kept.diagnostic().field(), kept.remoteMta().map(DeliveryStatus.RemoteMta::relay),
          tls.map(TlsFacts::protocol), tls.map(TlsFacts::cipherSuite),
          Duration.between(share.receivedAt(), now), outcome.nextAttemptAt()));
    }
    return rows;
  }

  /**
   * Tells what was recorded: one attempt per recipient, then its deferral or its end; the message's
   * removal when the record finished it; the recipients it put on the suppression list.
   */
  void publish(Events events, Instant attemptedAt, boolean isRemoved, List<Suppression> suppressed, Instant now) {
    String id = share.id().toString();
    for (Recorded r : recipients) {
      RecipientOutcome outcome = r.outcome();
      RecipientResult result = r.result();
      String path = outcome.forwardPath();
      events.publish(new Event.DeliveryAttempted(now, id, path, r.attempt(), result.status(),
          result.facts(), Duration.between(share.receivedAt(), now), Duration.between(share.receivedAt(), attemptedAt)));
      switch (outcome.state()) {
        case DEFERRED -> events.publish(new Event.DeliveryDeferred(now, id, path, outcome.nextAttemptAt().orElseThrow()));
        case FAILED -> events.publish(r.isExpired()
            ? new Event.DeliveryExpired(now, id, path, r.decided())
            : new Event.DeliveryBounced(now, id, path, result.status()));
        case DELIVERED -> {}
      }
    }
    if (isRemoved) {
      events.publish(new Event.MessageRemoved(now, id));
    }
    suppressed.forEach(s -> events.publish(new Event.RecipientSuppressed(
        s.createdAt(), s.senderDomain(), s.recipient(), s.reason().keyword(), id(s), s.diagnostic().orElse(""))));
  }
}
