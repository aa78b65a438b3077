package dev.hikyaku.delivery;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Provider;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jsse.BCSSLParameters;
import org.bouncycastle.jsse.BCSSLSocket;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;

/**
 * The outbound TLS of {@code delivery.key-exchange: hybrid}: Bouncy Castle's JSSE provider, whose
 * client offers X25519MLKEM768 (X25519 with ML-KEM-768) first, which the JDK's TLS (25) cannot. Its
 * contexts take the same trust managers as the JDK's (the WebPKI's, the DANE trust, none); a socket
 * of one offers {@link #GROUPS}. P-256 and P-384 stay in the list: BC offers the ECDSA signature
 * scheme of a curve only with that curve among the groups, and most MX hosts sign with P-256.
 */
public final class HybridTls {

  static final String[] GROUPS = {"X25519MLKEM768", "x25519", "secp256r1", "secp384r1"};

  private static final Provider PROVIDER = new BouncyCastleJsseProvider(new BouncyCastleProvider());

  private HybridTls() {}

  /** A context that verifies servers against the JDK's trust store (cacerts), as the JDK's default does. */
  public static SSLContext verifyingContext() {
    try {
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init((KeyStore) null);
      return context(factory.getTrustManagers());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK's trust store cannot be read", e);
    }
  }

  /** A Bouncy Castle context trusting servers as {@code trust} does. */
  static SSLContext context(TrustManager... trust) {
    try {
      SSLContext context = SSLContext.getInstance("TLS", PROVIDER);
      context.init(null, trust, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Bouncy Castle's JSSE offers no TLS context", e);
    }
  }

  /** Whether {@code context} is one of these (its sockets can offer the hybrid group). */
  static boolean isHybrid(SSLContext context) {
    return context.getProvider().getName().equals(PROVIDER.getName());
  }

  /** Makes a socket of a hybrid context offer {@link #GROUPS}; leaves any other socket alone. */
  static void offerGroups(SSLSocket socket) {
    if (socket instanceof BCSSLSocket bc) {
      BCSSLParameters parameters = bc.getParameters();
      parameters.setNamedGroups(GROUPS);
      bc.setParameters(parameters);
    }
  }
}
