package dev.hikyaku.testing;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.hikyaku.net.TestCertificates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * An MTA-STS policy host on loopback (RFC 8461 §3.3): HTTPS with a certificate of its own for
 * {@code mta-sts.DOMAIN}, serving whatever policy the test sets at {@code /.well-known/mta-sts.txt}
 * as {@code text/plain}, and counting the fetches. It also takes TLS reports (RFC 8460 §5.4) POSTed
 * to {@code /tlsrpt}, and keeps them ({@link #reports}); {@link #reportReceiver} is one whose
 * certificate names {@code localhost}, for an {@code https://localhost:<port>/tlsrpt} rua.
 */
public final class PolicyHost implements AutoCloseable {

  private final HttpsServer server;
  private final TestCertificates certificate;
  private final AtomicReference<String> policy = new AtomicReference<>("");
  private final AtomicInteger fetches = new AtomicInteger();
  private final List<Report> reports = new CopyOnWriteArrayList<>();

  /** A report POSTed to {@code /tlsrpt}: its Content-Type and body. */
  public record Report(String contentType, byte[] body) {}

  private PolicyHost(HttpsServer server, TestCertificates certificate) {
    this.server = server;
    this.certificate = certificate;
  }

  /** Serves for {@code mta-sts.<domain>} on an ephemeral port of 127.0.0.1. */
  public static PolicyHost start(String domain) throws IOException, GeneralSecurityException {
    return startFor("mta-sts." + domain);
  }

  /** A host whose certificate names {@code localhost}: a TLS report receiver the JDK's HTTP client can reach by name. */
  public static PolicyHost reportReceiver() throws IOException, GeneralSecurityException {
    return startFor("localhost");
  }

  private static PolicyHost startFor(String hostName) throws IOException, GeneralSecurityException {
    TestCertificates certificate = TestCertificates.ecdsa(hostName);
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("policy", certificate.privateKey(), new char[0], certificate.chain().toArray(Certificate[]::new));
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, new char[0]);
    SSLContext serving = SSLContext.getInstance("TLS");
    serving.init(keyManagers.getKeyManagers(), null, new SecureRandom());
    HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(serving));
    PolicyHost host = new PolicyHost(server, certificate);
    server.createContext("/.well-known/mta-sts.txt", exchange -> {
      host.fetches.incrementAndGet();
      byte[] body = host.policy.get().getBytes(StandardCharsets.US_ASCII);
      exchange.getResponseHeaders().add("Content-Type", "text/plain");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.createContext("/tlsrpt", exchange -> {
      host.reports.add(new Report(exchange.getRequestHeaders().getFirst("Content-Type"), exchange.getRequestBody().readAllBytes()));
      exchange.sendResponseHeaders(201, -1);
      exchange.close();
    });
    server.start();
    return host;
  }

  /** The policy file served from now on. */
  public void serve(String text) {
    policy.set(text);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public int fetches() {
    return fetches.get();
  }

  /** The TLS reports POSTed so far. */
  public List<Report> reports() {
    return List.copyOf(reports);
  }

  /** The certificate a client must trust to fetch from this host. */
  public X509Certificate trustAnchor() {
    return certificate.trustAnchor();
  }

  /** {@link #trustAnchor} as PEM, for a command's --trust file. */
  public String trustAnchorPem() {
    return certificate.certificateChainPem();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
