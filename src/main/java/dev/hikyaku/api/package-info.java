/**
 * The HTTP JSON API for applications: its own listener (HTTPS with the server's certificate, plain
 * HTTP only on loopback), bearer API keys, and RFC 9457 problem details for every error.
 *
 * <h2>Place in the data flow</h2>
 *
 * Beside the SMTP listeners: {@code app.Server} starts {@link dev.hikyaku.api.ApiServer} when {@code
 * api.enabled}, with the TLS identity of {@code net.TlsContexts} (reloads reach it without a
 * restart), the {@link dev.hikyaku.api.ApiKeyCheck} that decides who is calling and the {@link
 * dev.hikyaku.api.MessageReader} over the message history, both backed by the store in {@code
 * app.ApiAccess}. An unknown method is 405, a request without a valid key 401, a key outside its
 * allow-list 403; {@code GET /v1/messages/{id}} shows one message of the key's account (scope
 * {@code read}); any other path 404.
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>Every error is {@code application/problem+json} with a stable {@code type} URI, written by
 *       {@link dev.hikyaku.api.Problems} and nowhere else.
 *   <li>Authentication comes before routing: without a valid key a client learns nothing about which
 *       paths exist.
 *   <li>A key sees only its own account's messages; another account's is 404, as a missing one.
 *   <li>Only TLS 1.3 and 1.2 with the suites of {@code net.TlsContexts}.
 * </ul>
 *
 * <h2>Must never</h2>
 *
 * Bypass {@code intake} or {@code policy}: a message sent over the API takes the same path as one
 * sent over SMTP. Serve plain HTTP on a non-loopback address. Echo a key or token in a response or a
 * log line.
 */
package dev.hikyaku.api;
