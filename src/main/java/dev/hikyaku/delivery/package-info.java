/**
 * The way out: {@link dev.hikyaku.delivery.DeliveryWorker} takes a due message from the scheduler,
 * finds where its recipients' domain receives mail (in order: the domain's {@link
 * dev.hikyaku.delivery.Route} — SMTP, LMTP (RFC 2033) or a Maildir ({@link
 * dev.hikyaku.delivery.MaildirDelivery}); a configured smarthost; {@link
 * dev.hikyaku.delivery.MxResolver}: RFC 5321 §5.1 MX order, implicit MX, RFC 7505 null MX), and hands it over
 * with {@link dev.hikyaku.delivery.OutboundSession} (EHLO, STARTTLS per {@link
 * dev.hikyaku.delivery.TlsPolicy} in {@link dev.hikyaku.delivery.ClientTls}, AUTH at a smarthost in
 * {@link dev.hikyaku.delivery.ClientAuth}, PIPELINING, per-recipient replies as {@link
 * dev.hikyaku.delivery.Attempt}s, decided without a socket by {@link
 * dev.hikyaku.delivery.ClientTransaction}). {@link dev.hikyaku.delivery.Bouncer} writes RFC 3464 reports.
 * Mail our senders submitted goes out by SMTP under the reverse-path {@link
 * dev.hikyaku.delivery.ReversePaths} gives it (the VERP return path of {@code returns}), with ORCPT
 * on each recipient; the returns domain's route ({@link dev.hikyaku.delivery.Route.Returns}) hands
 * its mail to {@link dev.hikyaku.delivery.ReturnsMailbox} to be read, not filed. {@link
 * dev.hikyaku.delivery.RecipientCallout} asks an LMTP or SMTP route's next hop at RCPT time whether
 * a recipient exists (MAIL FROM:&lt;&gt;, RCPT, RSET; no message), for the policy's recipient check.
 *
 * <p>Invariants: an outcome is reported per recipient; a failure to reach a host is transient and
 * the next host is tried; only a permanent reply (5yz) or a permanent fact about the domain (null
 * MX, no such domain) fails a recipient.
 *
 * <p>Must never: import {@code session}; write the store itself (the scheduler records outcomes);
 * send credentials over an unencrypted connection; write a Maildir file outside its root (local
 * parts with "/", ".." or control characters fail with 5.1.3); report a Maildir delivery before
 * the file and the new/ directory are synced.
 */
package dev.hikyaku.delivery;
