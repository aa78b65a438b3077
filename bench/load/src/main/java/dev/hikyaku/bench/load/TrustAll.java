package dev.hikyaku.bench.load;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS for the load tool: accepts any server certificate. The servers under test run on loopback
 * with self-signed certificates made for the run; checking them would measure nothing useful. Never
 * copy this into a mail client.
 */
final class TrustAll extends X509ExtendedTrustManager {

  private TrustAll() {}

  /**
   * A socket factory over a fresh context. Each context has its own client session cache, so a
   * factory made per connection means a full handshake every time.
   */
  static SSLSocketFactory socketFactory() {
    return context().getSocketFactory();
  }

  /**
   * A fresh context that trusts any server. Being an {@link X509ExtendedTrustManager} that checks
   * nothing, it also skips the host name check the JDK's HTTP client asks for.
   */
  static SSLContext context() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new TrustAll()}, new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK's TLS provider is missing", e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) {}

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) {}

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
