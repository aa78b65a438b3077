/**
 * Who the client is. A session holds at most one {@link dev.hikyaku.auth.Principal}, set by a
 * successful SMTP AUTH (RFC 4954); submission listeners refuse MAIL without one.
 *
 * <p>Invariants: a principal exists only after a verified credential; failures are never cached as
 * successes.
 *
 * <p>Must never: log a secret (password, token, SASL response), in any form.
 */
package dev.hikyaku.auth;
