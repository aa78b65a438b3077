package dev.hikyaku.net;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test certificates made at test time (nothing secret is checked in): a server key and certificate,
 * self-signed or issued through an intermediate CA, written as PEM in the key format under test.
 *
 * <pre>{@code
 * TestCertificates server = TestCertificates.ecdsa("mail.example.test");
 * TestCertificates.PemFiles files = server.writeTo(dir);        // certificate.pem, private-key.pem
 * TlsContexts tls = TlsContexts.fromPem(files.certificateChain(), files.privateKey(), Duration.ZERO);
 * SSLContext client = server.clientContext();                  // trusts exactly this server
 * }</pre>
 *
 * <p>Uses BouncyCastle only to build and encode; keys and certificates are JDK objects from the default
 * providers, as in production.
 */
public final class TestCertificates {

  /** How the private key is written. */
  public enum KeyFormat {
    /** RFC 5208 / RFC 7468 §10: "PRIVATE KEY". */
    PKCS8,
    /** The algorithm's own form: PKCS#1 "RSA PRIVATE KEY" (RFC 8017) or SEC1 "EC PRIVATE KEY" (RFC 5915). */
    TRADITIONAL
  }

  /** The key type of the server certificate. */
  public enum KeyAlgorithm {
    RSA_2048,
    EC_P256
  }

  /** Where {@link #writeTo} put the files. */
  public record PemFiles(Path certificateChain, Path privateKey) {}

  private static final SecureRandom RANDOM = new SecureRandom();

  private final PrivateKey privateKey;
  private final List<X509Certificate> chain;
  private final X509Certificate trustAnchor;
  private final KeyFormat keyFormat;

  private TestCertificates(
      PrivateKey privateKey,
      List<X509Certificate> chain,
      X509Certificate trustAnchor,
      KeyFormat keyFormat) {
    this.privateKey = privateKey;
    this.chain = List.copyOf(chain);
    this.trustAnchor = trustAnchor;
    this.keyFormat = keyFormat;
  }

  /** A self-signed ECDSA P-256 server certificate for {@code hostname}, valid from an hour ago for 30 days. */
  public static TestCertificates ecdsa(String hostname) {
    return selfSigned(KeyAlgorithm.EC_P256, hostname, Instant.now().minus(Duration.ofHours(1)),
        Instant.now().plus(Duration.ofDays(30)));
  }

  /** A self-signed RSA-2048 server certificate for {@code hostname}, valid from an hour ago for 30 days. */
  public static TestCertificates rsa(String hostname) {
    return selfSigned(KeyAlgorithm.RSA_2048, hostname, Instant.now().minus(Duration.ofHours(1)),
        Instant.now().plus(Duration.ofDays(30)));
  }

  /** A self-signed server certificate with the given key type and validity. */
  public static TestCertificates selfSigned(
      KeyAlgorithm algorithm, String hostname, Instant notBefore, Instant notAfter) {
    KeyPair keys = generate(algorithm);
    X509Certificate leaf =
        sign(new X500Name("CN=" + hostname), keys, new X500Name("CN=" + hostname), keys.getPrivate(),
            keys.getPublic(), notBefore, notAfter, Role.LEAF, hostname);
    return new TestCertificates(keys.getPrivate(), List.of(leaf), leaf, KeyFormat.PKCS8);
  }

  /**
   * An ECDSA P-256 server certificate for {@code hostname} issued by an intermediate CA, which a root CA
   * issued. The chain holds leaf and intermediate (what a server sends); the root is the trust anchor.
   */
  public static TestCertificates ecdsaWithIntermediate(String hostname) {
    return withIntermediate(KeyAlgorithm.EC_P256, hostname);
  }

