/**
 * The server's one durable state: for now the message queue (envelope, per-recipient state, body)
 * in an embedded SQLite database, {@code <data directory>/hikyaku.db}.
 *
 * <h2>Place in the data flow</h2>
 *
 * <pre>
 * intake.MessageIntake ─▶ {@link dev.hikyaku.store.MessageQueue#accept} ─▶ (commit + fsync) ─▶ 250
 * admin CLI, HTTP API  ─▶ {@link dev.hikyaku.store.MessageQueue#list}, {@link dev.hikyaku.store.MessageQueue#find}
 * </pre>
 *
 * <p>Later the scheduler and delivery cross recipients off here, and accounts, keys and events join
 * the queue. Nothing outside this package writes the queue, and nothing outside it sees SQL.
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li><b>Acknowledged means durable.</b> {@code accept} returns only after the transaction holding
 *       the message has committed with {@code synchronous=FULL} in WAL mode, which fsyncs the WAL at
 *       every commit. A session answers 250 after DATA only when {@code accept} returned (RFC 5321
 *       §4.2.5, §6.1: the server takes responsibility for the message with that reply).
 *   <li><b>Group commit.</b> One writer thread owns the only writing connection. It takes everything
 *       pending (up to 256 messages or 64 MiB), writes it in one transaction and commits once, then
 *       releases all its callers: the fsync rate is not the message rate. A failed batch is retried
 *       one message at a time, so one bad message fails only itself.
 *   <li><b>Readers never write.</b> Reads use separate, query-only connections and one read
 *       transaction per call: WAL lets them run beside the writer and see only committed messages.
 *   <li><b>Bodies apart.</b> Content lives in {@code message_content}, not in the {@code message}
 *       row, so listing the queue never reads bodies.
 *   <li><b>Portable schema.</b> Migrations live in {@code db/migration/sqlite} and use types that map
 *       one to one onto PostgreSQL (TEXT, BIGINT, INTEGER, BLOB→BYTEA); times are epoch milliseconds
 *       (UTC), so {@code Instant}s round-trip to the millisecond.
 *   <li><b>Failures are kinds.</b> Every failure is a {@link dev.hikyaku.store.StoreException} with a
 *       {@link dev.hikyaku.store.StoreException.Kind}; none of them means "stored".
 * </ul>
 *
 * <h2>Must never</h2>
 *
 * <ul>
 *   <li>let SQL, JDBC types or Flyway types appear in its public API;
 *   <li>complete an {@code accept} before its commit returned, or write outside the writer thread;
 *   <li>block a virtual thread in {@code synchronized} (locks are {@code ReentrantLock});
 *   <li>log message content.
 * </ul>
 */
package dev.hikyaku.store;
