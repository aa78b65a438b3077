/**
 * The TLS handshake benchmark (issue 15 point 1): server stacks side by side over loopback, JSSE
 * (today's SSLSocket path through {@code TlsContexts}) against BoringSSL through netty-tcnative's
 * OpenSslEngine driven over a blocking socket, with RSA-2048 and ECDSA P-256 keys, X25519 or
 * P-256 key exchange, TLS 1.3 and 1.2, full and resumed. Started by {@code bench/handshake.sh}.
 *
 * <p>Must never run in the normal test command; must never be taken as a production transport:
 * {@link dev.hikyaku.bench.tls.EngineSocket} is only as complete as the benchmark needs.
 */
package dev.hikyaku.bench.tls;
