package dev.hikyaku.bench.tls;

import dev.hikyaku.net.TlsContexts;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One server-side TLS stack: takes an accepted socket through the benchmark's exchange (handshake,
 * one byte read, one byte written, close_notify, close) and hands back the session it made.
 */
sealed interface TlsServer {

  /**
   * The exchange. With {@code isCheck}, returns what the server's session says (protocol, suite,
   * and the RFC 9266 tls-exporter value or why there is none), read before close; otherwise null.
   */
  String serve(Socket accepted, boolean isCheck) throws IOException;

  /** Today's production path: {@link TlsContexts#wrapServer}, an SSLSocket; groups as JSSE's default unless given. */
  record JdkSocket(TlsContexts contexts, List<String> groups) implements TlsServer {
    static JdkSocket of(ServerKeys keys, List<String> groups) throws Exception {
      return new JdkSocket(TlsContexts.fromPem(keys.certificateFile(), keys.keyFile(), Duration.ZERO), groups);
    }

    @Override
    public String serve(Socket accepted, boolean isCheck) throws IOException {
      SSLSocket socket = contexts.wrapServer(accepted, true);
      if (groups != null) {
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setNamedGroups(groups.toArray(String[]::new));
        socket.setSSLParameters(parameters);
      }
      try (socket) {
        socket.startHandshake();
        if (socket.getInputStream().read() < 0) {
          throw new IOException("client closed before its byte");
        }
        socket.getOutputStream().write('+');
        socket.getOutputStream().flush();
        return isCheck ? Exporter.describe(socket.getSession()) : null;
      }
    }
  }

  /** JSSE's SSLEngine over the same {@link EngineSocket} driver as BoringSSL: the driver's own cost. */
  record JdkEngine(SSLContext context, TlsContexts contexts, List<String> groups) implements TlsServer {
    static JdkEngine of(ServerKeys keys, List<String> groups) throws Exception {
      TlsContexts contexts = TlsContexts.fromPem(keys.certificateFile(), keys.keyFile(), Duration.ZERO);
      return new JdkEngine(contexts.followingContext(), contexts, groups);
    }

    @Override
    public String serve(Socket accepted, boolean isCheck) throws IOException {
      SSLEngine engine = context.createSSLEngine();
      engine.setUseClientMode(false);
      SSLParameters parameters = engine.getSSLParameters();
      parameters.setProtocols(contexts.enabledProtocols().toArray(String[]::new));
      parameters.setCipherSuites(contexts.enabledCipherSuites().toArray(String[]::new));
      parameters.setUseCipherSuitesOrder(true);
      if (groups != null) {
        parameters.setNamedGroups(groups.toArray(String[]::new));
      }
      engine.setSSLParameters(parameters);
      return exchange(new EngineSocket(accepted, engine), isCheck);
    }
  }

  /**
   * BoringSSL through netty-tcnative: Netty's reference-counted OpenSslEngine, the protocols and
   * suites of {@link TlsContexts}, the given groups, and stateless session tickets (a random key).
   */
  record BoringSsl(SslContext context, KeylogExporter keylog) implements TlsServer {
    static BoringSsl of(ServerKeys keys, List<String> openSslGroups, List<String> suites) throws Exception {
      return of(keys, openSslGroups, suites, false);
    }

    /** With {@code isExporting}, every handshake also derives the tls-exporter through {@link KeylogExporter}. */
    static BoringSsl of(ServerKeys keys, List<String> openSslGroups, List<String> suites, boolean isExporting)
        throws Exception {
      SslContext context =
          SslContextBuilder.forServer(keys.key(), keys.certificate())
              .sslProvider(SslProvider.OPENSSL_REFCNT)
              .protocols("TLSv1.3", "TLSv1.2")
              .ciphers(suites, SupportedCipherSuiteFilter.INSTANCE)
              .option(OpenSslContextOption.GROUPS, openSslGroups.toArray(String[]::new))
              .build();
      // Netty turns tickets off until keys are set (SSL_OP_NO_TICKET); RFC 5077 §4 key: name, HMAC, AES.
      SecureRandom random = new SecureRandom();
      byte[] name = new byte[16];
      byte[] hmac = new byte[16];
      byte[] aes = new byte[16];
      random.nextBytes(name);
      random.nextBytes(hmac);
      random.nextBytes(aes);
      ((OpenSslSessionContext) context.sessionContext())
          .setTicketKeys(new OpenSslSessionTicketKey(name, hmac, aes));
      return new BoringSsl(context, isExporting ? KeylogExporter.install(context) : null);
    }

    @Override
    public String serve(Socket accepted, boolean isCheck) throws IOException {
      SSLEngine engine = context.newEngine(ByteBufAllocator.DEFAULT);
      try {
        String facts = exchange(new EngineSocket(accepted, engine), isCheck);
        if (keylog != null) {
          String binding = keylog.channelBinding((ReferenceCountedOpenSslEngine) engine);
          return isCheck ? facts + "; from the key log: " + binding : null;
        }
        return facts;
      } finally {
        ReferenceCountUtil.release(engine);
      }
    }
  }

  private static String exchange(EngineSocket socket, boolean isCheck) throws IOException {
    try (socket) {
      socket.handshake();
      if (socket.read() < 0) {
        throw new IOException("client closed before its byte");
      }
      socket.write(new byte[] {'+'});
      return isCheck ? Exporter.describe(socket.engine().getSession()) : null;
    }
  }
}
