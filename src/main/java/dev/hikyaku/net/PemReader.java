package dev.hikyaku.net;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads PEM files (RFC 7468) into JDK objects. BouncyCastle parses; the JDK's default providers build the
 * keys and certificates, because BouncyCastle is never registered as a JCE provider here (the shaded jar
 * has its signatures stripped, so a signed-provider check would fail).
 *
 * <p>Everything said about a private key file is in our own words: parser messages are passed through
 * {@link #describe(Throwable)}, which drops anything that could be quoted Base64.
 */
final class PemReader {

  /** Real certificate chains and keys are a few KiB; anything this large is the wrong file. */
  private static final long MAX_FILE_BYTES = 1 << 20;

  /** A run this long of Base64 alphabet could be a quoted PEM body; never echo one. */
  private static final Pattern BASE64_RUN = Pattern.compile("[A-Za-z0-9+/=]{24,}");

  private PemReader() {}

  /** The certificates in {@code file}, in file order (leaf first by convention). */
  static List<X509Certificate> readCertificateChain(Path file) throws TlsSetupException {
    var converter = new JcaX509CertificateConverter();
    var chain = new ArrayList<X509Certificate>();
    try (Reader reader = open(file);
        var parser = new PEMParser(reader)) {
      for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
        // A combined file (key and chain in one) is common; anything but certificates is skipped here.
        if (object instanceof X509CertificateHolder holder) {
          chain.add(converter.getCertificate(holder));
        }
      }
    } catch (TlsSetupException e) {
      throw e;
    } catch (CertificateException e) {
      throw new TlsSetupException(
          file, "holds a CERTIFICATE block the JDK cannot decode (" + describe(e) + ")", e);
    } catch (IOException | RuntimeException e) {
      // No cause attached: a combined file may hold the private key next to the chain.
      throw new TlsSetupException(
          file, "is not a readable PEM certificate chain (" + describe(e) + ")");
    }
    if (chain.isEmpty()) {
      throw new TlsSetupException(
          file, "holds no PEM CERTIFICATE block (expected the server certificate, then intermediates)");
    }
    return List.copyOf(chain);
  }

  /**
   * The one private key in {@code file}: PKCS#8 "PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY" or SEC1 "EC
   * PRIVATE KEY" (an "EC PARAMETERS" block before it, as {@code openssl ecparam -genkey} writes, is
   * fine). Encrypted keys are refused: the server has nobody to ask for a passphrase.
   */
  static PrivateKey readPrivateKey(Path file) throws TlsSetupException {
    PrivateKeyInfo found = null;
    try (Reader reader = open(file);
        var parser = new PEMParser(reader)) {
      for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
        PrivateKeyInfo info =
            switch (object) {
              case PrivateKeyInfo pkcs8 -> pkcs8;
              case PEMKeyPair traditional -> traditional.getPrivateKeyInfo();
              case PKCS8EncryptedPrivateKeyInfo ignored -> throw encrypted(file);
              case PEMEncryptedKeyPair ignored -> throw encrypted(file);
              // EC PARAMETERS, certificates in a combined file, public keys: not the key.
              default -> null;
            };
        if (info == null) {
          continue;
        }
        if (found != null) {
          throw new TlsSetupException(file, "holds more than one private key; keep exactly one");
        }
        found = info;
      }
    } catch (TlsSetupException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // No cause attached: the parser's exception may carry fragments of the key.
      throw new TlsSetupException(
          file, "is not a readable PEM private key (" + describe(e) + ")");
    }
    if (found == null) {
      throw new TlsSetupException(
          file,
          "holds no private key (expected a PEM block PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }
    try {
      // Name the JDK algorithms ourselves so the default providers (SunRsaSign, SunEC) answer.
      return new JcaPEMKeyConverter()
          .setAlgorithmMapping(PKCSObjectIdentifiers.rsaEncryption, "RSA")
          .setAlgorithmMapping(X9ObjectIdentifiers.id_ecPublicKey, "EC")
          .getPrivateKey(found);
    } catch (IOException | RuntimeException e) {
      ASN1ObjectIdentifier algorithm = found.getPrivateKeyAlgorithm().getAlgorithm();
      throw new TlsSetupException(
          file,
          "holds a private key of algorithm "
              + algorithm
              + " that cannot be used (Hikyaku serves RSA or ECDSA keys; "
              + describe(e)
              + ")");
    }
  }

  private static TlsSetupException encrypted(Path file) {
    return new TlsSetupException(
        file,
        "holds an encrypted private key; the server cannot prompt for a passphrase. Store it"
            + " unencrypted and readable only by the server user (openssl pkey -in OLD -out NEW)");
  }

  private static Reader open(Path file) throws TlsSetupException {
    try {
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        throw new TlsSetupException(
            file, "is " + size + " bytes; a PEM certificate or key is a few KiB (wrong file?)");
      }
      // PEM is ASCII (RFC 7468 §2); ISO-8859-1 never fails to decode, so binary junk reaches the parser
      // and gets its clear "not PEM" answer instead of a charset error.
      return Files.newBufferedReader(file, StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      throw new TlsSetupException(file, "does not exist");
    } catch (IOException e) {
      throw new TlsSetupException(file, "cannot be read (" + describe(e) + ")");
    }
  }

  /** The exception's type and message, with anything that looks like quoted Base64 removed. */
  static String describe(Throwable e) {
    String message = e.getMessage();
    String type = e.getClass().getSimpleName();
    if (message == null || message.isBlank()) {
      return type;
    }
    return type + ": " + BASE64_RUN.matcher(message).replaceAll("[...]");
  }
}
