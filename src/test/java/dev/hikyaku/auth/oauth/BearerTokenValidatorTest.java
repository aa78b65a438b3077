package dev.hikyaku.auth.oauth;

import static dev.hikyaku.auth.oauth.TokenMint.ACCOUNT;
import static dev.hikyaku.auth.oauth.TokenMint.AUDIENCE;
import static dev.hikyaku.auth.oauth.TokenMint.ISSUER;
import static dev.hikyaku.auth.oauth.TokenMint.claims;
import static dev.hikyaku.auth.oauth.TokenMint.jwks;
import static dev.hikyaku.auth.oauth.TokenMint.part;
import static dev.hikyaku.auth.oauth.TokenMint.sign;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.hikyaku.testing.SettableClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token validation against a JWKS file: signatures, algorithms, claims, file reloads. */
class BearerTokenValidatorTest {

  private static final Instant NOW = Instant.parse("2026-03-14T09:26:53Z");

  private static final Duration SKEW = Duration.ofSeconds(60);

  private static RSAKey rsa;
  private static ECKey ec;
  private static TokenMint.Ed25519Key ed;
  private static RSAKey stranger;

  @TempDir Path dir;

  private SettableClock clock;
  private Path jwksFile;
  private BearerTokenValidator validator;

  @BeforeAll
  static void keys() {
    rsa = TokenMint.rsaKey("rsa-1", 0);
    ec = TokenMint.ecKey("ec-1");
    ed = TokenMint.ed25519Key("ed-1");
    stranger = TokenMint.rsaKey("rsa-1", 1); // same kid, different key: an impostor
  }

  @BeforeEach
  void validator() throws IOException {
    clock = new SettableClock(NOW);
    jwksFile = dir.resolve("jwks.json");
    Files.writeString(jwksFile, jwks(rsa, ec, ed.jwk()));
    validator = new BearerTokenValidator(issuerWith(jwksFile, "email"), clock);
  }

  @AfterEach
  void close() {
    validator.close();
  }

  private static OAuthIssuer issuerWith(Path file, String accountClaim) {
    return new OAuthIssuer(ISSUER, Optional.empty(), Optional.of(file), List.of("other-app", AUDIENCE), accountClaim, SKEW);
  }

  private static JWTClaimsSet good() {
    return claims(NOW).build();
  }

  private static String reasonOf(TokenVerdict verdict) {
    assertThat(verdict).isInstanceOf(TokenVerdict.Invalid.class);
    return ((TokenVerdict.Invalid) verdict).reason();
  }

  // --- accepted ---

  @Test
  void acceptsRs256AndNamesTheAccount() {
    TokenVerdict verdict = validator.validate(sign(rsa, JWSAlgorithm.RS256, good()));

    assertThat(verdict).isEqualTo(new TokenVerdict.Valid(ACCOUNT, "1184467", NOW.plusSeconds(600)));
  }

  @Test
  void acceptsEs256() {
    assertThat(validator.validate(sign(ec, good()))).isEqualTo(new TokenVerdict.Valid(ACCOUNT, "1184467", NOW.plusSeconds(600)));
  }

  @Test
  void acceptsPs256() {
    assertThat(validator.validate(sign(rsa, JWSAlgorithm.PS256, good()))).isInstanceOf(TokenVerdict.Valid.class);
  }

  @Test
  void acceptsEd25519UnderBothNames() {
    assertThat(validator.validate(sign(ed, JWSAlgorithm.EdDSA, good()))).isInstanceOf(TokenVerdict.Valid.class);
    assertThat(validator.validate(sign(ed, JWSAlgorithm.Ed25519, good()))).isInstanceOf(TokenVerdict.Valid.class);
  }

  @Test
  void acceptsATokenWithoutKeyIdByTryingEveryFittingKey() {
    String token = sign(new JWSHeader.Builder(JWSAlgorithm.RS256).build(), rsa, good());

    assertThat(validator.validate(token)).isInstanceOf(TokenVerdict.Valid.class);
  }

  @Test
  void audienceMayBeASingleString() {
    JWTClaimsSet claims = claims(NOW).audience(AUDIENCE).build();

    assertThat(validator.validate(sign(rsa, JWSAlgorithm.RS256, claims))).isInstanceOf(TokenVerdict.Valid.class);
  }

