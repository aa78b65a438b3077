/**
 * What happened, as values: every step of the flow publishes an {@link dev.hikyaku.events.Event},
 * and logs, metrics, message history and webhooks are sinks that derive from events.
 *
 * <p>Invariants: events carry facts, never secrets (no passwords, no message bodies, no keys).
 * Publishing never throws into the caller: a failing sink is logged and skipped.
 *
 * <p>Must never: be skipped. A fact worth logging or counting goes through an event.
 */
package dev.hikyaku.events;
