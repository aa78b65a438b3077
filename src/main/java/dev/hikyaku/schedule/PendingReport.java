package dev.hikyaku.schedule;

import dev.hikyaku.store.NewMessage;

/**
 * A delivery report (a DSN to the sender) made but not yet queued: the scheduler stores {@code
 * message} in the transaction that records the outcomes it reports on, so the report exists exactly
 * when they do. A crash before that commit leaves neither (the recipients are tried and reported
 * again); a node that lost its lease to another writes neither (the other node reports). Once the
 * transaction has committed, {@link #queued} tells of it (intake's and the report's events).
 */
public record PendingReport(NewMessage message, Runnable queued) {}
