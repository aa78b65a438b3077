package dev.hikyaku.mailauth;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;

/** Turns stored key octets (PKCS#8, SubjectPublicKeyInfo) into {@link DkimKey}s and back. */
public final class DkimKeys {

  private DkimKeys() {}

  /** A key of {@code domain} under {@code selector}, read from its DER encodings. */
  public static DkimKey read(String domain, String selector, DkimAlgorithm algorithm, byte[] pkcs8, byte[] spki)
      throws GeneralSecurityException {
    KeyFactory factory = KeyFactory.getInstance(algorithm.keyFactory());
    PrivateKey privateKey = factory.generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    PublicKey publicKey = factory.generatePublic(new X509EncodedKeySpec(spki));
    return new DkimKey(domain, selector, algorithm, privateKey, algorithm.publicKeyData(publicKey));
  }

  /** The key a new pair makes. */
  public static DkimKey of(String domain, String selector, DkimAlgorithm algorithm, KeyPair pair) {
    return new DkimKey(domain, selector, algorithm, pair.getPrivate(), algorithm.publicKeyData(pair.getPublic()));
  }
}
