package dev.hikyaku.schedule;

import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.StoreException;
import java.util.List;

/**
 * Where the scheduler sends word of failed and delayed recipients: the wiring builds a DSN with
 * {@code delivery.Bouncer} and queues it through intake with the null reverse-path. Deciding not to
 * bounce (the original had the null sender, RFC 3464 / RFC 5321 §4.5.5) is the receiver's business.
 */
public interface DeliveryReports {

  /**
   * {@code recipients} of {@code delivery} failed for good. Called before the failure is recorded,
   * so a crash in between repeats the report (a duplicate bounce) rather than lose it. Throwing
   * keeps the recipients in the queue, to fail and be reported again at their next attempt.
   */
  void failed(DueDelivery delivery, List<RecipientReport> recipients) throws StoreException;

  /** {@code recipients} are still undelivered past the delay-warning time (RFC 3464: delayed). */
  void delayed(DueDelivery delivery, List<RecipientReport> recipients) throws StoreException;

  /**
   * {@code recipients} were taken by a next hop that does not carry DSN requests on ({@code
   * handoff} is {@link RecipientResult.Handoff#RELAYED} or {@link RecipientResult.Handoff#DELIVERED}):
   * those that asked for NOTIFY=SUCCESS get their report here (RFC 3461 §5.2.2). Called before the
   * delivery is recorded; a failure to report is logged and the delivery is recorded anyway.
   */
  void succeeded(DueDelivery delivery, List<RecipientReport> recipients, RecipientResult.Handoff handoff) throws StoreException;
}
