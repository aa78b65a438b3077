/**
 * Bearer tokens for XOAUTH2 and OAUTHBEARER (RFC 7628): {@link
 * dev.hikyaku.auth.oauth.OAuthMessages} parses the clients' messages and writes the error
 * challenges; {@link dev.hikyaku.auth.oauth.BearerTokenValidator} checks a JWT against the
 * configured {@link dev.hikyaku.auth.oauth.OAuthIssuer}, whose keys {@link
 * dev.hikyaku.auth.oauth.IssuerKeys} fetches and refreshes; the answer is a {@link
 * dev.hikyaku.auth.oauth.TokenVerdict}.
 *
 * <p>Invariants: a token is valid only with a verified signature from the issuer's keys, the
 * configured issuer and audience, and a time window that holds on the injected clock; an issuer that
 * cannot be reached makes the verdict Unavailable, never Valid.
 *
 * <p>Must never: log a token or show it in a {@code toString}; depend on a SASL mechanism or the store.
 */
package dev.hikyaku.auth.oauth;
