/**
 * Returned mail and complaints (issue 13, items 4 and 5): the VERP return path our senders' mail
 * goes out with, and the reading of what comes back to it.
 *
 * <h2>Place in the data flow</h2>
 *
 * <pre>
 * delivery.DeliveryWorker ─▶ {@link dev.hikyaku.returns.ReturnPaths} (MAIL FROM:&lt;bounces+token@returns domain&gt;)
 * port 25, RCPT to the returns domain ─▶ policy.ReturnPathRule ─▶ {@link dev.hikyaku.returns.ReturnPaths#recognize}
 *     (a forged token: 550 5.1.1 at RCPT, so nothing forged is even queued)
 *   ─▶ intake ─▶ queue ─▶ scheduler ─▶ delivery's returns route ─▶ {@link dev.hikyaku.returns.ReturnedMail}
 *        ─▶ {@link dev.hikyaku.returns.ReportReader} (mime4j: RFC 3464 DSN, RFC 5965 ARF, {@link
 *           dev.hikyaku.returns.PlainBounces} for the rest) ─▶ {@link dev.hikyaku.returns.Report}
 *        ─▶ store.MessageHistory#recordReports (history rows of source dsn or arf, and the suppressions,
 *           in one transaction) ─▶ events (DsnReceived, ComplaintReceived, RecipientSuppressed)
 *           ─▶ the account's feed (message.bounced / message.deferred with source dsn,
 *              message.complained, suppression.created)
 *        or, unreadable ─▶ the Maildir mail/&lt;returns domain&gt;/unparsed/ and ReturnedMailUnparsed
 * </pre>
 *
 * A report is read after it is queued, never in the SMTP session: the 250 waits for one commit as
 * for any mail, a report that cannot be recorded now is retried by the scheduler, and reading (a
 * MIME parse of whatever a remote server wrote) costs no client a timeout.
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>A return path names its message and nothing else; its token is the queue id and an 80-bit
 *       HMAC-SHA-256 under the server secret, checked in constant time. A report is attributed to a
 *       message only through such a token, or, for feedback reports sent to the feedback address, by
 *       the returned message's Message-ID among submitted messages.
 *   <li>A report is attributed only to recipients the message had.
 *   <li>Mail to the returns domain is read or kept, never dropped: what cannot be read is in the
 *       {@code unparsed} Maildir, logged and counted.
 * </ul>
 *
 * <h2>Must never</h2>
 *
 * <ul>
 *   <li>send mail (a report about a report would loop; reports come with the null reverse-path);
 *   <li>believe a return path whose MAC does not verify;
 *   <li>change a message's reverse-path in the queue or the history: only the MAIL FROM of its
 *       delivery is the VERP return path;
 *   <li>import {@code session}, {@code policy} or {@code api}.
 * </ul>
 */
package dev.hikyaku.returns;
