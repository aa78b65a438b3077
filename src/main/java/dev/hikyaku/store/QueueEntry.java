package dev.hikyaku.store;

import java.time.Instant;

/** One line of a queue listing: the envelope summary, without recipients' details or content. */
public record QueueEntry(
    QueueId id, Instant receivedAt, String reversePath, int recipientCount, long size, MessageState state) {}
