/**
 * Content checks: what a spam filter (rspamd, over its HTTP {@code /checkv2} protocol) says about a
 * message at the end of DATA, before it is committed, and the verdict intake acts on. Each check has
 * a time budget: a filter that is down or slow gives {@link dev.hikyaku.content.ScanVerdict.Unavailable},
 * never a hang. Never writes the store or builds an SMTP reply.
 */
package dev.hikyaku.content;
