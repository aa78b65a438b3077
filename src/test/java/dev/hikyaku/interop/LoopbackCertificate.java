package dev.hikyaku.interop;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed server certificate (ECDSA P-256) whose subjectAltName holds both the server's
 * host name and the address {@code 127.0.0.1}, written as PEM for the config's {@code tls} section.
 *
 * <p>Why both: most clients here can be told to send one name and connect to another (curl's
 * {@code --connect-to}, msmtp's {@code tls_host_override}, a Python socket), and they check the
 * host name. gsasl cannot: it checks the certificate against the host it connects to, and without
 * DNS for the test name that is {@code 127.0.0.1} (RFC 6125 §6.2.1 lets an IP address match an
 * iPAddress entry). Verification stays on for every client.
 */
final class LoopbackCertificate {

  static final String LOOPBACK = "127.0.0.1";

  private static final SecureRandom RANDOM = new SecureRandom();

  private LoopbackCertificate() {}

  /** Where {@link #write} put the two files. */
  record PemFiles(Path certificate, Path privateKey) {}

  /** Generates a key and certificate for {@code hostname} and {@link #LOOPBACK} in {@code directory}. */
  static PemFiles write(Path directory, String hostname) throws IOException {
    KeyPair keys;
    X509Certificate certificate;
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      keys = generator.generateKeyPair();
      X500Name name = new X500Name("CN=" + hostname);
      Instant now = Instant.now();
      var builder =
          new JcaX509v3CertificateBuilder(
              name,
              new BigInteger(64, RANDOM).setBit(63),
              Date.from(now.minus(Duration.ofHours(1))),
              Date.from(now.plus(Duration.ofDays(30))),
              name,
              keys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      builder.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              new GeneralName[] {
                new GeneralName(GeneralName.dNSName, hostname), new GeneralName(GeneralName.iPAddress, LOOPBACK)
              }));
      certificate =
          new JcaX509CertificateConverter()
              .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make the test certificate for " + hostname, e);
    }
    Path certificateFile = directory.resolve("loopback-cert.pem");
    Path keyFile = directory.resolve("loopback-key.pem");
    Files.writeString(certificateFile, pem(certificate), StandardCharsets.US_ASCII);
    Files.writeString(keyFile, pem(new JcaPKCS8Generator(keys.getPrivate(), null)), StandardCharsets.US_ASCII);
    // As an operator keeps a key: the server warns about a key others can read.
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
    return new PemFiles(certificateFile, keyFile);
  }

  private static String pem(Object object) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(object);
    }
    return text.toString();
  }
}
