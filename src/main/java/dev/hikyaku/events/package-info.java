/**
 * What happened, as values: every step of the flow publishes an {@link dev.hikyaku.events.Event},
 * and logs, metrics, message history and webhooks are sinks that derive from events.
 *
 * <p>Sinks here: {@link dev.hikyaku.events.LogSink} (every event, one SLF4J line) and {@link
 * dev.hikyaku.events.AuditLogSink} (the security-relevant events as JSON lines in {@code
 * <data-directory>/audit.log}, the file fail2ban reads; format in docs/audit-log.md).
 *
 * <p>Invariants: events carry facts, never secrets (no passwords, no SASL responses, no tokens, no
 * message bodies, no keys), so no sink can leak one. Publishing never throws into the caller: a
 * failing sink is logged and skipped, and the audit sink catches its own failures. An audit line is
 * always exactly one line: every value is JSON-escaped, whoever chose it.
 *
 * <p>Must never: be skipped. A fact worth logging, counting or auditing goes through an event.
 */
package dev.hikyaku.events;
