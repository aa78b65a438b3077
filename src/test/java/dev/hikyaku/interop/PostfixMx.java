package dev.hikyaku.interop;

import dev.hikyaku.dns.TestDnsServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * A {@link PostfixPeer} as the MX of {@value PostfixPeer#DOMAIN} in a {@link TestDnsServer} of its
 * own ({@value PostfixPeer#HOSTNAME} at 127.0.0.1): what the tests that deliver to Postfix resolve
 * and connect to. Closing stops Postfix first (its master must be gone before JUnit removes its
 * queue directory), then the DNS server.
 */
record PostfixMx(PostfixPeer postfix, TestDnsServer dns) implements AutoCloseable {

  /** See {@link PostfixPeer#start(Path, List, List, Optional)}. */
  static PostfixMx start(Path directory, List<String> mailboxes, List<String> refusedForNow, Optional<PostfixPeer.SaslAccount> sasl)
      throws IOException {
    TestDnsServer dns = TestDnsServer.start();
    try {
      dns.mx(PostfixPeer.DOMAIN, 10, PostfixPeer.HOSTNAME).a(PostfixPeer.HOSTNAME, "127.0.0.1");
      return new PostfixMx(PostfixPeer.start(directory, mailboxes, refusedForNow, sasl), dns);
    } catch (IOException | RuntimeException | Error e) {
      dns.close();
      throw e;
    }
  }

  /** See {@link PostfixPeer#start(Path, List)}. */
  static PostfixMx start(Path directory, List<String> mailboxes) throws IOException {
    return start(directory, mailboxes, List.of(), Optional.empty());
  }

  /** The certificate Postfix presents on STARTTLS, for a client that is to trust it alone. */
  X509Certificate certificate() throws IOException, CertificateException {
    try (InputStream in = Files.newInputStream(postfix.certificate())) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  @Override
  public void close() {
    try {
      postfix.close();
    } finally {
      dns.close();
    }
  }
}
