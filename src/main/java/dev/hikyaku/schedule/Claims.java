package dev.hikyaku.schedule;

import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.MessageQueue;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.StoreException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node delivers now, under the queue's leases ({@code store.DeliveryLeases}): the claims
 * of the scheduler's passes, the messages in flight, and giving them back. A take-over pass runs
 * beside the main one, so a claim and the entries it makes in flight are one step: neither pass
 * may claim, and so fence off, what the other is delivering.
 */
final class Claims {

  private static final Logger log = LoggerFactory.getLogger(Claims.class);

  private final MessageQueue queue;
  private final Clock clock;
  private final Set<QueueId> inFlight = ConcurrentHashMap.newKeySet();
  private final ReentrantLock claiming = new ReentrantLock(); // a claim and its inFlight entries, together

  Claims(MessageQueue queue, Clock clock) {
    this.queue = queue;
    this.clock = clock;
  }

  /** Up to {@code limit} due messages that are free, lapsed or this node's, and not in flight here. */
  List<DueDelivery> claim(int limit) throws StoreException {
    return claimed(() -> queue.claim(clock.instant(), limit, inFlight::contains));
  }

  /** Up to {@code limit} due messages node {@code leftBy} held and let lapse ({@link MessageQueue#takeOver}). */
  List<DueDelivery> takeOver(int limit, String leftBy) throws StoreException {
    return claimed(() -> queue.takeOver(clock.instant(), limit, inFlight::contains, leftBy));
  }

  /** The other nodes whose leases have lapsed ({@code DeliveryLeases#lapsedOwners}). */
  List<String> lapsedOwners() throws StoreException {
    return queue.leases().lapsedOwners(clock.instant());
  }

  @FunctionalInterface
  private interface Claim {
    List<DueDelivery> take() throws StoreException;
  }

  /** Claims under {@link #claiming}, so that what one pass claims is in flight before the other looks. */
  private List<DueDelivery> claimed(Claim claim) throws StoreException {
    claiming.lock();
    try {
      List<DueDelivery> due = claim.take();
      due.forEach(delivery -> inFlight.add(delivery.id()));
      return due;
    } finally {
      claiming.unlock();
    }
  }

  /** What this pass claimed and is done with goes back, so another node may take what is still due. */
  void release(List<DueDelivery> due) {
    Map<QueueId, Long> claimed = new LinkedHashMap<>();
    due.forEach(delivery -> claimed.put(delivery.id(), delivery.leaseToken()));
    try {
      queue.leases().release(claimed);
    } catch (StoreException e) {
      // The leases lapse by themselves; until then only this node delivers those messages.
      log.warn("could not release the leases of this pass: {}", e.getMessage());
    } finally {
      due.forEach(delivery -> inFlight.remove(delivery.id()));
    }
  }

  /**
   * Whether this node may still deliver {@code share}, claimed at {@code claimedAt} (System.nanoTime):
   * within half a lease of the claim it certainly may; later in a long pass, or after this process
   * was paused (SIGSTOP, a long GC, a frozen VM), the store is asked, since another node may have
   * taken the message over meanwhile. Its outcome would be fenced off anyway; not delivering it
   * spares the recipient a second copy.
   */
  boolean isStillHeld(DueDelivery share, long claimedAt) {
    long leaseNanos = queue.leases().node().lease().toNanos();
    if (share.leaseToken() == 0 || System.nanoTime() - claimedAt < leaseNanos / 2) {
      return true;
    }
    try {
      if (queue.leases().isHeld(share.id(), share.leaseToken(), clock.instant())) {
        return true;
      }
      log.warn("message {}: not delivered: its delivery lease lapsed before its turn in this pass (this node was"
          + " slow or paused) and it is another node's or free again", share.id());
    } catch (StoreException e) {
      log.warn("message {}: not delivered now: its delivery lease cannot be checked: {}", share.id(), e.getMessage());
    }
    return false;
  }
}
