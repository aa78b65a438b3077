package dev.hikyaku.testing;

import dev.hikyaku.app.Server;
import dev.hikyaku.config.ApiConfig;
import dev.hikyaku.config.ConfigLoader;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.ListenerConfig;
import dev.hikyaku.config.ReturnsConfig;
import dev.hikyaku.events.EventSink;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.session.SessionSettings;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Real servers for tests: 127.0.0.1, ephemeral ports, a fresh data directory, a generated certificate. */
public final class TestServers {

  /**
   * The JUnit resource lock of the tests that capture log lines (logback is one per JVM): with
   * classes run concurrently (bin/test --fast), they take turns.
   */
  public static final String CAPTURED_LOGS = "captured-logs";


  /**
   * The Argon2id cost of test servers and their accounts: the cheapest a config file may set
   * ({@code auth.argon2: {memory: 8MiB, iterations: 1}}), a fifth of the default's work. Tests of
   * the cost itself (PasswordHasherTest, the config's rules) use the default; the rest test what
   * happens around a hash, and 150 of them at the default were a quarter of the quick loop's CPU.
   */
  public static final dev.hikyaku.config.Argon2Settings ARGON2 =
      dev.hikyaku.config.Argon2Settings.builder().memoryKiB(8 * 1024).iterations(1).parallelism(1).build();

  public static final String HOSTNAME = "mx.hikyaku.test";
  public static final String HOSTED_DOMAIN = "hikyaku.test";

  private TestServers() {}

  /**
   * The embedded defaults, moved to loopback, ephemeral ports (the HTTP endpoint's too) and {@code
   * dataDirectory}.
   */
  public static HikyakuConfig config(Path dataDirectory) {
    HikyakuConfig defaults = ConfigLoader.defaults();
    InetAddress loopback = InetAddress.getLoopbackAddress();
    List<ListenerConfig> listeners = Stream.of(ListenerRole.RELAY, ListenerRole.SUBMISSION, ListenerRole.SUBMISSIONS)
        .map(role -> ListenerConfig.builder(role).address(loopback).port(0).greetingDelay(Duration.ZERO).build())
        .toList();
    return defaults.toBuilder()
        .hostname(HOSTNAME)
        .dataDirectory(dataDirectory)
        .listeners(listeners)
        // A self-signed certificate, not watched for renewal.
        .tls(defaults.tls().toBuilder().certificate(Optional.empty()).privateKey(Optional.empty())
            .reloadCheckInterval(Duration.ZERO).build())
        .hostedDomains(List.of(HOSTED_DOMAIN, "localhost"))
        .abuse(fastAbuse(defaults.abuse()))
        .auth(defaults.auth().toBuilder().argon2(ARGON2).build())
        .http(defaults.http().toBuilder().enabled(true).address(loopback).port(0).build())
        .delivery(noDelivery(defaults.delivery()))
        // Inbound SPF/DKIM/DMARC would ask the machine's resolver about test domains; tests that
        // check them turn them on with a TestDnsServer.
        .mailAuth(defaults.mailAuth().withVerifying(false))
        // Off unless a test asks for it (then on loopback, port 0): the default, every address on
        // 8443, would clash between tests and reach beyond the machine.
        .api(loopbackApi().toBuilder().enabled(false).build())
        .returns(ReturnsConfig.OFF)
        .build();
  }

  /** The HTTP JSON API turned on, on loopback and an ephemeral port, over TLS with the server's certificate. */
  public static ApiConfig loopbackApi() {
    return ApiConfig.builder().enabled(true).address(InetAddress.getLoopbackAddress()).port(0).tls(true).build();
  }

  /** Tests deliver only when they set it up (DNS and peers on loopback); never to the world. */
  public static dev.hikyaku.config.DeliveryConfig noDelivery(dev.hikyaku.config.DeliveryConfig d) {
    return d.withEnabled(false);
  }

  /**
   * The default abuse thresholds with the waits shrunk to milliseconds, so tests that fail AUTH on
   * purpose still see the tarpit grow but do not spend seconds in it (the account tarpit, which
   * grows over every network the account never used, stops at the per-network tarpit's 200 ms).
   */
  public static dev.hikyaku.config.AbuseConfig fastAbuse(dev.hikyaku.config.AbuseConfig d) {
    return d.toBuilder()
        .tarpit(Duration.ofMillis(10))
        .tarpitMax(Duration.ofMillis(200))
        .stuffingDelay(Duration.ofMillis(50))
        .accountTarpitMax(Duration.ofMillis(200))
        .build();
  }

  public static Server start(Path dataDirectory) throws Exception {
    return Server.start(config(dataDirectory));
  }

  public static Server start(HikyakuConfig config, UnaryOperator<SessionSettings> settings, List<EventSink> sinks)
      throws Exception {
    return Server.start(config, settings, sinks);
  }

  /**
   * Creates an account (and its domain if needed) in a running server's store, with every credential
   * form including CRAM-MD5, as the admin CLI would with CRAM-MD5 enabled.
   */
  public static void createAccount(Server server, String address, String password) throws Exception {
    var accounts = server.store().accounts();
    String domain = address.substring(address.indexOf('@') + 1);
    if (!server.store().domains().list().contains(domain)) {
      server.store().domains().add(domain);
    }
    accounts.create(address, enrolment().credentials(password.toCharArray()), dev.hikyaku.store.FromHeaderPolicy.REJECT);
  }

