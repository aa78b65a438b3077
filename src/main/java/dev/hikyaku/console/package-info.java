/**
 * The operators' web console (issue 20), served under {@code /console} by the API listener (same
 * TLS identity, same port): server-rendered pages, no JavaScript.
 *
 * <h2>Place in the data flow</h2>
 *
 * {@code api.ApiServer} hands every path under {@code /console} to {@link
 * dev.hikyaku.console.Console} before its own checks. Sign-in is {@code auth.ConsoleSignIn}: an
 * account that {@code hikyaku admin add} made a console admin, its own password (through the SMTP
 * authenticator: Argon2id, blocks, no enumeration) and a TOTP code (RFC 6238), each code good once.
 * The session ({@link dev.hikyaku.console.ConsoleSessions}, in memory) rides in a {@code __Host-}
 * cookie (Secure, HttpOnly, SameSite=Strict); every form carries the session's token, the sign-in
 * form a double-submit cookie's. Pages are JTE templates ({@code src/main/jte}) compiled to Java at
 * build time and HTML-escaped by default; every change is recorded for the audit log with the
 * admin's name.
 *
 * <h2>Must never</h2>
 *
 * Run script in the browser (the Content-Security-Policy forbids it), or change anything for a
 * request without its form token.
 */
package dev.hikyaku.console;
