package dev.hikyaku.intake;

import java.util.Objects;
import java.util.function.LongUnaryOperator;

/**
 * Keeps the disk under the queue from filling: a message is taken only while the space left after
 * it stays at or above {@code headroom}. Postfix keeps room for 1.5 times its message size limit
 * (queue_minfree); so do we. The headroom is what lets the queue go on working when intake stops:
 * the scheduler records outcomes and deletes delivered messages, SQLite writes its WAL, DSNs get
 * queued; with the disk truly full, even deleting a delivered message would fail, and it would be
 * delivered again and again.
 *
 * <p>Only mail from clients is held to the headroom; DSNs are not, since telling senders of
 * failures is part of what the headroom is for.
 *
 * <p>Refusals are temporary (RFC 3463 4.3.1, RFC 1870 §6.1 "452 insufficient system storage"):
 * the client keeps its message and tries later.
 *
 * @param usableSpace octets the queue can still grow by, given the octets wanted: the store may
 *     first make room (it truncates a WAL a burst left large), so a refusal means the room is not
 *     there, not that a file SQLite would give back holds it
 */
public record StorageGuard(LongUnaryOperator usableSpace, long headroom) {

  /** Never refuses; for tests that do not look at storage. */
  public static final StorageGuard NONE = new StorageGuard(wanted -> Long.MAX_VALUE, 0);

  public StorageGuard {
    Objects.requireNonNull(usableSpace, "usableSpace");
    if (headroom < 0) {
      throw new IllegalArgumentException("headroom must not be negative, was " + headroom);
    }
  }

  /** Whether a message of {@code octets} still leaves the headroom free. */
  public boolean hasRoomFor(long octets) {
    long message = Math.max(0, octets);
    long wanted = message > Long.MAX_VALUE - headroom ? Long.MAX_VALUE : message + headroom;
    return usableSpace.applyAsLong(wanted) >= wanted;
  }
}
