/**
 * The way out: {@link dev.hikyaku.delivery.DeliveryWorker} takes a due message from the scheduler,
 * finds where its recipients' domain receives mail ({@link dev.hikyaku.delivery.MxResolver}: RFC
 * 5321 §5.1 MX order, implicit MX, RFC 7505 null MX; or a configured smarthost), and hands it over
 * with {@link dev.hikyaku.delivery.OutboundSession} (EHLO, STARTTLS per {@link
 * dev.hikyaku.delivery.TlsPolicy}, PIPELINING, per-recipient replies as {@link
 * dev.hikyaku.delivery.Attempt}s). {@link dev.hikyaku.delivery.Bouncer} writes RFC 3464 reports.
 *
 * <p>Invariants: an outcome is reported per recipient; a failure to reach a host is transient and
 * the next host is tried; only a permanent reply (5yz) or a permanent fact about the domain (null
 * MX, no such domain) fails a recipient.
 *
 * <p>Must never: import {@code session}; write the store itself (the scheduler records outcomes);
 * send credentials over an unencrypted connection.
 */
package dev.hikyaku.delivery;
