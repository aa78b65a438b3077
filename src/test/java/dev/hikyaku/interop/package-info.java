/**
 * Interop: clients nobody here wrote (swaks, Python smtplib, curl, openssl s_client, gsasl, msmtp,
 * Angus Mail, Commons Net), the external ones installed from Debian by {@code .ci/run} and driven
 * as child processes, against a real server on 127.0.0.1; and fail2ban, reading the audit log such
 * a server wrote.
 *
 * <p>Place in the flow: outside it, looking in. Each test checks both ends: what the client reported
 * (exit code, dialogue) and what the server did (the message in the store with its principal and
 * Received trace header, or the TLS and AUTH events it published).
 *
 * <p>Two fixtures: {@code InteropServer.start} gives submission sessions an assumed principal (for
 * TLS and mail-flow tests); {@code InteropServer.startWithRealAuth} has none, so clients log in with
 * SMTP AUTH (RFC 4954) against accounts in the store, with every mechanism on, CRAM-MD5 and the
 * bearer-token ones included (tokens from a {@code TokenIssuer} whose JWK set the server reads from
 * a file).
 *
 * <p>Invariants: a missing client fails the test with the package to install, never skips it; TLS is
 * verified against the server's own certificate, never switched off; every child process has a timeout;
 * nothing secret goes into a command line: passwords and tokens reach a client through a file only
 * its owner can read, standard input, or a call in this JVM, and each run checks that its secret
 * shows in neither its command line nor its output (curl {@code -v}, which cannot be told to hide
 * what it sends, is redacted before anything looks at it).
 *
 * <p>Must never: talk to anything but 127.0.0.1 (a client may bind another loopback source address,
 * 127.0.0.2 and up, to stand for another host), or depend on the order the tests run in (each finds
 * its message by a token of its own, and its AUTH event by a mark taken just before the client runs).
 */
package dev.hikyaku.interop;
