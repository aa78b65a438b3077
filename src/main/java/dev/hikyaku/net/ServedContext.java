package dev.hikyaku.net;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One good context of {@link TlsContexts} with the facts it was built from, and how one is built
 * from a {@link ServerIdentity} (protocols and suites as {@link TlsContexts#PROTOCOLS} and {@link
 * TlsContexts#CIPHER_SUITES} say). {@code inbound} serves the SMTP listeners: {@code jdk} itself,
 * or a BoringSSL engine made from the same identity ({@code tls.engine}).
 */
record ServedContext(
    JdkTlsEngine jdk,
    TlsEngine inbound,
    X509ExtendedKeyManager keyManager,
    List<X509Certificate> chain) {

  // Logged under TlsContexts, as before: the operator's TLS lines keep one logger name.
  private static final Logger LOG = LoggerFactory.getLogger(TlsContexts.class);

  /** Protects nothing: the PKCS#12 store exists only in memory to hand the key to JSSE. */
  private static final char[] IN_MEMORY_STORE_PASSWORD = "in-memory".toCharArray();

  SSLContext context() {
    return jdk.context();
  }

  List<String> protocols() {
    return jdk.protocols();
  }

  List<String> cipherSuites() {
    return jdk.cipherSuites();
  }

  static ServedContext build(ServerIdentity identity, Path certificateFile, TlsEngineKind engineKind, KeyExchange keyExchange)
      throws TlsSetupException {
    X509Certificate[] chain = identity.chain().toArray(X509Certificate[]::new);
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", identity.key(), IN_MEMORY_STORE_PASSWORD, chain);
      KeyManagerFactory keyManagers =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keyManagers.init(store, IN_MEMORY_STORE_PASSWORD);
      SSLContext context = SSLContext.getInstance("TLS");
      // No trust managers: the server never asks for client certificates, so the JDK's CA store is
      // not loaded for nothing on every reload.
      context.init(keyManagers.getKeyManagers(), new TrustManager[0], null);
      SSLParameters supported = context.getSupportedSSLParameters();
      List<String> protocols = intersect(TlsContexts.PROTOCOLS, supported.getProtocols());
      List<String> suites = intersect(TlsContexts.CIPHER_SUITES, supported.getCipherSuites());
      if (protocols.isEmpty() || suites.isEmpty()) {
        throw new IllegalStateException(
            "this JDK supports none of " + TlsContexts.PROTOCOLS + " or none of " + TlsContexts.CIPHER_SUITES);
      }
      X509ExtendedKeyManager keyManager =
          Arrays.stream(keyManagers.getKeyManagers())
              .filter(X509ExtendedKeyManager.class::isInstance)
              .map(X509ExtendedKeyManager.class::cast)
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("the JDK's key manager factory gave no X509ExtendedKeyManager"));
      JdkTlsEngine jdk = new JdkTlsEngine(context, protocols, suites);
      TlsEngine inbound = switch (engineKind) {
        case JDK -> jdk;
        case BORINGSSL -> boringSsl(identity, certificateFile, protocols, suites, keyExchange);
      };
      return new ServedContext(jdk, inbound, keyManager, identity.chain());
    } catch (GeneralSecurityException | IOException e) {
      throw new TlsSetupException(
          certificateFile,
          "holds a certificate that JSSE cannot serve with its key (" + PemReader.describe(e) + ")");
    }
  }

  private static BoringSslEngine boringSsl(
      ServerIdentity identity, Path certificateFile, List<String> protocols, List<String> suites, KeyExchange keyExchange)
      throws TlsSetupException {
    try {
      return BoringSslEngine.of(identity, protocols, suites, keyExchange);
    } catch (SSLException | RuntimeException e) {
      // Netty's messages name the problem, not the key's content.
      throw new TlsSetupException(certificateFile, "holds a certificate that BoringSSL (tls.engine: boringssl)"
          + " cannot serve with its key (" + e.getMessage() + ")");
    }
  }

  private static List<String> intersect(List<String> wanted, String[] available) {
    List<String> have = Arrays.asList(available);
    return wanted.stream().filter(have::contains).toList();
  }

  static String describe(ServedContext served, Path file) {
    X509Certificate leaf = served.chain().getFirst();
    return "%s from %s (%d certificate(s), %s key, valid until %s, SHA-256 %s)"
        .formatted(
            leaf.getSubjectX500Principal().getName(),
            file,
            served.chain().size(),
            leaf.getPublicKey().getAlgorithm(),
            leaf.getNotAfter().toInstant(),
            fingerprint(leaf));
  }

  /**
   * An RSA key is served as given, but the operator hears what it costs: JSSE signs with RSA-2048 in
   * about twice the server CPU per full handshake of ECDSA P-256 (issue 15, bench/README.md "TLS
   * handshakes": 1.00 against 0.46, TLS 1.3 with X25519), and every STARTTLS or port-465 connection
   * without resumption pays it.
   */
  static void adviseOnKeyType(ServedContext served) {
    if ("RSA".equals(served.chain().getFirst().getPublicKey().getAlgorithm())) {
      LOG.info(
          "TLS key is RSA: an ECDSA P-256 certificate (e.g. certbot's default key type) needs about"
              + " half the server CPU per full TLS handshake");
    }
  }

  private static String fingerprint(X509Certificate certificate) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
      return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    } catch (GeneralSecurityException e) {
      return "unavailable";
    }
  }
}
