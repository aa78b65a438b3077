package dev.hikyaku.bench.tls;

import dev.hikyaku.net.TlsContexts;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Server-side TLS handshakes over loopback, several server stacks side by side in one run (issue
 * 15 point 1). The client is the same for every variant: JSSE's SSLSocket in this process, which
 * trusts any certificate (its cost is reported apart, never added to the server's). Each variant
 * has its own listening socket on 127.0.0.1 and its own client context (so sessions never cross
 * variants); one connection at a time: connect, handshake, one byte each way, close_notify.
 *
 * <p>What is measured: the server thread's CPU time from accept to close (ThreadMXBean; native
 * BoringSSL work is on that thread too), the client thread's CPU time, the octets the client
 * received (a resumed handshake has no certificate: far fewer), and wall-clock handshakes per
 * second. Rounds are interleaved, each starting at another variant, so a change in the machine's
 * load falls on all variants alike; the table gives medians over rounds and ratios to the first
 * variant, today's production path.
 *
 * <p>Options: {@code --rounds N} (5), {@code --handshakes N} per variant per round (200), {@code
 * --warmup N} per variant before the rounds (400), {@code --only REGEX} (variants whose name
 * matches, the baseline always kept).
 */
public final class HandshakeBench {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final List<String> X25519_FIRST = List.of("x25519", "secp256r1");
  private static final List<String> P256_FIRST = List.of("secp256r1", "x25519");

  /** One server stack with one client behaviour. */
  record Variant(String name, TlsServer server, String protocol, List<String> groups, boolean isResumed,
      boolean isAccp) {
    Variant(String name, TlsServer server, String protocol, List<String> groups, boolean isResumed) {
      this(name, server, protocol, groups, isResumed, false);
    }
  }

  /** One measured run of a variant. */
  record Run(double serverMicros, double clientMicros, double bytesReceived, double perSecond) {}

  private HandshakeBench() {}