  /**
   * Makes {@code address} a known recipient of its hosted domain, as most tests need their
   * recipients to be (unknown ones get 550 5.1.1): an account, with a password nobody uses, created
   * with its domain unless it exists already.
   */
  public static void createMailbox(dev.hikyaku.store.Store store, String address) throws dev.hikyaku.store.StoreException {
    var accounts = store.accounts();
    String domain = address.substring(address.lastIndexOf('@') + 1).toLowerCase(java.util.Locale.ROOT);
    if (!store.domains().list().contains(domain)) {
      store.domains().add(domain);
    }
    if (accounts.find(address).isEmpty()) {
      byte[] random = new byte[16];
      new java.security.SecureRandom().nextBytes(random);
      char[] unused = java.util.HexFormat.of().formatHex(random).toCharArray();
      accounts.create(address, enrolment().credentials(unused), dev.hikyaku.store.FromHeaderPolicy.REJECT);
    }
  }

  /** {@link #createMailbox} in a running server's store, for each address. */
  public static void createMailboxes(Server server, String... addresses) throws dev.hikyaku.store.StoreException {
    for (String address : addresses) {
      createMailbox(server.store(), address);
    }
  }

  /** The hasher of test servers: {@link #ARGON2}. */
  public static dev.hikyaku.auth.credential.PasswordHasher hasher() {
    return new dev.hikyaku.auth.credential.PasswordHasher(
        new dev.hikyaku.auth.credential.Argon2Parameters(ARGON2.memoryKiB(), ARGON2.iterations(), ARGON2.parallelism()));
  }

  /** The enrolment the admin CLI uses, at the test servers' cost ({@link #ARGON2}), so a login needs no rehash. */
  public static dev.hikyaku.auth.credential.Enrolment enrolment() {
    return new dev.hikyaku.auth.credential.Enrolment(
        hasher(),
        4096,
        true,
        new java.security.SecureRandom());
  }

  /**
   * An HTTP client (java.net.http) that trusts exactly {@code certificate}, whatever host name it was
   * dialled by: test servers are reached as 127.0.0.1 but their certificate names {@link #HOSTNAME},
   * and HttpClient checks the name in its trust manager, which this one leaves out (the chain is
   * still checked against the one certificate).
   */
  /** What the server's HTTP endpoint shows at {@code /metrics} now (Prometheus text). */
  public static String metrics(Server server) throws Exception {
    try (java.net.http.HttpClient plain = java.net.http.HttpClient.newHttpClient()) {
      return plain.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.httpPort() + "/metrics"))
          .GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }
  }

  public static java.net.http.HttpClient httpClientTrusting(X509Certificate certificate) throws Exception {
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", certificate);
    factory.init(trust);
    javax.net.ssl.X509TrustManager chain = (javax.net.ssl.X509TrustManager) factory.getTrustManagers()[0];
    javax.net.ssl.X509ExtendedTrustManager withoutName = new javax.net.ssl.X509ExtendedTrustManager() {
      @Override
      public void checkServerTrusted(X509Certificate[] certificates, String authType, java.net.Socket socket)
          throws java.security.cert.CertificateException {
        chain.checkServerTrusted(certificates, authType);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] certificates, String authType, javax.net.ssl.SSLEngine engine)
          throws java.security.cert.CertificateException {
        chain.checkServerTrusted(certificates, authType);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] certificates, String authType) throws java.security.cert.CertificateException {
        chain.checkServerTrusted(certificates, authType);
      }

      @Override
      public void checkClientTrusted(X509Certificate[] certificates, String authType, java.net.Socket socket)
          throws java.security.cert.CertificateException {
        throw new java.security.cert.CertificateException("a client does not check clients");
      }

      @Override
      public void checkClientTrusted(X509Certificate[] certificates, String authType, javax.net.ssl.SSLEngine engine)
          throws java.security.cert.CertificateException {
        throw new java.security.cert.CertificateException("a client does not check clients");
      }

      @Override
      public void checkClientTrusted(X509Certificate[] certificates, String authType) throws java.security.cert.CertificateException {
        throw new java.security.cert.CertificateException("a client does not check clients");
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return chain.getAcceptedIssuers();
      }
    };
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new javax.net.ssl.TrustManager[] {withoutName}, null);
    return java.net.http.HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(10)).build();
  }

  /**
   * A client (Commons Net) of {@code server}'s submission port that has said EHLO, started TLS
   * trusting exactly the server's certificate, said EHLO again (RFC 3207 §4.2) and authenticated with
   * AUTH PLAIN as {@code account}: how the tests begin a submission. The caller disconnects it.
   */
  public static org.apache.commons.net.smtp.AuthenticatingSMTPClient submissionClient(Server server, String account, String password)
      throws Exception {
    var client = new org.apache.commons.net.smtp.AuthenticatingSMTPClient(false, clientTrusting(server.tls().currentCertificate()));
    client.setDefaultTimeout(30_000);
    client.connect(InetAddress.getLoopbackAddress(), server.port(ListenerRole.SUBMISSION));
    try {
      client.ehlo("client.example");
      org.assertj.core.api.Assertions.assertThat(client.execTLS()).as(client.getReplyString()).isTrue();
      client.ehlo("client.example");
      client.auth(org.apache.commons.net.smtp.AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, account, password);
      org.assertj.core.api.Assertions.assertThat(client.getReplyString()).startsWith("235 ");
      return client;
    } catch (Exception | AssertionError e) {
      client.disconnect();
      throw e;
    }
  }

  /** A client TLS context that trusts exactly the server's current certificate. */
  public static SSLContext clientTrusting(X509Certificate certificate) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", certificate);
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }
}
