package dev.hikyaku.schedule;

import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.StoreException;
import java.util.List;
import java.util.Optional;

/**
 * Where the scheduler gets word of failed, delayed and relayed recipients made: the wiring builds a
 * DSN with {@code delivery.Bouncer} and prepares it through intake with the null reverse-path. The
 * scheduler queues it in the transaction that records the outcomes ({@link PendingReport}), so each
 * report is made exactly once, on the node that holds the message's lease. Deciding not to report
 * (the original had the null sender, RFC 3464 / RFC 5321 §4.5.5; nobody asked, RFC 3461) is the
 * receiver's business: it then returns empty.
 */
public interface DeliveryReports {

  /**
   * {@code recipients} of {@code delivery} failed for good. Throwing (the report cannot be made)
   * keeps the recipients in the queue, to fail and be reported again at their next attempt.
   */
  Optional<PendingReport> failed(DueDelivery delivery, List<RecipientReport> recipients) throws StoreException;

  /** {@code recipients} are still undelivered past the delay-warning time (RFC 3464: delayed). */
  Optional<PendingReport> delayed(DueDelivery delivery, List<RecipientReport> recipients) throws StoreException;

  /**
   * {@code recipients} were taken by a next hop that does not carry DSN requests on ({@code
   * handoff} is {@link RecipientResult.Handoff#RELAYED} or {@link RecipientResult.Handoff#DELIVERED}):
   * those that asked for NOTIFY=SUCCESS get their report here (RFC 3461 §5.2.2). A failure to make
   * the report is logged and the delivery is recorded anyway.
   */
  Optional<PendingReport> succeeded(DueDelivery delivery, List<RecipientReport> recipients, RecipientResult.Handoff handoff) throws StoreException;
}