  public static void main(String[] args) throws Exception {
    var defaults = new java.util.HashMap<String, String>(Map.of("rounds", "5", "handshakes", "200", "warmup", "400"));
    defaults.put("only", null);
    BenchOptions options = new BenchOptions(args, defaults);
    int rounds = options.number("rounds");
    int handshakes = options.number("handshakes");
    int warmup = options.number("warmup");
    Pattern only = options.text("only") == null ? null : Pattern.compile(options.text("only"));
    Path directory = Files.createTempDirectory("hikyaku-handshake");
    ServerKeys rsa = ServerKeys.generate(directory, false);
    ServerKeys ecdsa = ServerKeys.generate(directory, true);
    List<String> suites;
    try (TlsContexts contexts = TlsContexts.fromPem(rsa.certificateFile(), rsa.keyFile(), Duration.ZERO)) {
      suites = contexts.enabledCipherSuites();
    }
    TlsServer jdkRsa = TlsServer.JdkSocket.of(rsa, null);
    TlsServer jdkEcdsa = TlsServer.JdkSocket.of(ecdsa, null);
    TlsServer jdkEcdsaP256 = TlsServer.JdkSocket.of(ecdsa, P256_FIRST);
    TlsServer jdkEngineEcdsa = TlsServer.JdkEngine.of(ecdsa, null);
    TlsServer bsslRsa = TlsServer.BoringSsl.of(rsa, List.of("X25519", "P-256"), suites);
    TlsServer bsslEcdsa = TlsServer.BoringSsl.of(ecdsa, List.of("X25519", "P-256"), suites);
    TlsServer bsslEcdsaExporting = TlsServer.BoringSsl.of(ecdsa, List.of("X25519", "P-256"), suites, true);
    TlsServer bsslEcdsaP256 = TlsServer.BoringSsl.of(ecdsa, List.of("P-256", "X25519"), suites);

    List<Variant> all = List.of(
        new Variant("JDK SSLSocket RSA-2048, 1.3, X25519, full (today)", jdkRsa, "TLSv1.3", X25519_FIRST, false),
        new Variant("JDK SSLSocket ECDSA P-256, 1.3, X25519, full", jdkEcdsa, "TLSv1.3", X25519_FIRST, false),
        new Variant("JDK SSLSocket ECDSA P-256, 1.3, P-256 ECDHE, full", jdkEcdsaP256, "TLSv1.3", P256_FIRST, false),
        new Variant("JDK SSLEngine ECDSA P-256, 1.3, X25519, full", jdkEngineEcdsa, "TLSv1.3", X25519_FIRST, false),
        new Variant("BoringSSL RSA-2048, 1.3, X25519, full", bsslRsa, "TLSv1.3", X25519_FIRST, false),
        new Variant("BoringSSL ECDSA P-256, 1.3, X25519, full", bsslEcdsa, "TLSv1.3", X25519_FIRST, false),
        new Variant("BoringSSL ECDSA P-256, 1.3, X25519, full, key-log exporter", bsslEcdsaExporting, "TLSv1.3", X25519_FIRST, false),
        new Variant("BoringSSL ECDSA P-256, 1.3, P-256 ECDHE, full", bsslEcdsaP256, "TLSv1.3", P256_FIRST, false),
        new Variant("JDK SSLSocket RSA-2048, 1.2, X25519, full", jdkRsa, "TLSv1.2", X25519_FIRST, false),
        new Variant("JDK SSLSocket ECDSA P-256, 1.2, X25519, full", jdkEcdsa, "TLSv1.2", X25519_FIRST, false),
        new Variant("BoringSSL RSA-2048, 1.2, X25519, full", bsslRsa, "TLSv1.2", X25519_FIRST, false),
        new Variant("BoringSSL ECDSA P-256, 1.2, X25519, full", bsslEcdsa, "TLSv1.2", X25519_FIRST, false),
        new Variant("JDK SSLSocket RSA-2048, 1.3, X25519, resumed", jdkRsa, "TLSv1.3", X25519_FIRST, true),
        new Variant("JDK SSLSocket ECDSA P-256, 1.3, X25519, resumed", jdkEcdsa, "TLSv1.3", X25519_FIRST, true),
        new Variant("BoringSSL RSA-2048, 1.3, X25519, resumed", bsslRsa, "TLSv1.3", X25519_FIRST, true),
        new Variant("BoringSSL ECDSA P-256, 1.3, X25519, resumed", bsslEcdsa, "TLSv1.3", X25519_FIRST, true),
        new Variant("JDK SSLSocket ECDSA P-256, 1.2, X25519, resumed", jdkEcdsa, "TLSv1.2", X25519_FIRST, true),
        new Variant("BoringSSL ECDSA P-256, 1.2, X25519, resumed", bsslEcdsa, "TLSv1.2", X25519_FIRST, true),
        new Variant("JDK SSLSocket + ACCP, RSA-2048, 1.3, X25519, full", jdkRsa, "TLSv1.3", X25519_FIRST, false, true),
        new Variant("JDK SSLSocket + ACCP, ECDSA P-256, 1.3, X25519, full", jdkEcdsa, "TLSv1.3", X25519_FIRST, false, true),
        new Variant("JDK SSLSocket + ACCP, ECDSA P-256, 1.3, P-256 ECDHE, full", jdkEcdsaP256, "TLSv1.3", P256_FIRST, false, true),
        new Variant("JDK SSLSocket + ACCP, ECDSA P-256, 1.3, P-256 ECDHE, resumed", jdkEcdsaP256, "TLSv1.3", P256_FIRST, true, true));
    List<Variant> variants = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      if (i == 0 || only == null || only.matcher(all.get(i).name()).find()) {
        variants.add(all.get(i));
      }
    }
    System.out.printf(Locale.ROOT, "# %s %s, %d cores, load %s%n", System.getProperty("java.vm.name"),
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), BenchOptions.load());
    System.out.printf(Locale.ROOT, "# jdk.tls.server.enableSessionTicketExtension=%s, io.netty OpenSsl: %s%n",
        System.getProperty("jdk.tls.server.enableSessionTicketExtension", "(default)"), openSslVersion());
    try (var provider = Accp.whileRunning(true)) {
      System.out.printf("# with ACCP: SHA256withECDSA from %s, RSASSA-PSS from %s, ECDH from %s, XDH from %s, AES/GCM from %s%n",
          java.security.Signature.getInstance("SHA256withECDSA").getProvider().getName(),
          java.security.Signature.getInstance("RSASSA-PSS").getProvider().getName(),
          javax.crypto.KeyAgreement.getInstance("ECDH").getProvider().getName(),
          javax.crypto.KeyAgreement.getInstance("XDH").getProvider().getName(),
          javax.crypto.Cipher.getInstance("AES/GCM/NoPadding").getProvider().getName());
    }
    System.out.println("# check: one exchange per stack; the server's session, and the client's tls-exporter");
    List<Endpoint> endpoints = new ArrayList<>();
    for (Variant variant : variants) {
      Endpoint endpoint = new Endpoint(variant);
      endpoints.add(endpoint);
      if (!variant.isResumed()) {
        System.out.printf("#   %-52s server: %s%n#   %-52s client: %s%n", variant.name(), endpoint.check(), "", endpoint.lastClientExporter);
      }
    }
    System.out.printf(Locale.ROOT, "# warm-up: %d handshakes per variant%n", warmup);
    for (Endpoint endpoint : endpoints) {
      endpoint.run(warmup);
    }
    List<List<Run>> runs = new ArrayList<>();
    endpoints.forEach(e -> runs.add(new ArrayList<>()));
    for (int round = 0; round < rounds; round++) {
      System.out.printf(Locale.ROOT, "# round %d of %d, load %s%n", round + 1, rounds, BenchOptions.load());
      for (int k = 0; k < endpoints.size(); k++) {
        int i = (k + round) % endpoints.size();
        Run run = endpoints.get(i).run(handshakes);
        runs.get(i).add(run);
        System.out.printf(Locale.ROOT, "%-52s server %7.0f us  client %7.0f us  %5.0f B  %6.0f/s%n",
            endpoints.get(i).variant.name(), run.serverMicros(), run.clientMicros(), run.bytesReceived(), run.perSecond());
      }
    }
    System.out.printf(Locale.ROOT, "# load at the end %s%n%n", BenchOptions.load());
    double baseline = BenchOptions.median(runs.getFirst(), Run::serverMicros);
    System.out.println("| server stack, key, protocol, key exchange, handshake | server CPU µs/handshake (median; min–max) | ratio to today | handshakes/s per core | client CPU µs | octets to client | wall handshakes/s |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|");
    for (int i = 0; i < endpoints.size(); i++) {
      List<Run> r = runs.get(i);
      double server = BenchOptions.median(r, Run::serverMicros);
      System.out.printf(Locale.ROOT, "| %s | %.0f (%.0f–%.0f) | %.2f | %.0f | %.0f | %.0f | %.0f |%n",
          endpoints.get(i).variant.name(), server,
          r.stream().mapToDouble(Run::serverMicros).min().orElse(0),
          r.stream().mapToDouble(Run::serverMicros).max().orElse(0),
          server / baseline, 1e6 / server, BenchOptions.median(r, Run::clientMicros), BenchOptions.median(r, Run::bytesReceived),
          BenchOptions.median(r, Run::perSecond));
    }
    System.exit(0); // Netty's and the JDK's background threads
  }

  private static String openSslVersion() {
    try {
      return io.netty.handler.ssl.OpenSsl.isAvailable()
          ? io.netty.handler.ssl.OpenSsl.versionString()
          : "unavailable: " + io.netty.handler.ssl.OpenSsl.unavailabilityCause();
    } catch (Throwable e) {
      return "unavailable: " + e;
    }
  }

  /** A variant's listening socket and client context. */
  private static final class Endpoint {
    final Variant variant;
    final ServerSocket listener;
    final SSLContext client;
    long sequence;
    String lastClientExporter;

    Endpoint(Variant variant) throws Exception {
      this.variant = variant;
      this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      this.client = SSLContext.getInstance("TLS");
      this.client.init(null, new TrustManager[] {new TrustingEveryone()}, null);
      this.client.getClientSessionContext().setSessionCacheSize(64);
    }

    String check() throws Exception {
      try (var provider = Accp.whileRunning(variant.isAccp())) {
        return checkOnce();
      }
    }

    Run run(int count) throws Exception {
      try (var provider = Accp.whileRunning(variant.isAccp())) {
        return runOnce(count);
      }
    }

    private String checkOnce() throws Exception {
      AtomicReference<String> server = new AtomicReference<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread thread = Thread.ofPlatform().start(() -> {
        try (Socket accepted = listener.accept()) {
          server.set(variant.server().serve(accepted, true));
        } catch (Throwable e) {
          failure.set(e);
        }
      });
      connect(true);
      thread.join();
      if (failure.get() != null) {
        throw new IllegalStateException(variant.name() + ": " + failure.get(), failure.get());
      }
      return server.get();
    }

    private Run runOnce(int count) throws Exception {
      long[] serverNanos = new long[1];
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread thread = Thread.ofPlatform().name("tls-server").start(() -> {
        try {
          for (int i = 0; i < count; i++) {
            Socket accepted = listener.accept();
            long start = THREADS.getCurrentThreadCpuTime();
            accepted.setTcpNoDelay(true);
            variant.server().serve(accepted, false);
            serverNanos[0] += THREADS.getCurrentThreadCpuTime() - start;
          }
        } catch (Throwable e) {
          failure.set(e);
        }
      });
      long wallStart = System.nanoTime();
      long clientStart = THREADS.getCurrentThreadCpuTime();
      long received = 0;
      for (int i = 0; i < count && failure.get() == null; i++) {
        received += connect(false);
      }
      long clientNanos = THREADS.getCurrentThreadCpuTime() - clientStart;
      thread.join();
      long wall = System.nanoTime() - wallStart;
      if (failure.get() != null) {
        throw new IllegalStateException(variant.name() + ": " + failure.get(), failure.get());
      }
      return new Run(serverNanos[0] / 1e3 / count, clientNanos / 1e3 / count, (double) received / count,
          count * 1e9 / wall);
    }

    /** One client exchange; the octets received from the server. */
    private long connect(boolean isCheck) throws IOException {
      CountingSocket plain = new CountingSocket();
      plain.connect(listener.getLocalSocketAddress());
      plain.setTcpNoDelay(true);
      // A full handshake each time unless resuming: JSSE caches client sessions by host and port.
      String host = variant.isResumed() ? "mail.bench.example" : "h" + (sequence++) + ".bench.example";
      var socket = (SSLSocket) client.getSocketFactory().createSocket(plain, host, listener.getLocalPort(), true);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setProtocols(new String[] {variant.protocol()});
      parameters.setNamedGroups(variant.groups().toArray(String[]::new));
      socket.setSSLParameters(parameters);
      try (socket) {
        socket.startHandshake();
        socket.getOutputStream().write('?');
        socket.getOutputStream().flush();
        if (socket.getInputStream().read() != '+') {
          throw new IOException("server did not answer");
        }
        if (isCheck) {
          lastClientExporter = Exporter.describe(socket.getSession());
        }
      }
      return plain.received;
    }
  }

  /**
   * Amazon Corretto Crypto Provider (native AWS-LC) as the first JCA provider while a variant runs,
   * removed after it: JSSE looks its primitives up per handshake, so the other variants of the same
   * run keep the JDK's own. It has ECDH, ECDSA, RSA(-PSS), AES-GCM and HMAC, but no X25519 (XDH).
   */
  private record Accp(boolean isInstalled) implements AutoCloseable {
    static Accp whileRunning(boolean isWanted) {
      if (isWanted) {
        var provider = com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider.INSTANCE;
        provider.assertHealthy();
        java.security.Security.insertProviderAt(provider, 1);
      }
      return new Accp(isWanted);
    }

    @Override
    public void close() {
      if (isInstalled) {
        java.security.Security.removeProvider(
            com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider.INSTANCE.getName());
      }
    }
  }

  /** Counts what the server sent, to tell a resumed handshake (no certificate) from a full one. */
  private static final class CountingSocket extends Socket {
    long received;
    private InputStream counting;

    @Override
    public InputStream getInputStream() throws IOException {
      if (counting == null) {
        counting = new FilterInputStream(super.getInputStream()) {
          @Override
          public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
              received++;
            }
            return b;
          }

          @Override
          public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
              received += n;
            }
            return n;
          }
        };
      }
      return counting;
    }
  }

  /** The benchmark's client checks nothing: a certificate check would only add client CPU. */
  static final class TrustingEveryone implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
