package dev.hikyaku.bench.tls;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * Where the server's handshake runs, under concurrency (issue 15 point 1, third question): on the
 * connection's own virtual thread (today) or on a bounded pool of platform threads, one per core.
 * C client threads (JSSE, full TLS 1.3 handshakes with X25519, the same for every variant) keep
 * the server busy; an acceptor thread hands each connection to the variant's executor, which runs
 * the whole exchange. Reported: handshakes per second, the process's CPU per handshake (client
 * included, and the client is the same in every variant, so differences are the server's), and the
 * client-seen p50/p99 of one exchange. Rounds interleave the variants.
 *
 * <p>Options: {@code --clients C} (16), {@code --handshakes N} per variant per round (600), {@code
 * --rounds R} (3).
 */
public final class ThreadingBench {

  private static final OperatingSystemMXBean OS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private ThreadingBench() {}

  record Variant(String name, TlsServer server, boolean isPooled) {}

  record Run(double perSecond, double cpuMicros, double p50Millis, double p99Millis) {}

  public static void main(String[] args) throws Exception {
    BenchOptions options = new BenchOptions(args, Map.of("clients", "16", "handshakes", "600", "rounds", "3"));
    int clients = options.number("clients");
    int handshakes = options.number("handshakes");
    int rounds = options.number("rounds");
    Path directory = Files.createTempDirectory("hikyaku-threading");
    ServerKeys ecdsa = ServerKeys.generate(directory, true);
    List<String> suites = TlsServer.JdkSocket.of(ecdsa, null).contexts().enabledCipherSuites();
    TlsServer jdk = TlsServer.JdkSocket.of(ecdsa, null);
    TlsServer boringSsl = TlsServer.BoringSsl.of(ecdsa, List.of("X25519", "P-256"), suites);
    int cores = Runtime.getRuntime().availableProcessors();
    List<Variant> variants = List.of(
        new Variant("JDK SSLSocket ECDSA, virtual thread per connection (today)", jdk, false),
        new Variant("JDK SSLSocket ECDSA, pool of " + cores + " platform threads", jdk, true),
        new Variant("BoringSSL ECDSA, virtual thread per connection", boringSsl, false),
        new Variant("BoringSSL ECDSA, pool of " + cores + " platform threads", boringSsl, true));
    System.out.printf(Locale.ROOT, "# %s %s, %d cores, %d client threads, load %s%n",
        System.getProperty("java.vm.name"), System.getProperty("java.version"), cores, clients, BenchOptions.load());
    for (Variant variant : variants) {
      run(variant, clients, Math.max(clients * 10, handshakes / 2)); // warm-up
    }
    List<List<Run>> runs = new ArrayList<>();
    variants.forEach(v -> runs.add(new ArrayList<>()));
    for (int round = 0; round < rounds; round++) {
      System.out.printf(Locale.ROOT, "# round %d of %d, load %s%n", round + 1, rounds, BenchOptions.load());
      for (int k = 0; k < variants.size(); k++) {
        int i = (k + round) % variants.size();
        Run run = run(variants.get(i), clients, handshakes);
        runs.get(i).add(run);
        System.out.printf(Locale.ROOT, "%-60s %6.0f/s  %6.0f us CPU  p50 %6.1f ms  p99 %6.1f ms%n",
            variants.get(i).name(), run.perSecond(), run.cpuMicros(), run.p50Millis(), run.p99Millis());
      }
    }
    System.out.printf(Locale.ROOT, "# load at the end %s%n%n", BenchOptions.load());
    System.out.println("| where the handshake runs | handshakes/s (median) | ratio | process CPU µs/handshake (client incl.) | p50 ms | p99 ms |");
    System.out.println("|---|---:|---:|---:|---:|---:|");
    for (int i = 0; i < variants.size(); i++) {
      List<Run> r = runs.get(i);
      // Each stack's pool variant is compared with the same stack on virtual threads.
      double reference = BenchOptions.median(runs.get(i - i % 2), Run::perSecond);
      System.out.printf(Locale.ROOT, "| %s | %.0f | %.2f | %.0f | %.1f | %.1f |%n", variants.get(i).name(),
          BenchOptions.median(r, Run::perSecond), BenchOptions.median(r, Run::perSecond) / reference, BenchOptions.median(r, Run::cpuMicros),
          BenchOptions.median(r, Run::p50Millis), BenchOptions.median(r, Run::p99Millis));
    }
    System.exit(0);
  }

  private static Run run(Variant variant, int clients, int handshakes) throws Exception {
    ExecutorService executor = variant.isPooled()
        ? Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(),
            Thread.ofPlatform().name("tls-handshake-", 0).factory())
        : Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tls-connection-", 0).factory());
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (ServerSocket listener = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress())) {
      Thread acceptor = Thread.ofPlatform().name("tls-accept").start(() -> {
        for (int i = 0; i < handshakes; i++) {
          try {
            Socket accepted = listener.accept();
            accepted.setTcpNoDelay(true);
            executor.execute(() -> {
              try {
                variant.server().serve(accepted, false);
              } catch (Throwable e) {
                failure.compareAndSet(null, e);
              }
            });
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
            return;
          }
        }
      });
      SSLContext client = SSLContext.getInstance("TLS");
      client.init(null, new TrustManager[] {new HandshakeBench.TrustingEveryone()}, null);
      client.getClientSessionContext().setSessionCacheSize(1); // full handshakes only
      long[] latencies = new long[handshakes];
      AtomicLong next = new AtomicLong();
      long cpuStart = OS.getProcessCpuTime();
      long wallStart = System.nanoTime();
      List<Thread> threads = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        threads.add(Thread.ofPlatform().start(() -> {
          for (long n; (n = next.getAndIncrement()) < handshakes && failure.get() == null; ) {
            long start = System.nanoTime();
            try (Socket plain = new Socket()) {
              plain.connect(listener.getLocalSocketAddress());
              plain.setTcpNoDelay(true);
              var socket = (SSLSocket) client.getSocketFactory()
                  .createSocket(plain, "h" + n + ".bench.example", listener.getLocalPort(), true);
              SSLParameters parameters = socket.getSSLParameters();
              parameters.setProtocols(new String[] {"TLSv1.3"});
              parameters.setNamedGroups(new String[] {"x25519", "secp256r1"});
              socket.setSSLParameters(parameters);
              try (socket) {
                socket.startHandshake();
                socket.getOutputStream().write('?');
                socket.getOutputStream().flush();
                socket.getInputStream().read();
              }
            } catch (Throwable e) {
              failure.compareAndSet(null, e);
            }
            latencies[(int) n] = System.nanoTime() - start;
          }
        }));
      }
      for (Thread thread : threads) {
        thread.join();
      }
      acceptor.join();
      executor.shutdown();
      executor.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
      long wall = System.nanoTime() - wallStart;
      long cpu = OS.getProcessCpuTime() - cpuStart;
      if (failure.get() != null) {
        throw new IllegalStateException(variant.name() + ": " + failure.get(), failure.get());
      }
      Arrays.sort(latencies);
      return new Run(handshakes * 1e9 / wall, cpu / 1e3 / handshakes,
          latencies[(int) Math.ceil(0.50 * handshakes) - 1] / 1e6,
          latencies[(int) Math.ceil(0.99 * handshakes) - 1] / 1e6);
    }
  }
}
