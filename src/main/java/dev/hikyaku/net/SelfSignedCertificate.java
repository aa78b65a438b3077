package dev.hikyaku.net;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
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
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate a fresh install serves until an operator configures a real one: ECDSA P-256, X.509 v3,
 * the hostname as CN and SAN, serverAuth only. Kept on disk so restarts present the same certificate
 * (clients that pinned it on first use keep working).
 */
final class SelfSignedCertificate {

  private static final Logger LOG = LoggerFactory.getLogger(SelfSignedCertificate.class);

  /** The CA/Browser Forum's old ceiling for server certificates; long enough to be left alone. */
  static final Duration VALIDITY = Duration.ofDays(825);

  /** Backdated so a client whose clock runs a little slow does not see a certificate from the future. */
  private static final Duration BACKDATE = Duration.ofHours(1);

  private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private SelfSignedCertificate() {}

  /**
   * Why the files cannot be reused for {@code hostname}, or empty when they can: both exist, the key
   * matches, the certificate has not expired and its SAN names the host.
   */
  static Optional<String> reasonToRegenerate(
      Path certificateFile, Path keyFile, String hostname, Clock clock) {
    if (!Files.exists(certificateFile) || !Files.exists(keyFile)) {
      return Optional.of("none generated yet");
    }
    ServerIdentity existing;
    try {
      existing = ServerIdentity.load(certificateFile, keyFile, clock);
    } catch (TlsSetupException e) {
      return Optional.of("the existing pair is unusable: " + e.getMessage());
    }
    X509Certificate leaf = existing.leaf();
    Instant notAfter = leaf.getNotAfter().toInstant();
    if (!clock.instant().isBefore(notAfter)) {
      return Optional.of("the existing certificate expired on " + notAfter);
    }
    if (!coversHost(leaf, hostname)) {
      return Optional.of("the existing certificate does not name " + hostname);
    }
    return Optional.empty();
  }

  /** Whether a subjectAltName entry of {@code certificate} is exactly {@code hostname}. */
  static boolean coversHost(X509Certificate certificate, String hostname) {
    Collection<List<?>> names;
    try {
      names = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return false;
    }
    if (names == null) {
      return false;
    }
    boolean isIpLiteral = isIpLiteral(hostname);
    for (List<?> name : names) {
      int type = (Integer) name.get(0);
      String value = String.valueOf(name.get(1));
      if (!isIpLiteral && type == GeneralName.dNSName && sameDnsName(value, hostname)) {
        return true;
      }
      if (isIpLiteral && type == GeneralName.iPAddress && sameAddress(value, hostname)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Generates a key and certificate for {@code hostname} and writes them: the key first, created 0600
   * where the file system is POSIX, then the certificate, each by atomic rename so no reader ever sees
   * a half-written file.
   */
  static void generate(
      String hostname, Path certificateFile, Path keyFile, Clock clock, SecureRandom random)
      throws TlsSetupException {
    String keyPem;
    String certificatePem;
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), random);
      KeyPair keyPair = generator.generateKeyPair();
      X509Certificate certificate = issue(hostname, keyPair, clock.instant(), random);
      // PKCS#8 "PRIVATE KEY": the form every TLS server and openssl 3 read without flags.
      keyPem = pem(new JcaPKCS8Generator(keyPair.getPrivate(), null));
      certificatePem = pem(certificate);
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new TlsSetupException(
          certificateFile, "cannot generate a self-signed certificate (" + PemReader.describe(e) + ")");
    }
    try {
      Files.createDirectories(certificateFile.toAbsolutePath().getParent());
      Files.createDirectories(keyFile.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new TlsSetupException(
          certificateFile, "cannot create its directory (" + PemReader.describe(e) + ")");
    }
    writeAtomically(keyFile, keyPem, true);
    writeAtomically(certificateFile, certificatePem, false);
  }

  private static X509Certificate issue(
      String hostname, KeyPair keyPair, Instant now, SecureRandom random)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, hostname).build();
    Instant notBefore = now.minus(BACKDATE);
    Instant notAfter = notBefore.plus(VALIDITY);
    // RFC 5280 §4.1.2.2: positive, at most 20 octets; 127 random bits keep it unique.
    BigInteger serial = new BigInteger(127, random).setBit(126);
    var extensions = new JcaX509ExtensionUtils();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            subject,
            serial,
            Date.from(notBefore),
            Date.from(notAfter),
            subject,
            keyPair.getPublic());
    GeneralName san =
        isIpLiteral(hostname)
            ? new GeneralName(GeneralName.iPAddress, hostname)
            : new GeneralName(GeneralName.dNSName, hostname);
    // RFC 6125 §6.4.4 / RFC 2818: clients match the SAN, never the CN, when a SAN is present.
    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(san));
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    builder.addExtension(
        Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    builder.addExtension(
        Extension.subjectKeyIdentifier,
        false,
        extensions.createSubjectKeyIdentifier(keyPair.getPublic()));
    var signer = new JcaContentSignerBuilder("SHA256withECDSA").setSecureRandom(random);
    return new JcaX509CertificateConverter()
        .getCertificate(builder.build(signer.build(keyPair.getPrivate())));
  }

  private static String pem(Object object) throws IOException {
    var text = new StringWriter();
    try (var writer = new JcaPEMWriter(text)) {
      writer.writeObject(object);
    }
    return text.toString();
  }

  private static void writeAtomically(Path target, String content, boolean isSecret)
      throws TlsSetupException {
    Path directory = target.toAbsolutePath().getParent();
    Path temporary = null;
    try {
      boolean isPosix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
      FileAttribute<?>[] attributes =
          isSecret && isPosix
              ? new FileAttribute<?>[] {
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
              }
              : new FileAttribute<?>[0];
      // Created with its final permissions, so the key is never readable by others, not even briefly.
      temporary = Files.createTempFile(directory, "." + target.getFileName(), ".tmp", attributes);
      Files.writeString(temporary, content, StandardCharsets.US_ASCII);
      try {
        Files.move(
            temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new TlsSetupException(target, "cannot be written (" + PemReader.describe(e) + ")");
    } finally {
      if (temporary != null) {
        try {
          Files.deleteIfExists(temporary);
        } catch (IOException e) {
          // Only left behind when the move failed, which was reported above.
          LOG.debug("{}: cannot remove {}", target, temporary);
        }
      }
    }
  }

  /** Whether {@code hostname} is an IPv4 or IPv6 address literal rather than a DNS name. */
  static boolean isIpLiteral(String hostname) {
    return hostname.indexOf(':') >= 0 || IPV4_LITERAL.matcher(hostname).matches();
  }

  private static boolean sameDnsName(String a, String b) {
    return stripRootDot(a).toLowerCase(Locale.ROOT).equals(stripRootDot(b).toLowerCase(Locale.ROOT));
  }

  private static String stripRootDot(String name) {
    return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
  }

  private static boolean sameAddress(String a, String b) {
    try {
      // Both are literals, so getByName parses them without a DNS lookup.
      return InetAddress.getByName(a).equals(InetAddress.getByName(b));
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