  @Test
  void readsTheConfiguredAccountClaim() {
    try (BearerTokenValidator bySubject = new BearerTokenValidator(issuerWith(jwksFile, "sub"), clock)) {
      assertThat(bySubject.validate(sign(rsa, JWSAlgorithm.RS256, good())))
          .isEqualTo(new TokenVerdict.Valid("1184467", "1184467", NOW.plusSeconds(600)));
    }
  }

  // --- time ---

  @Test
  void refusesAnExpiredToken() {
    Instant exp = NOW.minus(Duration.ofMinutes(10));
    JWTClaimsSet claims = claims(NOW).expirationTime(Date.from(exp)).build();

    TokenVerdict verdict = validator.validate(sign(rsa, JWSAlgorithm.RS256, claims));

    assertThat(reasonOf(verdict)).startsWith("expired at 2026-03-14T09:16:53Z");
    assertThat(((TokenVerdict.Invalid) verdict).status()).isEqualTo("invalid_token");
  }

  @Test
  void refusesATokenNotYetValid() {
    JWTClaimsSet claims = claims(NOW).notBeforeTime(Date.from(NOW.plus(Duration.ofMinutes(5)))).build();

    assertThat(reasonOf(validator.validate(sign(rsa, JWSAlgorithm.RS256, claims))))
        .startsWith("not valid before 2026-03-14T09:31:53Z");
  }

  @Test
  void refusesATokenIssuedInTheFuture() {
    JWTClaimsSet claims = claims(NOW).issueTime(Date.from(NOW.plus(Duration.ofMinutes(5)))).build();

    assertThat(reasonOf(validator.validate(sign(rsa, JWSAlgorithm.RS256, claims)))).startsWith("issued in the future");
  }

  @Test
  void honoursClockSkewOnBothEnds() {
    JWTClaimsSet justExpired = claims(NOW).expirationTime(Date.from(NOW.minusSeconds(59))).build();
    JWTClaimsSet expiredBeyondSkew = claims(NOW).expirationTime(Date.from(NOW.minusSeconds(60))).build();
    JWTClaimsSet almostValid = claims(NOW).notBeforeTime(Date.from(NOW.plusSeconds(60))).build();
    JWTClaimsSet tooEarly = claims(NOW).notBeforeTime(Date.from(NOW.plusSeconds(61))).build();

    assertThat(validator.validate(sign(rsa, JWSAlgorithm.RS256, justExpired))).isInstanceOf(TokenVerdict.Valid.class);
    assertThat(reasonOf(validator.validate(sign(rsa, JWSAlgorithm.RS256, expiredBeyondSkew)))).startsWith("expired at");
    assertThat(validator.validate(sign(rsa, JWSAlgorithm.RS256, almostValid))).isInstanceOf(TokenVerdict.Valid.class);
    assertThat(reasonOf(validator.validate(sign(rsa, JWSAlgorithm.RS256, tooEarly)))).startsWith("not valid before");
  }

  @Test
  void expiresAsTheClockMoves() {
    String token = sign(rsa, JWSAlgorithm.RS256, good());
    assertThat(validator.validate(token)).isInstanceOf(TokenVerdict.Valid.class);

    clock.advance(Duration.ofSeconds(600 + 60));

    assertThat(reasonOf(validator.validate(token))).startsWith("expired at 2026-03-14T09:36:53Z");
  }

  @Test
  void refusesATokenWithoutExpiry() {
    JWTClaimsSet claims = claims(NOW).expirationTime(null).build();

    assertThat(reasonOf(validator.validate(sign(rsa, JWSAlgorithm.RS256, claims)))).isEqualTo("claim exp missing");
  }

  // --- issuer, audience, claims ---

  @Test
  void refusesAnotherIssuer() {
    JWTClaimsSet claims = claims(NOW).issuer("https://evil.example").build();

    assertThat(reasonOf(validator.validate(sign(rsa, JWSAlgorithm.RS256, claims))))
        .isEqualTo("issuer https://evil.example not accepted (expected " + ISSUER + ")");
  }

