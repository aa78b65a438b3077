package dev.hikyaku.bench.tls;

import dev.hikyaku.net.TlsContexts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What each server stack refuses, asked by a client nobody here wrote: {@code openssl s_client}
 * (OpenSSL 3, at security level 0 so that it can still offer the old protocols and suites). The
 * server stacks are those of {@link HandshakeBench} with an RSA-2048 key (so that the RSA suites
 * exist to be refused); every line says what was offered, what the stack did, and what we require.
 * Started by {@code bench/handshake.sh refusals}.
 */
public final class RefusalCheck {

  /** What the client offers, and whether our guarantees allow a handshake with it. */
  record Offer(String what, boolean isAllowed, List<String> options) {}

  private RefusalCheck() {}

  public static void main(String[] args) throws Exception {
    Path directory = Files.createTempDirectory("hikyaku-refusals");
    ServerKeys rsa = ServerKeys.generate(directory, false);
    List<String> suites;
    try (TlsContexts contexts = TlsContexts.fromPem(rsa.certificateFile(), rsa.keyFile(), Duration.ZERO)) {
      suites = contexts.enabledCipherSuites();
    }
    List<Offer> offers = List.of(
        new Offer("TLS 1.3", true, List.of("-tls1_3")),
        new Offer("TLS 1.2, ECDHE-RSA-AES128-GCM-SHA256", true, List.of("-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256")),
        new Offer("TLS 1.2, ECDHE-RSA-CHACHA20-POLY1305", true, List.of("-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305")),
        new Offer("TLS 1.1", false, List.of("-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")),
        new Offer("TLS 1.0", false, List.of("-tls1", "-cipher", "DEFAULT@SECLEVEL=0")),
        new Offer("TLS 1.2, ECDHE-RSA-AES128-SHA (CBC)", false, List.of("-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA@SECLEVEL=0")),
        new Offer("TLS 1.2, ECDHE-RSA-AES128-SHA256 (CBC)", false, List.of("-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA256@SECLEVEL=0")),
        new Offer("TLS 1.2, AES128-GCM-SHA256 (static RSA, no forward secrecy)", false, List.of("-tls1_2", "-cipher", "AES128-GCM-SHA256@SECLEVEL=0")),
        new Offer("TLS 1.2, DHE-RSA-AES128-GCM-SHA256", false, List.of("-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256@SECLEVEL=0")));
    List<TlsServer> stacks = List.of(
        TlsServer.JdkSocket.of(rsa, null),
        TlsServer.BoringSsl.of(rsa, List.of("X25519", "P-256"), suites));
    List<String> names = List.of("JDK SSLSocket (TlsContexts)", "BoringSSL (netty-tcnative)");
    boolean isAllKept = true;
    for (int s = 0; s < stacks.size(); s++) {
      TlsServer stack = stacks.get(s);
      try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
        Thread server = Thread.ofPlatform().daemon().start(() -> {
          while (!listener.isClosed()) {
            try (Socket accepted = listener.accept()) {
              accepted.setSoTimeout(5_000);
              stack.serve(accepted, false);
            } catch (IOException e) {
              // a refused handshake: what is being checked, seen from the client
            }
          }
        });
        for (Offer offer : offers) {
          String outcome = sClient(listener.getLocalPort(), offer.options());
          boolean isHandshake = !outcome.startsWith("refused");
          boolean isKept = isHandshake == offer.isAllowed();
          isAllKept &= isKept;
          System.out.printf("%-28s %-58s %-44s %s%n", names.get(s), offer.what(), outcome,
              isKept ? "as required" : "AGAINST OUR GUARANTEES");
        }
        listener.close();
        server.join(5_000);
      }
    }
    System.out.println(isAllKept ? "every stack kept every guarantee" : "a guarantee was broken");
    System.exit(isAllKept ? 0 : 1);
  }

  /** "protocol suite" of the handshake openssl made, or "refused (...)". */
  private static String sClient(int port, List<String> options) throws IOException, InterruptedException {
    var command = new java.util.ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
        "-servername", "mail.bench.example", "-brief"));
    command.addAll(options);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().write("Q\n".getBytes(StandardCharsets.US_ASCII)); // -brief: Q ends it
    process.getOutputStream().close();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return "refused (openssl hung)";
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String protocol = field(output, "Protocol version:");
    String suite = field(output, "Ciphersuite:");
    if (protocol == null || suite == null) {
      String reason = output.lines().filter(line -> line.contains("alert") || line.contains("error"))
          .findFirst().orElse("exit " + process.exitValue());
      int at = reason.lastIndexOf(':');
      return "refused (" + (at > 0 && at < reason.length() - 1 ? reason.substring(at + 1) : reason).strip() + ")";
    }
    return protocol + " " + suite;
  }

  private static String field(String output, String name) {
    return output.lines().filter(line -> line.startsWith(name)).map(line -> line.substring(name.length()).strip())
        .findFirst().orElse(null);
  }
}
