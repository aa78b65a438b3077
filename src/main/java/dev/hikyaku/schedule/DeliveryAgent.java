package dev.hikyaku.schedule;

import dev.hikyaku.store.DueDelivery;
import java.util.List;

/**
 * Carries one message to the recipients of one destination domain (MX routing and the SMTP client
 * live behind this, in {@code delivery}). Called on a virtual thread of the scheduler, possibly
 * several at once (up to the per-domain cap for one domain).
 */
@FunctionalInterface
public interface DeliveryAgent extends AutoCloseable {

  /**
   * Attempts delivery of {@code due} to each of its recipients, all of one domain. Must return one
   * result per recipient; a recipient left out is treated as a transient failure. Must not block
   * without a timeout: a pass of the scheduler waits for its slowest delivery. Failures are results;
   * an exception is taken as a transient failure of every recipient and logged as a bug.
   */
  List<RecipientResult> deliver(DueDelivery due);

  /**
   * Releases what the agent keeps between deliveries (kept connections). The scheduler calls it
   * once, from {@link Scheduler#close}, after its last pass; nothing by default.
   */
  @Override
  default void close() {}
}