  @Test
  void refusesAnotherAudience() {
    JWTClaimsSet claims = claims(NOW).audience(List.of("x", "y")).build();

    assertThat(reasonOf(validator.validate(sign(rsa, JWSAlgorithm.RS256, claims))))
        .startsWith("audience [x, y] not accepted");
  }

  @Test
  void refusesMissingAudience() {
    JWTClaimsSet claims = claims(NOW).audience((String) null).build();

    assertThat(reasonOf(validator.validate(sign(rsa, JWSAlgorithm.RS256, claims)))).isEqualTo("claim aud missing");
  }

  @Test
  void refusesMissingAccountClaim() {
    JWTClaimsSet claims = claims(NOW).claim("email", null).build();

    assertThat(reasonOf(validator.validate(sign(rsa, JWSAlgorithm.RS256, claims)))).isEqualTo("claim email missing");
  }

  @Test
  void refusesAnAccountClaimThatIsNotAString() {
    JWTClaimsSet claims = claims(NOW).claim("email", List.of(ACCOUNT)).build();

    assertThat(reasonOf(validator.validate(sign(rsa, JWSAlgorithm.RS256, claims))))
        .isEqualTo("claim email is not a non-blank string");
  }

  @Test
  void refusesAnUnverifiedEmail() {
    JWTClaimsSet claims = claims(NOW).claim("email_verified", false).build();

    assertThat(reasonOf(validator.validate(sign(rsa, JWSAlgorithm.RS256, claims))))
        .isEqualTo("email " + ACCOUNT + " not verified (email_verified is false)");
  }

  @Test
  void refusesMissingSubject() {
    JWTClaimsSet claims = claims(NOW).subject(null).build();

    assertThat(reasonOf(validator.validate(sign(rsa, JWSAlgorithm.RS256, claims)))).isEqualTo("claim sub missing");
  }

  // --- signatures and algorithms ---

  @Test
  void refusesASignatureFromAnUnknownKey() {
    RSAKey unknown = TokenMint.rsaKey("abc", 2);

    assertThat(reasonOf(validator.validate(sign(unknown, JWSAlgorithm.RS256, good()))))
        .startsWith("unknown key id abc");
  }

  @Test
  void refusesAnImpostorUsingAKnownKeyId() {
    assertThat(reasonOf(validator.validate(sign(stranger, JWSAlgorithm.RS256, good()))))
        .isEqualTo("signature does not verify");
  }

  @Test
  void refusesATamperedPayload() {
    String[] parts = sign(rsa, JWSAlgorithm.RS256, good()).split("\\.");
    String forged = claims(NOW).claim("email", "mallory@hikyaku.test").build().toString();

    String token = parts[0] + "." + part(forged) + "." + parts[2];

    assertThat(reasonOf(validator.validate(token))).isEqualTo("signature does not verify");
  }

  @Test
  void refusesAnUnsignedToken() {
    String none = new PlainJWT(good()).serialize();
    // The same with a signature part attached, as attackers try.
    String noneWithSignature = part("{\"alg\":\"none\",\"kid\":\"rsa-1\"}") + "." + part(good().toString()) + ".c2ln";

    TokenVerdict verdict = validator.validate(none);

    assertThat(reasonOf(verdict)).isEqualTo("unsigned token (alg none) refused");
    assertThat(((TokenVerdict.Invalid) verdict).status()).isEqualTo("invalid_token");
    assertThat(validator.validate(noneWithSignature)).isInstanceOf(TokenVerdict.Invalid.class);
  }

