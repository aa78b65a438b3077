package dev.hikyaku.interop;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * The identity provider of the XOAUTH2 and OAUTHBEARER interop tests: an RSA key whose public JWK
 * set (RFC 7517) is written to a file the server's {@code auth.oauth.jwks-file} names, and JWTs
 * (RFC 7519) signed with it. The private key never leaves this object.
 */
final class TokenIssuer {

  static final String ISSUER = "https://accounts.hikyaku.test";
  static final String AUDIENCE = "hikyaku-test";
  /** The claim that names the account ({@code auth.oauth.account-claim}). */
  static final String ACCOUNT_CLAIM = "email";

  private static final Duration LIFETIME = Duration.ofMinutes(10);

  private final RSAKey key;
  private final Path jwksFile;
  private final Clock clock;

  private TokenIssuer(RSAKey key, Path jwksFile, Clock clock) {
    this.key = key;
    this.jwksFile = jwksFile;
    this.clock = clock;
  }

  /** A fresh key, its public JWK set written to {@code directory/jwks.json}. */
  static TokenIssuer create(Path directory) throws IOException {
    RSAKey key;
    try {
      key = new RSAKeyGenerator(2048).keyID("interop-1").generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate the issuer's RSA key", e);
    }
    Path file = directory.resolve("jwks.json");
    Files.writeString(file, new JWKSet(key.toPublicJWK()).toString(), StandardCharsets.UTF_8);
    return new TokenIssuer(key, file, Clock.systemUTC());
  }

  Path jwksFile() {
    return jwksFile;
  }

  /** A good token for {@code account}: our issuer and audience, valid for ten minutes. */
  String token(String account) {
    return sign(claims(account, clock.instant()).build());
  }

  /** A token that expired an hour ago, far beyond the server's clock-skew allowance. */
  String expiredToken(String account) {
    Instant anHourAgo = clock.instant().minus(Duration.ofHours(1));
    return sign(claims(account, anHourAgo).build());
  }

  /** A good token, except that it was issued for another service ({@code aud}). */
  String tokenForAudience(String account, String audience) {
    return sign(claims(account, clock.instant()).audience(List.of(audience)).build());
  }

  private static JWTClaimsSet.Builder claims(String account, Instant issuedAt) {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(List.of(AUDIENCE))
        .subject("user-" + account.hashCode())
        .claim(ACCOUNT_CLAIM, account)
        .claim("email_verified", true)
        .issueTime(Date.from(issuedAt))
        .expirationTime(Date.from(issuedAt.plus(LIFETIME)));
  }

  private String sign(JWTClaimsSet claims) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
      jwt.sign(new RSASSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a test token", e);
    }
  }
}
