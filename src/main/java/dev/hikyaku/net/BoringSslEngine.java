package dev.hikyaku.net;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.IllegalReferenceCountException;
import java.io.IOException;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;

/**
 * BoringSSL through netty-tcnative ({@code tls.engine: boringssl}): one Netty {@code SslContext} per
 * loaded certificate, made from the same key and chain objects as JSSE's context, with our protocols
 * and TLS 1.2 suites. Connections are Netty's reference-counted {@code OpenSslEngine} driven over the
 * blocking socket by {@link EngineTlsConnection}; no Netty event loop runs.
 *
 * <p>Invariants:
 *
 * <ul>
 *   <li>TLS 1.3 and 1.2 only; for TLS 1.2 only the AEAD, forward-secret suites of {@link
 *       TlsContexts#CIPHER_SUITES}. BoringSSL's TLS 1.3 suites are fixed (AES-128-GCM, AES-256-GCM,
 *       ChaCha20-Poly1305, all AEAD) and follow the client's order, where JSSE follows ours.
 *   <li>Native memory is counted: this engine holds one reference to its context until {@link
 *       #retire()} (a reload); every connection holds its own until it closes, so a reload never
 *       frees a context under a connection. A connection's engine is released exactly once.
 *   <li>Ticket keys are random per context (stateless resumption, RFC 8446 §4.6.1): a reload drops
 *       them, as JSSE's new context does.
 * </ul>
 */
final class BoringSslEngine implements TlsEngine {

  private final ReferenceCountedOpenSslContext context;
  private final ExporterKeyLog keyLog;
  private final AtomicBoolean isRetired = new AtomicBoolean();

  private BoringSslEngine(ReferenceCountedOpenSslContext context, ExporterKeyLog keyLog) {
    this.context = context;
    this.keyLog = keyLog;
  }

  /**
   * Why BoringSSL cannot run here (the native library did not load: not linux-x86_64, or no
   * usable tcnative jar), or empty when it can. Loads the library on first call.
   */
  static Optional<String> unavailability() {
    try {
      if (OpenSsl.isAvailable()) {
        return Optional.empty();
      }
      Throwable cause = OpenSsl.unavailabilityCause();
      return Optional.of("netty-tcnative's BoringSSL did not load on " + System.getProperty("os.name") + "/"
          + System.getProperty("os.arch") + " (its native library is shipped for linux-x86_64 only)"
          + (cause == null ? "" : ": " + cause));
    } catch (LinkageError e) {
      return Optional.of("netty-tcnative's BoringSSL is missing: " + e);
    }
  }

  /**
   * A context for {@code identity}, offering the groups of {@code keyExchange}; fails as a {@link
   * SSLException} with what BoringSSL said.
   */
  static BoringSslEngine of(ServerIdentity identity, List<String> protocols, List<String> cipherSuites, KeyExchange keyExchange)
      throws SSLException {
    SslContext context =
        SslContextBuilder.forServer(identity.key(), identity.chain())
            .sslProvider(SslProvider.OPENSSL_REFCNT)
            .protocols(protocols)
            .ciphers(cipherSuites, SupportedCipherSuiteFilter.INSTANCE)
            .option(OpenSslContextOption.GROUPS, keyExchange.groups().toArray(String[]::new))
            .build();
    try {
      // Netty turns tickets off until keys are set (SSL_OP_NO_TICKET); RFC 5077 §4: name, HMAC key, AES key.
      SecureRandom random = new SecureRandom();
      byte[] name = new byte[16];
      byte[] hmac = new byte[16];
      byte[] aes = new byte[16];
      random.nextBytes(name);
      random.nextBytes(hmac);
      random.nextBytes(aes);
      ((OpenSslSessionContext) context.sessionContext()).setTicketKeys(new OpenSslSessionTicketKey(name, hmac, aes));
      ExporterKeyLog keyLog = new ExporterKeyLog();
      installKeyLog(context, keyLog);
      return new BoringSslEngine((ReferenceCountedOpenSslContext) context, keyLog);
    } catch (RuntimeException | SSLException e) {
      io.netty.util.ReferenceCountUtil.release(context);
      throw e;
    }
  }

  /**
   * tcnative wants its own context wrapper (Netty's protected field {@code ctx}), not the raw
   * SSL_CTX of the public {@code sslCtxPointer()}: given that, it crashes the JVM (bench/README.md).
   */
  private static void installKeyLog(SslContext context, ExporterKeyLog keyLog) throws SSLException {
    long pointer;
    try {
      var field = ReferenceCountedOpenSslContext.class.getDeclaredField("ctx");
      field.setAccessible(true);
      pointer = field.getLong(context);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new SSLException("this Netty has no context field 'ctx' to set tcnative's key-log callback on"
          + " (tls-exporter for SCRAM-SHA-256-PLUS): " + e);
    }
    if (!io.netty.internal.tcnative.SSLContext.setKeyLogCallback(pointer, keyLog)) {
      throw new SSLException("tcnative refused the key-log callback (tls-exporter for SCRAM-SHA-256-PLUS)");
    }
  }

  @Override
  public Optional<TlsConnection> open(Socket tcp) throws IOException {
    try {
      context.retain();
    } catch (IllegalReferenceCountException retired) {
      return Optional.empty();
    }
    try {
      // The engine takes its own reference to the context; ours above only bridged the gap.
      var engine = (ReferenceCountedOpenSslEngine) context.newEngine(ByteBufAllocator.DEFAULT);
      return Optional.of(new EngineTlsConnection(tcp, engine, keyLog));
    } finally {
      context.release();
    }
  }

  @Override
  public void retire() {
    // Once only: a second release would take a reference an open connection holds.
    if (isRetired.compareAndSet(false, true)) {
      context.release();
    }
  }

  /** Whether the native context is freed: retired, and every connection from it closed (for tests). */
  boolean isFreed() {
    return context.refCnt() == 0;
  }

  /** The exporter secrets kept right now (for tests of the bound). */
  int keptExporterSecrets() {
    return keyLog.size();
  }
}
