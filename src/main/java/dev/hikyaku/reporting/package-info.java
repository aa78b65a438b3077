/**
 * SMTP TLS Reporting (RFC 8460), the sending side: what delivery's TLS sessions towards recipient
 * domains came to, counted per UTC day and policy ({@link dev.hikyaku.reporting.TlsSessionCounts}, kept
 * in the store), and the daily aggregate report to each domain that asks for one in its
 * {@code _smtp._tls} record ({@link dev.hikyaku.reporting.TlsReportSender}): JSON (§4.4), gzipped, by
 * mail through intake like any message of this server's own, or by HTTPS POST.
 *
 * <p>Must never connect to an MX host (delivery does, and tells of it) or write the queue but
 * through intake.
 */
package dev.hikyaku.reporting;
