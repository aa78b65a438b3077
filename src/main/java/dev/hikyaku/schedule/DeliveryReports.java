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

  /** Reports nothing; for tests and for a server without bounces wired yet. */
  DeliveryReports NONE = new DeliveryReports() {
    @Override
    public void failed(DueDelivery delivery, List<RecipientReport> recipients) {}

    @Override
    public void delayed(DueDelivery delivery, List<RecipientReport> recipients) {}
  };

  /**
   * {@code recipients} of {@code delivery} failed for good. Called before the failure is recorded,
   * so a crash in between repeats the report (a duplicate bounce) rather than lose it. Throwing
   * keeps the recipients in the queue, to fail and be reported again at their next attempt.
   */
  void failed(DueDelivery delivery, List<RecipientReport> recipients) throws StoreException;

  /** {@code recipients} are still undelivered past the delay-warning time (RFC 3464: delayed). */
  void delayed(DueDelivery delivery, List<RecipientReport> recipients) throws StoreException;
}