  @Test
  void refusesHs256SignedWithThePublicRsaKey() throws Exception {
    // Algorithm confusion: a verifier that let the token pick the algorithm would check this HMAC with
    // the RSA public key it holds for kid rsa-1, and accept it. Try both encodings attackers use.
    byte[] der = rsa.toRSAPublicKey().getEncoded();
    byte[] pem = ("-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END PUBLIC KEY-----\n")
        .getBytes(StandardCharsets.US_ASCII);
    for (byte[] secret : List.of(der, pem, rsa.toJSONString().getBytes(StandardCharsets.UTF_8))) {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(), good());
      jwt.sign(new MACSigner(secret));

      assertThat(reasonOf(validator.validate(jwt.serialize()))).startsWith("algorithm HS256 not accepted");
    }
  }

  @Test
  void neverUsesASymmetricKeyFromTheJwks() throws Exception {
    OctetSequenceKey hmac = new OctetSequenceKeyGenerator(256).keyID("hmac-1").generate();
    Files.writeString(jwksFile, new JWKSet(List.of(rsa.toPublicJWK(), hmac)).toString(false));
    bumpModificationTime(jwksFile);
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("hmac-1").build(), good());
    jwt.sign(new MACSigner(hmac));

    assertThat(reasonOf(validator.validate(jwt.serialize()))).startsWith("algorithm HS256 not accepted");
  }

  @Test
  void theKeyDecidesTheAlgorithm() throws Exception {
    // A JWK restricted to RS256 must not verify PS256, even though the same RSA key could.
    RSAKey rs256Only = new RSAKey.Builder(rsa).algorithm(JWSAlgorithm.RS256).build();
    Files.writeString(jwksFile, jwks(rs256Only, ec));
    bumpModificationTime(jwksFile);

    assertThat(validator.validate(sign(rsa, JWSAlgorithm.RS256, good()))).isInstanceOf(TokenVerdict.Valid.class);
    assertThat(reasonOf(validator.validate(sign(rsa, JWSAlgorithm.PS256, good()))))
        .isEqualTo("key id rsa-1 does not allow PS256");
  }

  @Test
  void refusesAnEcSignatureClaimingAnRsaKey() {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("rsa-1").build(), good());
    try {
      jwt.sign(new com.nimbusds.jose.crypto.ECDSASigner(ec));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }

    assertThat(reasonOf(validator.validate(jwt.serialize()))).isEqualTo("key id rsa-1 does not allow ES256");
  }

  @Test
  void refusesUnknownCriticalHeaders() {
    JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1")
        .criticalParams(java.util.Set.of("exp-policy")).customParam("exp-policy", "lax").build();

    assertThat(reasonOf(validator.validate(sign(header, rsa, good())))).contains("critical header parameters");
  }

  @Test
  void refusesRsaKeysShorterThan2048Bits() throws Exception {
    RSAKey weak = new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(1024, true).keyID("weak").generate();
    Files.writeString(jwksFile, jwks(rsa, weak));
    bumpModificationTime(jwksFile);

    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("weak").build(), good());
    jwt.sign(new com.nimbusds.jose.crypto.RSASSASigner(weak.toPrivateKey(), true));

    assertThat(reasonOf(validator.validate(jwt.serialize()))).isEqualTo("key id weak does not allow RS256");
  }

  // --- malformed input ---

  @Test
  void neverThrowsAndNeverEchoesTheToken() {
    String valid = sign(rsa, JWSAlgorithm.RS256, good());
    String[] parts = valid.split("\\.");
    List<String> garbage =
        List.of(
            "x",
            "a.b.c",
            "...",
            "ya29.vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg",
            parts[0] + "." + parts[1],
            parts[0] + ".." + parts[2],
            "e30." + parts[1] + "." + parts[2],
            "!!!!." + parts[1] + "." + parts[2],
            parts[0] + ".!!!!." + parts[2],
            parts[0] + "." + parts[1] + ".!!!!",
            parts[0] + "." + part("[1,2,3]") + "." + parts[2],
            part("{\"alg\":\"RS256\",\"kid\":7}") + "." + parts[1] + "." + parts[2],
            part("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}") + "." + part("{\"exp\":\"tomorrow\"}") + "." + parts[2],
            valid + "." + parts[2] + "." + parts[2],
            valid.replace('.', ' '),
            "x".repeat(BearerTokenValidator.MAX_TOKEN_CHARS + 1));
    for (String token : garbage) {
      TokenVerdict verdict = validator.validate(token);

      assertThat(verdict).as(token).isInstanceOf(TokenVerdict.Invalid.class);
      String reason = ((TokenVerdict.Invalid) verdict).reason();
      assertThat(reason).as(token).doesNotContain(parts[2]).doesNotContain(token.length() > 8 ? token : "\u0000");
    }
  }

  @Test
  void anEmptyTokenIsAnInvalidRequest() {
    assertThat(validator.validate("")).isEqualTo(new TokenVerdict.Invalid("no token", "invalid_request"));
    assertThat(validator.validate(null)).isEqualTo(new TokenVerdict.Invalid("no token", "invalid_request"));
  }

  @Test
  void showsTokenValuesWithoutControlCharacters() {
    RSAKey unknown = TokenMint.rsaKey("evil\r\nFAKE LOG LINE", 2);

    String reason = reasonOf(validator.validate(sign(unknown, JWSAlgorithm.RS256, good())));

    assertThat(reason).startsWith("unknown key id evil??FAKE LOG LINE").doesNotContain("\r", "\n");
  }

  // --- the JWKS file ---

  @Test
  void rereadsTheFileWhenKeysRotate() throws IOException {
    RSAKey next = TokenMint.rsaKey("rsa-2", 2);
    String token = sign(next, JWSAlgorithm.RS256, good());
    assertThat(reasonOf(validator.validate(token))).startsWith("unknown key id rsa-2");

    Files.writeString(jwksFile, jwks(next));
    bumpModificationTime(jwksFile);

    assertThat(validator.validate(token)).isInstanceOf(TokenVerdict.Valid.class);
    assertThat(reasonOf(validator.validate(sign(rsa, JWSAlgorithm.RS256, good())))).startsWith("unknown key id rsa-1");
  }

  @Test
  void keepsThePreviousKeysWhenTheFileBreaks() throws IOException {
    String token = sign(rsa, JWSAlgorithm.RS256, good());
    assertThat(validator.validate(token)).isInstanceOf(TokenVerdict.Valid.class);

    Files.writeString(jwksFile, "{\"keys\": [ half-written");
    bumpModificationTime(jwksFile);

    assertThat(validator.validate(token)).isInstanceOf(TokenVerdict.Valid.class);
    // A token for a key the broken file might hold cannot be judged: temporary failure.
    assertThat(validator.validate(sign(TokenMint.rsaKey("rsa-9", 3), JWSAlgorithm.RS256, good())))
        .isInstanceOf(TokenVerdict.Unavailable.class);
  }

  @Test
  void isUnavailableWithoutAReadableFile() throws IOException {
    Path missing = dir.resolve("missing.json");
    Path broken = Files.writeString(dir.resolve("broken.json"), "not json");
    String token = sign(rsa, JWSAlgorithm.RS256, good());

    try (BearerTokenValidator withMissing = new BearerTokenValidator(issuerWith(missing, "email"), clock);
        BearerTokenValidator withBroken = new BearerTokenValidator(issuerWith(broken, "email"), clock)) {
      assertThat(withMissing.validate(token)).isInstanceOfSatisfying(
          TokenVerdict.Unavailable.class, u -> assertThat(u.reason()).contains(missing.toString()));
      assertThat(withBroken.validate(token)).isInstanceOfSatisfying(
          TokenVerdict.Unavailable.class, u -> assertThat(u.reason()).contains("is not a JWK Set"));

      // Fixing the file fixes validation, without a restart.
      Files.writeString(broken, jwks(rsa));
      bumpModificationTime(broken);
      assertThat(withBroken.validate(token)).isInstanceOf(TokenVerdict.Valid.class);
    }
  }

  @Test
  void usesOnlyThePublicHalvesOfAPrivateJwks() throws IOException {
    Files.writeString(jwksFile, new JWKSet(List.of(rsa, ec)).toString(false));
    bumpModificationTime(jwksFile);

    assertThat(validator.validate(sign(rsa, JWSAlgorithm.RS256, good()))).isInstanceOf(TokenVerdict.Valid.class);
  }

  @Test
  void isUnavailableOnceClosed() {
    String token = sign(rsa, JWSAlgorithm.RS256, good());
    assertThat(validator.validate(token)).isInstanceOf(TokenVerdict.Valid.class);

    validator.close();

    assertThat(validator.validate(token)).isInstanceOf(TokenVerdict.Unavailable.class);
  }

  @Test
  void toStringNamesTheIssuerOnly() {
    assertThat(validator.toString()).contains(ISSUER, jwksFile.toString());
  }

  /** Some file systems keep whole-second timestamps: make the change visible regardless. */
  private static void bumpModificationTime(Path file) throws IOException {
    FileTime before = Files.getLastModifiedTime(file);
    Files.setLastModifiedTime(file, FileTime.from(before.toInstant().plusSeconds(2)));
  }
}
