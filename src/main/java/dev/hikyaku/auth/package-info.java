/**
 * Who the client is. A session holds at most one {@link dev.hikyaku.auth.Principal}, set by a
 * successful SMTP AUTH (RFC 4954); submission listeners refuse MAIL without one. {@link
 * dev.hikyaku.auth.Authenticator} runs the exchanges of {@code auth.sasl} against the accounts in the
 * store, with the credentials of {@code auth.credential} and the tokens of {@code auth.oauth};
 * {@link dev.hikyaku.auth.AuthThrottle} answers, before any secret is looked at, whether an attempt
 * may run; {@link dev.hikyaku.auth.VerificationCache} remembers recent successes.
 *
 * <p>Invariants: a principal exists only after a verified credential; failures are never cached as
 * successes.
 *
 * <p>Must never: log a secret (password, token, SASL response), in any form.
 */
package dev.hikyaku.auth;
