package dev.hikyaku.auth.oauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.hikyaku.testing.TestKeys;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;

/** Test keys and tokens: the issuer side of the exchange, built with nimbus and the JDK. */
final class TokenMint {

  static final String ISSUER = "https://accounts.hikyaku.test";

  static final String AUDIENCE = "hikyaku-smtp";

  static final String ACCOUNT = "alice@hikyaku.test";

  private TokenMint() {}

  /**
   * RSA key pair {@code which} of the run's test keys ({@link TestKeys}) as a JWK named {@code kid}:
   * distinct numbers for keys that must differ (a signer and an impostor).
   */
  static RSAKey rsaKey(String kid, int which) {
    KeyPair pair = TestKeys.rsa2048(which);
    return new RSAKey.Builder((java.security.interfaces.RSAPublicKey) pair.getPublic()).privateKey(pair.getPrivate())
        .keyID(kid).build();
  }

  static ECKey ecKey(String kid) {
    try {
      return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An Ed25519 key: the JDK generates it (nimbus's generator needs Google Tink). */
  record Ed25519Key(OctetKeyPair jwk, KeyPair pair) {}

  static Ed25519Key ed25519Key(String kid) {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      byte[] spki = pair.getPublic().getEncoded();
      // RFC 8410: the raw public key is the last 32 bytes of the SubjectPublicKeyInfo.
      byte[] x = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
      OctetKeyPair jwk = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).keyID(kid).build();
      return new Ed25519Key(jwk, pair);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The public JWK Set of {@code keys} as JSON. */
  static String jwks(JWK... keys) {
    return new JWKSet(Arrays.stream(keys).map(JWK::toPublicJWK).toList()).toString();
  }

  /** Claims of a good token at {@code now}: 10 minutes left. */
  static JWTClaimsSet.Builder claims(Instant now) {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(List.of(AUDIENCE))
        .subject("1184467")
        .claim("email", ACCOUNT)
        .claim("email_verified", true)
        .issueTime(Date.from(now.minusSeconds(60)))
        .expirationTime(Date.from(now.plusSeconds(600)));
  }

  static String sign(RSAKey key, JWSAlgorithm alg, JWTClaimsSet claims) {
    return sign(new JWSHeader.Builder(alg).keyID(key.getKeyID()).build(), key, claims);
  }

  static String sign(JWSHeader header, RSAKey key, JWTClaimsSet claims) {
    try {
      SignedJWT jwt = new SignedJWT(header, claims);
      jwt.sign(new RSASSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sign(ECKey key, JWTClaimsSet claims) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims);
      jwt.sign(new ECDSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A compact JWS signed with Ed25519 by hand (RFC 8037 §3.1). */
  static String sign(Ed25519Key key, JWSAlgorithm alg, JWTClaimsSet claims) {
    try {
      String header = new JWSHeader.Builder(alg).keyID(key.jwk().getKeyID()).build().toBase64URL().toString();
      String payload = Base64URL.encode(claims.toString().getBytes(StandardCharsets.UTF_8)).toString();
      Signature signer = Signature.getInstance("Ed25519");
      signer.initSign(key.pair().getPrivate());
      signer.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
      return header + "." + payload + "." + Base64URL.encode(signer.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Base64url without padding of {@code json}, for hand-made headers and payloads. */
  static String part(String json) {
    return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
