/**
 * The HTTP JSON API for applications: its own listener (HTTPS with the server's certificate, plain
 * HTTP only on loopback), bearer API keys, and RFC 9457 problem details for every error.
 *
 * <h2>Place in the data flow</h2>
 *
 * Beside the SMTP listeners: {@code app.Server} starts {@link dev.hikyaku.api.ApiServer} when {@code
 * api.enabled}, with the TLS identity of {@code net.TlsContexts} (reloads reach it without a
 * restart), and the seams gathered in {@link dev.hikyaku.api.Backends}: the {@link
 * dev.hikyaku.api.ApiKeyCheck} that decides who is calling, the {@link
 * dev.hikyaku.api.MessageReader} over the message history and the {@link dev.hikyaku.api.EventFeed}
 * over the accounts' event feeds (both {@code app.ApiAccess}), and the {@link
 * dev.hikyaku.api.SuppressionList} ({@code app.ApiSuppressions}). An unknown method is 405, a
 * request without a valid key 401, a key outside its allow-list 403, a key without the route's
 * scope 403. The routes: {@code GET /v1/messages/{id}} and {@code GET /v1/messages} (scope {@code
 * read}: the key's account's messages), {@code GET /v1/events} ({@code read}: its event feed, {@link
 * dev.hikyaku.api.EventType}), {@code GET /v1/suppressions} ({@code read}) and {@code DELETE|PUT
 * /v1/suppressions/{address}} ({@code admin}: the list of its sending domains); {@code POST
 * /v1/messages}, {@code /v1/messages/raw} and {@code /v1/messages/batch} ({@code send}: through the
 * {@link dev.hikyaku.api.Submissions} seam, {@code intake.SubmissionAgent}, policy then intake: the
 * path of SMTP submission; {@code Idempotency-Key} honoured); any other path 404.
 *
 * <pre>
 * request ─▶ ApiServer (405, 401, 403, route, scope) ─▶ MessageSend
 *   JSON ─▶ SendRequest (422 with every pointer) ─▶ MimeComposer (mime4j) ─┐
 *   message/rfc822 ─▶ CRLF, envelope from query or header, Bcc: removed ──┴▶ Submissions
 *   ─▶ intake.SubmissionAgent ─▶ policy ─▶ intake.MessageIntake ─▶ store (with the idempotency record)
 * </pre>
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>Every error is {@code application/problem+json} with a stable {@code type} URI, written by
 *       {@link dev.hikyaku.api.Problems} and nowhere else.
 *   <li>Authentication comes before routing: without a valid key a client learns nothing about which
 *       paths exist.
 *   <li>A key sees only its own account's messages and events; another account's message is 404, as
 *       a missing one. Suppressions are per sending domain: it sees those of the domains its
 *       account may send from.
 *   <li>Lists page by keyset: a cursor ({@code Cursor}) is the sort key of the last item shown, so
 *       a page neither skips nor repeats what arrives meanwhile; never an offset. Every list is
 *       narrowed to the key's account before the cursor applies, so a forged cursor shows nothing
 *       more.
 *   <li>A query is read strictly ({@code QueryParameters}): a parameter the route does not know, one
 *       given twice, or a value it cannot read is 422 {@code invalid-parameter} naming it, never
 *       ignored.
 *   <li>Only TLS 1.3 and 1.2 with the suites of {@code net.TlsContexts}.
 * </ul>
 *
 * <h2>Must never</h2>
 *
 * Bypass {@code intake} or {@code policy}: a message sent over the API takes the same path as one
 * sent over SMTP. Build a message by pasting strings (mime4j builds it). Speak SMTP: of {@code
 * protocol} it names only value types (paths, envelope, reply). Serve plain HTTP on a non-loopback address. Echo a key or token in a response or a
 * log line.
 */
package dev.hikyaku.api;
