/**
 * DNS lookups for delivery and mail authentication: a small {@link dev.hikyaku.dns.DnsResolver}
 * interface whose answers are values ({@link dev.hikyaku.dns.Lookup}: Found, NoData, NxDomain,
 * TemporaryFailure), and {@link dev.hikyaku.dns.DnsjavaResolver}, its implementation over dnsjava
 * with a bounded, TTL-respecting cache.
 *
 * <p>Place in the flow: {@code delivery.MxResolver} (and later {@code mailauth}) ask here; nothing
 * in this package knows SMTP.
 *
 * <p>Invariants: every query carries a timeout, and a lookup blocks at most timeout × tries; a
 * timeout, SERVFAIL or network error is a {@code TemporaryFailure}, never a "no such name" (a sender
 * that took a broken resolver for NXDOMAIN would bounce good mail); names are compared
 * case-insensitively (RFC 4343) and reported lower-case without the trailing dot; the cache holds
 * an answer no longer than its TTL (RFC 2181 §8, negative answers per RFC 2308 §5) and never
 * caches a temporary failure.
 *
 * <p>Must never: be called without a timeout; turn a temporary failure into a permanent one.
 */
package dev.hikyaku.dns;
