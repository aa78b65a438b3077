/**
 * The server's one durable state: the message queue (envelope, per-recipient state, body) and the
 * accounts (hosted domains, logins, senders, app passwords, server secret) in an embedded SQLite
 * database, {@code <data directory>/hikyaku.db}.
 *
 * <h2>Place in the data flow</h2>
 *
 * <pre>
 * intake.MessageIntake ─▶ {@link dev.hikyaku.store.MessageQueue#accept} ─▶ (commit + fsync) ─▶ 250
 *                         (the message's history rows, an API message's tags, metadata and
 *                         idempotency record, all in the same transaction)
 * HTTP API (via app)   ─▶ {@link dev.hikyaku.store.IdempotencyRecords#find} (a repeated request's answer)
 * admin CLI, HTTP API  ─▶ {@link dev.hikyaku.store.QueueAdmin#list}, {@link dev.hikyaku.store.QueueAdmin#find}
 * auth (SMTP AUTH)     ─▶ {@link dev.hikyaku.store.Accounts#find}, {@link dev.hikyaku.store.AppPasswords#findActive},
 *                         {@link dev.hikyaku.store.Accounts#recordLogin} (background), {@link dev.hikyaku.store.ServerSecret#value}
 * policy (sender)      ─▶ {@link dev.hikyaku.store.Accounts#maySendAs}
 * admin CLI            ─▶ {@link dev.hikyaku.store.Domains}, {@link dev.hikyaku.store.Accounts}, {@link dev.hikyaku.store.AppPasswords}
 *                         changes (possibly from another process), checked first by {@link dev.hikyaku.store.Names}
 * schedule.Scheduler   ─▶ {@link dev.hikyaku.store.MessageQueue#due}, {@link dev.hikyaku.store.MessageQueue#nextDue},
 *                         {@link dev.hikyaku.store.MessageQueue#record} (cross off / defer / fail)
 * admin CLI, HTTP API  ─▶ {@link dev.hikyaku.store.QueueAdmin#hold}, {@link dev.hikyaku.store.QueueAdmin#release},
 *                         {@link dev.hikyaku.store.QueueAdmin#delete}
 * delivery attempts    ─▶ {@link dev.hikyaku.store.MessageHistory#record} (or inside a queue change)
 * admin CLI, HTTP API  ─▶ {@link dev.hikyaku.store.MessageHistory#search} (by account, page by page), {@link dev.hikyaku.store.MessageHistory#show}
 * (queue changes)      ─▶ the event feed's entries of each change, in its transaction ({@link dev.hikyaku.store.FeedEntries})
 * app.EventFeedSink    ─▶ {@link dev.hikyaku.store.MessageEvents#append} (events without a store change, batched)
 * HTTP API             ─▶ {@link dev.hikyaku.store.MessageEvents#after} (an account's feed from a seq on)
 * app (background)     ─▶ {@link dev.hikyaku.store.MessageHistory#prune}, {@link dev.hikyaku.store.MessageEvents#prune} (history.retention),
 *                         {@link dev.hikyaku.store.IdempotencyRecords#prune} (24 hours)
 * schedule.Scheduler   ─▶ hard bounces onto the suppression list inside {@link dev.hikyaku.store.MessageQueue#record}
 * policy (RCPT)        ─▶ {@link dev.hikyaku.store.Suppressions#find} (through app.StoreSuppressions)
 * admin CLI            ─▶ {@link dev.hikyaku.store.Suppressions} add, remove, list
 * HTTP API             ─▶ {@link dev.hikyaku.store.Suppressions#page}, {@link dev.hikyaku.store.Suppressions#removeEverywhere},
 *                         {@link dev.hikyaku.store.Suppressions#addAbsent} (the sending domains of an account)
 * </pre>
 *
 * <p>Nothing outside this package writes the queue, and nothing outside it sees SQL.
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li><b>Acknowledged means durable.</b> {@code accept} returns only after the transaction holding
 *       the message has committed with {@code synchronous=FULL} in WAL mode, which fsyncs the WAL at
 *       every commit. A session answers 250 after DATA only when {@code accept} returned (RFC 5321
 *       §4.2.5, §6.1: the server takes responsibility for the message with that reply).
 *   <li><b>Group commit.</b> One writer thread owns the queue's writing connection. It takes everything
 *       pending (up to 256 messages or 64 MiB), writes it in one transaction and commits once, then
 *       releases all its callers: the fsync rate is not the message rate. A failed batch is retried
 *       one message at a time, so one bad message fails only itself. A store that fails every
 *       commit fails every waiter (the session answers 451 4.3.0) and the writer takes the next
 *       message once it works again; an Error stops the writer, but only after rolling back, so it
 *       never holds the write lock, and the health check reports it ({@code Store.writerFailure}).
 *       Fault tests reach this through {@code GroupCommitWriter.CommitFault}, package-private, which
 *       no setting touches.
 *   <li><b>Readers never write.</b> Reads use separate, query-only connections and one read
 *       transaction per call: WAL lets them run beside the writer and see only committed messages.
 *   <li><b>Crossed off when durable.</b> Delivery outcomes, hold, release and delete are changes
 *       run by the same writer thread inside its group commits; {@code record} returns after the
 *       commit, so a recipient counts as delivered only once that is on disk. A message whose last
 *       open recipient is crossed off is deleted with its content in the same transaction.
 *   <li><b>History outlives the queue.</b> Every accepted message gets its history rows (envelope,
 *       origin, Message-ID, Subject, From) in the transaction that queues it, and every recorded
 *       attempt a row of its own; they stay when the queue rows go, until pruned after the
 *       retention in batches of a few hundred messages per transaction, so no commit waits long
 *       behind a prune. A message still queued is never pruned.
 *   <li><b>Pages by keyset.</b> Lists the API pages ({@link dev.hikyaku.store.MessageHistory#search}
 *       with a {@link dev.hikyaku.store.HistoryQuery.Position}, {@link
 *       dev.hikyaku.store.Suppressions#page}, {@link dev.hikyaku.store.MessageEvents#after}) go on
 *       from the sort key of the last row shown, as a range of the driving index: a page costs the
 *       rows it returns, wherever it is in the list.
 *   <li><b>The feed is an outbox.</b> A message queued, an attempt's outcome and a suppression made
 *       by a bounce write their feed entries in the transaction of the change, so the webhooks that
 *       read the feed miss no committed change and tell of none that rolled back.
 *   <li><b>Feed order.</b> {@link dev.hikyaku.store.MessageEvents} entries get an AUTOINCREMENT
 *       {@code seq}, never handed out again after pruning, and are committed by the one writer in
 *       {@code seq} order, so a reader resuming after a seq misses none.
 *   <li><b>An answer exactly when its message.</b> The idempotency record of an API request is
 *       written in the transaction that queues its message, so a repeated request finds the first
 *       answer if and only if the message is queued; a current record under the same scope fails
 *       the second message's transaction rather than queue it twice.
 *   <li><b>Bodies apart.</b> Content lives in {@code message_content}, not in the {@code message}
 *       row, so listing the queue never reads bodies; {@code MessageBodies} is
 *       the one place that knows it (the seam for an object store).
 *   <li><b>Portable schema.</b> Migrations live in {@code db/migration/sqlite} and use types that map
 *       one to one onto PostgreSQL (TEXT, BIGINT, INTEGER, BLOB→BYTEA); times are epoch milliseconds
 *       (UTC), so {@code Instant}s round-trip to the millisecond.
 *   <li><b>Accounts apart from the queue.</b> Account changes are short {@code BEGIN IMMEDIATE}
 *       transactions on a writing connection of their own, so they neither wait behind nor hold up
 *       a group commit, and another process (the CLI) may make them while the server runs: WAL and
 *       the busy timeout serialise the writers, and the server sees a change at its next read.
 *   <li><b>Addresses are lower-case.</b> Logins, domains and senders are stored and compared whole
 *       and lower-case; the login of an account is its address.
 *   <li><b>Logins never wait for the disk.</b> Last-login and app-password-use times are noted in
 *       memory and written by one background thread, one UPDATE per account per flush, and flushed
 *       on close. They are best effort: a failed flush is logged and dropped.
 *   <li><b>Credential generation.</b> Anything that changes whether a login succeeds (credentials,
 *       disabling, revoking an app password) bumps the account's generation, so a cache of
 *       successful verifications can see it is stale.
 *   <li><b>Room is what SQLite leaves.</b> The free-space headroom asks {@code Store.usableSpace}:
 *       statvfs plus free pages, less what the next checkpoint and the WAL's working size still need.
 *       WAL octets beyond that working size, left by a burst, are given back by a TRUNCATE checkpoint
 *       on the writer thread, between transactions, before mail is refused.
 *   <li><b>Failures are kinds.</b> Every failure is a {@link dev.hikyaku.store.StoreException} with a
 *       {@link dev.hikyaku.store.StoreException.Kind}; none of them means "stored".
 * </ul>
 *
 * <h2>Must never</h2>
 *
 * <ul>
 *   <li>let SQL, JDBC types or Flyway types appear in its public API;
 *   <li>complete an {@code accept} before its commit returned, or write the queue outside the writer
 *       thread;
 *   <li>block a virtual thread in {@code synchronized} (locks are {@code ReentrantLock});
 *   <li>log message content, credential strings, keyed hashes or the server secret (the
 *       {@code toString} of {@link dev.hikyaku.store.Account}, {@link dev.hikyaku.store.Credentials}
 *       and {@link dev.hikyaku.store.AppPassword} says only which credentials are present);
 *   <li>interpret credential strings: their formats belong to {@code dev.hikyaku.auth}.
 * </ul>
 */
package dev.hikyaku.store;
