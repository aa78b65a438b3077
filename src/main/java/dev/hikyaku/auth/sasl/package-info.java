/**
 * The SASL exchanges of SMTP AUTH (RFC 4954, RFC 4422): {@link dev.hikyaku.auth.sasl.SaslMechanism}
 * (sealed: PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256[-PLUS], XOAUTH2/OAUTHBEARER), each a small state
 * machine that turns the client's decoded responses into a {@link dev.hikyaku.auth.sasl.SaslStep}: a
 * challenge, or done with an {@link dev.hikyaku.auth.AuthOutcome}. {@link
 * dev.hikyaku.auth.sasl.ScramServer} is the sans-I/O server side of RFC 5802 / RFC 7677.
 *
 * <p>Invariants: a mechanism parses and decides; every credential check goes through the {@link
 * dev.hikyaku.auth.Authenticator} that started it (which asks the throttle first), so no mechanism
 * reads the store. A malformed message ends the exchange as MALFORMED, never as an exception.
 *
 * <p>Must never: log a secret (password, proof, token, SASL response), in any form; compare a
 * secret in time that depends on where it differs.
 */
package dev.hikyaku.auth.sasl;
