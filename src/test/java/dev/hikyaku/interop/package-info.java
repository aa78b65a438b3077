/**
 * Interop: clients nobody here wrote (swaks, Python smtplib, curl, openssl s_client), installed from
 * Debian by {@code .ci/run}, driven as child processes against a real server on 127.0.0.1; and
 * fail2ban, reading the audit log such a server wrote.
 *
 * <p>Place in the flow: outside it, looking in. Each test checks both ends: what the client reported
 * (exit code, dialogue) and what the server did (the message in the store with its Received trace
 * header, or the TLS event it published).
 *
 * <p>Invariants: a missing client fails the test with the package to install, never skips it; TLS is
 * verified against the server's own certificate, never switched off; every child process has a timeout;
 * nothing secret goes into a command line.
 *
 * <p>Must never: talk to anything but 127.0.0.1 (a client may bind another loopback source address,
 * 127.0.0.2 and up, to stand for another host), or depend on the order the tests run in (each finds
 * its message by a token of its own).
 */
package dev.hikyaku.interop;
