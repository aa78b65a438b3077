package dev.hikyaku.net;

import javax.net.ssl.SSLSession;

/** What a completed TLS handshake negotiated; recorded in Received headers and the queue. */
public record TlsFacts(String protocol, String cipherSuite) {

  public static TlsFacts of(SSLSession session) {
    return new TlsFacts(session.getProtocol(), session.getCipherSuite());
  }

  @Override
  public String toString() {
    return protocol + " " + cipherSuite;
  }
}