  /** As {@link #ecdsaWithIntermediate}, with the server key of the given type (the CAs use P-256). */
  public static TestCertificates withIntermediate(KeyAlgorithm algorithm, String hostname) {
    Instant notBefore = Instant.now().minus(Duration.ofHours(1));
    Instant notAfter = Instant.now().plus(Duration.ofDays(30));
    KeyPair rootKeys = generate(KeyAlgorithm.EC_P256);
    X500Name rootName = new X500Name("CN=Hikyaku Test Root CA, O=Hikyaku tests");
    X509Certificate root =
        sign(rootName, rootKeys, rootName, rootKeys.getPrivate(), rootKeys.getPublic(), notBefore,
            notAfter, Role.ROOT, null);
    KeyPair intermediateKeys = generate(KeyAlgorithm.EC_P256);
    X500Name intermediateName = new X500Name("CN=Hikyaku Test Intermediate CA, O=Hikyaku tests");
    X509Certificate intermediate =
        sign(intermediateName, intermediateKeys, rootName, rootKeys.getPrivate(),
            rootKeys.getPublic(), notBefore, notAfter, Role.INTERMEDIATE, null);
    KeyPair leafKeys = generate(algorithm);
    X509Certificate leaf =
        sign(new X500Name("CN=" + hostname), leafKeys, intermediateName,
            intermediateKeys.getPrivate(), intermediateKeys.getPublic(), notBefore, notAfter,
            Role.LEAF, hostname);
    return new TestCertificates(
        leafKeys.getPrivate(), List.of(leaf, intermediate), root, KeyFormat.PKCS8);
  }

  /** The same certificates, with the key written in {@code format}. */
  public TestCertificates withKeyFormat(KeyFormat format) {
    return new TestCertificates(privateKey, chain, trustAnchor, format);
  }

  /** Writes {@code certificate.pem} (the chain, leaf first) and {@code private-key.pem} into {@code directory}. */
  public PemFiles writeTo(Path directory) {
    return writeTo(directory.resolve("certificate.pem"), directory.resolve("private-key.pem"));
  }

