/**
 * The network edge: listening sockets, the byte stream a session talks through, TLS, and how many
 * connections may be open at once. Bytes in, bytes out; what they mean is someone else's business.
 *
 * <h2>Place in the data flow</h2>
 *
 * <pre>
 * Listener (role RELAY | SUBMISSION | SUBMISSIONS) ── accept ── ConnectionPermits.acquire
 *    ▶ one virtual thread per connection ▶ Transport (plain TCP, switched to TLS in place)
 *    ▶ session.SmtpSession reads and writes through the Transport, never a socket
 * TlsContexts ── open ──▶ TlsEngine (tls.engine) ──▶ TlsConnection for STARTTLS (RFC 3207) or
 *    implicit TLS (RFC 8314 §3.3): JdkTlsEngine (an SSLSocket) | BoringSslEngine (Netty's engine
 *    over the socket, EngineTlsConnection)
 * TlsContexts ── wrapServer / followingContext ──▶ JSSE for everything else (the HTTP API)
 * </pre>
 *
 * <ul>
 *   <li>{@code Listener} binds one address and port for a {@link dev.hikyaku.net.ListenerRole},
 *       takes a permit per accepted connection and hands the socket to a handler on its own virtual
 *       thread. The refusal line for a full server is supplied by the caller.
 *   <li>{@code Transport} is the session's only view of the connection: read, write, flush,
 *       timeouts, {@code startTls}, and the {@link dev.hikyaku.net.TlsFacts} once a handshake is
 *       done. It lets the same session run over TCP, TLS or in memory.
 *   <li>{@link dev.hikyaku.net.TlsContexts} turns PEM files (or a generated self-signed pair on first
 *       start) into JSSE contexts, offers only TLS 1.3 and 1.2 with ECDHE and AEAD suites, and swaps
 *       in new files atomically on {@code reload()}, a file change or SIGHUP. With {@code tls.engine:
 *       boringssl} each load also builds a Netty/BoringSSL context from the same key and chain
 *       ({@code BoringSslEngine}); the SMTP listeners get their connections from the current
 *       {@code TlsEngine}, a sealed seam {@code SocketTransport} does not look behind.
 *   <li>{@code ConnectionPermits} counts open connections in total and per client address across all
 *       listeners, as Postfix's anvil does; a permit is released exactly once.
 * </ul>
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>A TLS context only becomes current after its key is proven to match its leaf certificate; a
 *       broken or half-written replacement never displaces a working one. A connection keeps the
 *       context it was wrapped with.
 *   <li>TLS is never offered below 1.2, nor with CBC, static-RSA, DHE, 3DES, RC4, NULL or anonymous
 *       suites (RFC 8996, RFC 9325 §4.2).
 *   <li>Private keys never appear in a log line, an exception message or a {@code toString()}.
 *   <li>A listener's accept loop never ends before {@code close()}: accept() failing (EMFILE) is
 *       logged once per burst and retried after a pause that doubles from 50 ms to 1 s, and a bug in
 *       admitting or handling one connection drops that connection only, its socket and permit
 *       released. Fault tests reach accept() through the package-private {@code Listener.Acceptor}.
 *   <li>Anything that may block a virtual thread uses {@code ReentrantLock}, not {@code synchronized}.
 *       (Netty's engine methods are {@code synchronized} and run native code, but do no I/O: the
 *       driver reads and writes the socket outside them; since JDK 24, JEP 491, they do not pin.)
 *   <li>BoringSSL's native memory is reference-counted: a context lives while it is current or a
 *       connection made from it is open; a connection's engine is released exactly once. The
 *       key-log callback (the only way to the TLS 1.3 exporter secret in tcnative 2.0.84) keeps the
 *       exporter secret of a handshake in progress only, never any other line, and nothing of it is
 *       ever logged.
 *   <li>BouncyCastle parses PEM and issues certificates but is never registered as a JCE provider;
 *       TLS runs on the JDK's default providers (SunJSSE), or on BoringSSL where configured (its
 *       own crypto, no JCA provider installed).
 * </ul>
 *
 * <h2>Must never</h2>
 *
 * Know SMTP verbs, reply codes or session state: what is allowed before TLS, or what to answer a
 * refused connection, is decided in {@code session} and {@code protocol}. Read configuration files
 * (it gets paths, intervals and limits from {@code app}); log or throw key material.
 */
package dev.hikyaku.net;
