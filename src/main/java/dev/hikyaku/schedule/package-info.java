/**
 * When queued mail is delivered: the {@link dev.hikyaku.schedule.Scheduler}, the {@link
 * dev.hikyaku.schedule.RetryPolicy} and per-destination lanes.
 *
 * <h2>Place in the data flow</h2>
 *
 * <pre>
 * store.MessageQueue#due ─▶ Scheduler (split by domain, lanes of ≤ maxPerDomain) ─▶ DeliveryAgent
 *   ─▶ RecipientResult (delivered | transient | permanent) ─▶ RetryPolicy (next attempt or expiry)
 *   ─▶ DeliveryReports (failed, delayed, relayed: DSNs made) ─▶ store.MessageQueue#record (cross off /
 *      defer / fail, and queue the DSNs, in one transaction fenced by the delivery's lease)
 * intake ─▶ Scheduler#wake (new mail)
 * </pre>
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li><b>Crossed off only when durable.</b> A recipient's outcome counts once {@code record}
 *       returned (committed with fsync). Anything lost before that is delivered again: at worst
 *       twice, never not at all.
 *   <li><b>Reported with what is recorded.</b> The DSNs {@link dev.hikyaku.schedule.DeliveryReports}
 *       makes for failed, delayed and relayed recipients are queued in the transaction that
 *       records those outcomes: a report is never lost, never made twice by a crash, and never made
 *       by a node whose lease was taken over (its record writes nothing).
 *   <li><b>Bounded life.</b> A recipient still failing transiently after the policy's lifetime
 *       fails with "delivery time expired" (RFC 5321 §4.5.4.1).
 *   <li><b>Lanes.</b> At most {@code maxPerDomain} deliveries to one domain at once; passes never
 *       overlap, so one message is never handed out twice at the same time.
 *   <li><b>Time and chance are injected.</b> The clock and the random generator (jitter) come from
 *       the caller.
 * </ul>
 *
 * <h2>Must never</h2>
 *
 * <ul>
 *   <li>sleep in tests: tests drive {@link dev.hikyaku.schedule.Scheduler#runOnce} with a settable
 *       clock; only the background loop waits, on a condition;
 *   <li>touch SQL or the store's tables (it asks {@code store.MessageQueue});
 *   <li>speak SMTP or resolve names: that is the {@link dev.hikyaku.schedule.DeliveryAgent}'s
 *       business, in {@code delivery};
 *   <li>block a virtual thread in {@code synchronized} (locks are {@code ReentrantLock}).
 * </ul>
 */
package dev.hikyaku.schedule;
