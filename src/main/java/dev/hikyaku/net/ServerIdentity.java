package dev.hikyaku.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A certificate chain (leaf first) with the private key of its leaf, checked to belong together.
 *
 * <p>Invariant: {@code key} signs what {@code chain.get(0)}'s public key verifies. Nothing weaker is
 * ever turned into a TLS context, so a half-written or mismatched pair can never replace a working one.
 */
record ServerIdentity(List<X509Certificate> chain, PrivateKey key) {

  private static final Logger LOG = LoggerFactory.getLogger(ServerIdentity.class);

  ServerIdentity {
    chain = List.copyOf(chain);
  }

  /** Never the key: a JDK key's own toString may print its private parts. */
  @Override
  public String toString() {
    return "ServerIdentity[" + leaf().getSubjectX500Principal().getName() + ", " + key.getAlgorithm()
        + " key]";
  }

  X509Certificate leaf() {
    return chain.getFirst();
  }

  /** Reads both files and proves the key matches the leaf; warns about things that still work. */
  static ServerIdentity load(Path certificateChain, Path privateKey, Clock clock)
      throws TlsSetupException {
    List<X509Certificate> chain = PemReader.readCertificateChain(certificateChain);
    PrivateKey key = PemReader.readPrivateKey(privateKey);
    requireMatch(chain, certificateChain, key, privateKey);
    warnAboutOrder(chain, certificateChain);
    warnAboutValidity(chain.getFirst(), certificateChain, clock.instant());
    warnAboutPermissions(privateKey);
    return new ServerIdentity(chain, key);
  }

  private static void requireMatch(
      List<X509Certificate> chain, Path certificateFile, PrivateKey key, Path keyFile)
      throws TlsSetupException {
    X509Certificate leaf = chain.getFirst();
    String keyAlgorithm = key.getAlgorithm();
    String certificateAlgorithm = leaf.getPublicKey().getAlgorithm();
    if (!keyAlgorithm.equals(certificateAlgorithm)) {
      throw new TlsSetupException(
          keyFile,
          "holds a private key of type "
              + keyAlgorithm
              + ", but the first certificate in "
              + certificateFile
              + " has a public key of type "
              + certificateAlgorithm
              + "; they do not belong together");
    }
    if (provesPossession(key, leaf)) {
      return;
    }
    // A common mistake is a chain in the wrong order; say so instead of a bare "mismatch".
    for (int i = 1; i < chain.size(); i++) {
      if (chain.get(i).getPublicKey().getAlgorithm().equals(keyAlgorithm)
          && provesPossession(key, chain.get(i))) {
        throw new TlsSetupException(
            certificateFile,
            "lists the certificate for the private key in "
                + keyFile
                + " at position "
                + (i + 1)
                + "; the server certificate must come first, then its issuers");
      }
    }
    throw new TlsSetupException(
        keyFile,
        "does not match the server certificate in "
            + certificateFile
            + " (subject "
            + leaf.getSubjectX500Principal().getName()
            + ")");
  }

  /** Signs a random challenge with the key and verifies it with the certificate's public key. */
  private static boolean provesPossession(PrivateKey key, X509Certificate certificate) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "EC" -> "SHA256withECDSA";
          case "RSA" -> "SHA256withRSA";
          default -> null;
        };
    if (algorithm == null) {
      return false;
    }
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      // A key on another curve than the certificate, for instance: not a match.
      return false;
    }
  }

  private static void warnAboutOrder(List<X509Certificate> chain, Path file) {
    for (int i = 1; i < chain.size(); i++) {
      if (!chain.get(i).getSubjectX500Principal().equals(chain.get(i - 1).getIssuerX500Principal())) {
        LOG.warn(
            "{}: certificate {} is not the issuer of certificate {}; clients may fail to verify the"
                + " chain. List the server certificate first, then each issuer in turn.",
            file,
            i + 1,
            i);
      }
    }
  }

  private static void warnAboutValidity(X509Certificate leaf, Path file, Instant now) {
    if (now.isAfter(leaf.getNotAfter().toInstant())) {
      LOG.warn("{}: the server certificate expired on {}; clients that verify will refuse it", file,
          leaf.getNotAfter().toInstant());
    } else if (now.isBefore(leaf.getNotBefore().toInstant())) {
      LOG.warn("{}: the server certificate is not valid before {}; check the clock", file,
          leaf.getNotBefore().toInstant());
    }
  }

  private static void warnAboutPermissions(Path keyFile) {
    PosixFileAttributeView view = Files.getFileAttributeView(keyFile, PosixFileAttributeView.class);
    if (view == null) {
      return;
    }
    try {
      Set<PosixFilePermission> permissions = view.readAttributes().permissions();
      if (permissions.contains(PosixFilePermission.OTHERS_READ)) {
        LOG.warn("{}: the private key is readable by every user; chmod 600 it", keyFile);
      }
    } catch (IOException e) {
      LOG.debug("{}: cannot read permissions ({})", keyFile, PemReader.describe(e));
    }
  }
}