  /** Writes the chain (leaf first) and the key to the given files, replacing them. */
  public PemFiles writeTo(Path certificateFile, Path keyFile) {
    try {
      Files.writeString(certificateFile, certificateChainPem(), StandardCharsets.US_ASCII);
      Files.writeString(keyFile, privateKeyPem(), StandardCharsets.US_ASCII);
      if (Files.getFileAttributeView(keyFile, PosixFileAttributeView.class) != null) {
        // As an operator should keep it; the server warns otherwise.
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new PemFiles(certificateFile, keyFile);
  }

  /** The chain as PEM, leaf first. */
  public String certificateChainPem() {
    var text = new StringWriter();
    try (var writer = new JcaPEMWriter(text)) {
      for (X509Certificate certificate : chain) {
        writer.writeObject(certificate);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  /** The private key as PEM in the chosen format; tests use it to prove it never leaks. */
  public String privateKeyPem() {
    var text = new StringWriter();
    try (var writer = new JcaPEMWriter(text)) {
      switch (keyFormat) {
        case PKCS8 -> writer.writeObject(new JcaPKCS8Generator(privateKey, null));
        case TRADITIONAL -> {
          if (privateKey.getAlgorithm().equals("EC")) {
            writer.writeObject(new PemObject("EC PRIVATE KEY", sec1()));
          } else {
            // JcaPEMWriter writes a bare JDK RSA key as PKCS#1 "RSA PRIVATE KEY".
            writer.writeObject(privateKey);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  /**
   * SEC1 (RFC 5915) as openssl writes it: with the curve OID and the public key. BouncyCastle's own
   * writer leaves the curve out when it comes from a JDK key, which no other tool reads.
   */
  private byte[] sec1() throws IOException {
    PrivateKeyInfo pkcs8 = PrivateKeyInfo.getInstance(privateKey.getEncoded());
    ECPrivateKey inner = ECPrivateKey.getInstance(pkcs8.parsePrivateKey());
    SubjectPublicKeyInfo publicKey =
        SubjectPublicKeyInfo.getInstance(certificate().getPublicKey().getEncoded());
    return new ECPrivateKey(
            256,
            inner.getKey(),
            new DERBitString(publicKey.getPublicKeyData().getBytes()),
            pkcs8.getPrivateKeyAlgorithm().getParameters())
        .getEncoded();
  }

  /** The server certificate. */
  public X509Certificate certificate() {
    return chain.getFirst();
  }

  /** What a server sends: leaf first, then intermediates (never the root). */
  public List<X509Certificate> chain() {
    return chain;
  }

  /** The certificate a client trusts: the root CA, or the certificate itself when self-signed. */
  public X509Certificate trustAnchor() {
    return trustAnchor;
  }

  public PrivateKey privateKey() {
    return privateKey;
  }

  /** A JSSE client context that trusts exactly {@link #trustAnchor()}. */
  public SSLContext clientContext() {
    return clientContextTrusting(trustAnchor);
  }

  /** A JSSE client context that trusts exactly {@code anchors}. */
  public static SSLContext clientContextTrusting(X509Certificate... anchors) {
    try {
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      for (int i = 0; i < anchors.length; i++) {
        trusted.setCertificateEntry("anchor-" + i, anchors[i]);
      }
      var trustManagers = TrustManagerFactory.getInstance("PKIX");
      trustManagers.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trustManagers.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A plain JSSE server context presenting this chain, for fake peers in other packages' tests. */
  public SSLContext serverContext() {
    try {
      char[] password = "test".toCharArray();
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", privateKey, password, chain.toArray(X509Certificate[]::new));
      var keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keyManagers.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "TestCertificates[" + certificate().getSubjectX500Principal() + ", " + keyFormat + "]";
  }

  private enum Role {
    ROOT,
    INTERMEDIATE,
    LEAF
  }

  private static KeyPair generate(KeyAlgorithm algorithm) {
    try {
      return switch (algorithm) {
        // One RSA key for every RSA certificate (no test needs two RSA certificates with different
        // keys; the key-mismatch tests use P-256, whose keys are fresh each time).
        case RSA_2048 -> dev.hikyaku.testing.TestKeys.rsa2048(0);
        case EC_P256 -> {
          KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
          generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
          yield generator.generateKeyPair();
        }
      };
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate sign(
      X500Name subject,
      KeyPair subjectKeys,
      X500Name issuer,
      PrivateKey issuerKey,
      java.security.PublicKey issuerPublicKey,
      Instant notBefore,
      Instant notAfter,
      Role role,
      String hostname) {
    try {
      var utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              issuer,
              new BigInteger(64, RANDOM).setBit(63),
              Date.from(notBefore),
              Date.from(notAfter),
              subject,
              subjectKeys.getPublic());
      builder.addExtension(
          Extension.subjectKeyIdentifier, false,
          utils.createSubjectKeyIdentifier(subjectKeys.getPublic()));
      builder.addExtension(
          Extension.authorityKeyIdentifier, false,
          utils.createAuthorityKeyIdentifier(issuerPublicKey));
      switch (role) {
        case ROOT -> {
          builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
          builder.addExtension(
              Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        }
        case INTERMEDIATE -> {
          builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
          builder.addExtension(
              Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        }
        case LEAF -> {
          builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
          int usage =
              subjectKeys.getPublic().getAlgorithm().equals("RSA")
                  ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment
                  : KeyUsage.digitalSignature;
          builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
          builder.addExtension(
              Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
          List<GeneralName> names = new ArrayList<>();
          names.add(
              SelfSignedCertificate.isIpLiteral(hostname)
                  ? new GeneralName(GeneralName.iPAddress, hostname)
                  : new GeneralName(GeneralName.dNSName, hostname));
          builder.addExtension(
              Extension.subjectAlternativeName, false,
              new GeneralNames(names.toArray(GeneralName[]::new)));
        }
      }
      String signature =
          issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder(signature).build(issuerKey)));
    } catch (Exception e) {
      throw new IllegalStateException("cannot issue a test certificate for " + subject, e);
    }
  }
}
