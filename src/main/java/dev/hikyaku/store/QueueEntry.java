package dev.hikyaku.store;

import java.time.Instant;
import java.util.Optional;

/**
 * One line of a queue listing: the envelope summary, without recipients' details or content.
 *
 * @param holdReason why a held message is held, when a content filter held it
 */
public record QueueEntry(
    QueueId id, Instant receivedAt, String reversePath, int recipientCount, long size, MessageState state,
    Optional<String> holdReason) {}
