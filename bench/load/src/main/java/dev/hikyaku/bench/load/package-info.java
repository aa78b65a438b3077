/**
 * The SMTP load tool (issue 4): drives a server with many concurrent client sessions and reports
 * what was accepted, what failed (by reply code) and how long session set-up and transactions took.
 * In HTTP mode (issue 12) it sends the same way over the HTTP API ({@code POST /v1/messages}, JSON,
 * a bearer API key) and reports in the same form (failures by HTTP status).
 *
 * <p>Place in the data flow: outside the server entirely. It talks to a listener over TCP like any
 * client would (plain, STARTTLS per RFC 3207, implicit TLS per RFC 8314 §3.3; AUTH PLAIN per RFC
 * 4616 or SCRAM-SHA-256 per RFC 5802/7677; PIPELINING per RFC 2920; HTTP/1.1 over TLS with the
 * JDK's client) and never imports server code, so it measures Hikyaku and Postfix the same way.
 *
 * <p>Invariants: JDK only; one virtual thread per connection; reads and writes go through the tool's
 * own buffers, never byte by byte; the message bytes are built once and shared by all sessions, so
 * the tool spends as little CPU as it can on the two cores it shares with the server under test.
 *
 * <p>Must never: verify a server certificate (it is a load generator against self-signed test
 * servers on loopback, not a mail client), print a password or an API key, or send traffic anywhere
 * but the address it is given.
 */
package dev.hikyaku.bench.load;
