package dev.hikyaku.auth.oauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a bearer token from SMTP AUTH XOAUTH2 or OAUTHBEARER (RFC 7628) is a JWT signed by
 * the configured issuer, current, and meant for us, and which account it names.
 *
 * <p>Checks, in order (the first failure is the verdict):
 *
 * <ol>
 *   <li>Shape: a compact JWS (RFC 7515 §7.1). Unsecured ({@code "alg":"none"}, RFC 7519 §6) and
 *       encrypted tokens are refused.
 *   <li>Algorithm: only {@link #ACCEPTED_ALGORITHMS}, and only with a key whose type, curve, size,
 *       {@code alg}, {@code use} and {@code key_ops} allow it (RFC 8725 §3.1: the key, not the token,
 *       decides the algorithm). HMAC algorithms are never accepted, so a public key can never be
 *       abused as an HMAC secret (algorithm confusion). Unknown {@code crit} headers are refused
 *       (RFC 7515 §4.1.11). Keys named by the token's own {@code jku}, {@code jwk} or {@code x5u} are
 *       never used: keys come only from the issuer's configured JWKS.
 *   <li>Signature against the JWKS key with the token's {@code kid} (see {@link IssuerKeys} for
 *       caching and refresh).
 *   <li>Claims (RFC 7519 §4.1), only once the signature holds: {@code iss} equals the issuer,
 *       {@code aud} contains an accepted audience, {@code exp} present and not passed, {@code nbf}
 *       and {@code iat} not in the future (each with the configured clock skew), {@code sub} present,
 *       the account claim a non-blank string.
 * </ol>
 *
 * <p>Bad input never throws: every problem is a {@link TokenVerdict.Invalid} whose reason names it
 * (values from the token are shown shortened, without control characters). The token itself never
 * appears in a verdict, log line or exception.
 */
public final class BearerTokenValidator implements AutoCloseable {

  /**
   * What Google, Microsoft, Okta, Keycloak and Auth0 sign access and ID tokens with. EdDSA is the
   * RFC 8037 name, Ed25519 the fully specified one (RFC 9864); both mean Ed25519 here.
   */
  static final Set<JWSAlgorithm> ACCEPTED_ALGORITHMS =
      Set.of(JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

  /** NIST SP 800-131A: RSA keys below 2048 bits are no longer acceptable for signatures. */
  static final int MIN_RSA_BITS = 2048;

  /** Far above any real token (RFC 4954 §4 caps the AUTH line at 12288 octets); bounds parse work. */
  static final int MAX_TOKEN_CHARS = 16 * 1024;

  /** Shown values from the token are cut to this many characters. */
  private static final int MAX_SHOWN = 80;

  /** DER prefix of an X.509 SubjectPublicKeyInfo for Ed25519 (RFC 8410 §4), before the 32 key bytes. */
  private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  private final OAuthIssuer issuer;
  private final Clock clock;
  private final IssuerKeys keys;

  public BearerTokenValidator(OAuthIssuer issuer, Clock clock) {
    this.issuer = Objects.requireNonNull(issuer, "issuer");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.keys = new IssuerKeys(issuer, clock);
  }

  /**
   * Validates signature, {@code exp}, {@code nbf} (with skew), {@code iss}, {@code aud} and reads the
   * account claim. Never throws for bad input.
   */
  public TokenVerdict validate(String bearerToken) {
    if (bearerToken == null || bearerToken.isEmpty()) {
      return new TokenVerdict.Invalid("no token", TokenVerdict.INVALID_REQUEST);
    }
    if (bearerToken.length() > MAX_TOKEN_CHARS) {
      return invalid("token longer than " + MAX_TOKEN_CHARS + " characters");
    }
    JWT jwt;
    try {
      jwt = JWTParser.parse(bearerToken);
    } catch (ParseException | RuntimeException e) {
      // Parser messages name the broken part ("Invalid JWS header: ..."), never the whole token.
      return invalid("not a JWT: " + shown(IssuerKeys.describe(e), 2 * MAX_SHOWN));
    }
    return switch (jwt) {
      case PlainJWT plain -> invalid("unsigned token (alg none) refused");
      case EncryptedJWT encrypted -> invalid("encrypted token (JWE) not accepted");
      case SignedJWT signed -> validateSigned(signed);
      default -> invalid("unsupported token type " + jwt.getClass().getSimpleName());
    };
  }

  private TokenVerdict validateSigned(SignedJWT jwt) {
    JWSHeader header = jwt.getHeader();
    JWSAlgorithm alg = header.getAlgorithm();
    if (!ACCEPTED_ALGORITHMS.contains(alg)) {
      return invalid("algorithm " + shown(alg.getName()) + " not accepted (only RS256, PS256, ES256, EdDSA)");
    }
    if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
      return invalid("critical header parameters " + shown(header.getCriticalParams().toString()) + " not understood");
    }
    Optional<String> keyId = Optional.ofNullable(header.getKeyID());
    List<JWK> candidates;
    switch (keys.find(keyId)) {
      case IssuerKeys.Lookup.Found found -> candidates = found.keys();
      case IssuerKeys.Lookup.UnknownKeyId unknown -> {
        return invalid(keyId.isPresent()
            ? "unknown key id " + shown(unknown.keyId()) + " (not in the JWKS of " + issuer.issuer() + ")"
            : "no key id in token and the JWKS of " + issuer.issuer() + " is empty");
      }
      case IssuerKeys.Lookup.Unreachable unreachable -> {
        return new TokenVerdict.Unavailable(unreachable.reason());
      }
    }
    List<JWK> usable = candidates.stream().filter(k -> isUsableFor(k, alg)).toList();
    if (usable.isEmpty()) {
      return invalid(keyId.isPresent()
          ? "key id " + shown(keyId.get()) + " does not allow " + alg.getName()
          : "no key in the JWKS of " + issuer.issuer() + " allows " + alg.getName());
    }
    Optional<String> verifyProblem = Optional.of("signature does not verify");
    for (JWK key : usable) {
      verifyProblem = verificationProblem(jwt, key);
      if (verifyProblem.isEmpty()) {
        break;
      }
    }
    if (verifyProblem.isPresent()) {
      return invalid(verifyProblem.get());
    }
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      return invalid("claims unreadable: " + shown(e.getMessage()));
    }
    return checkClaims(claims);
  }

  /** RFC 8725 §3.1, RFC 7517 §4.2–4.4: the key's type and its own restrictions decide. */
  private static boolean isUsableFor(JWK key, JWSAlgorithm alg) {
    if (key.getAlgorithm() != null && !isSameAlgorithm(key.getAlgorithm().getName(), alg)) {
      return false;
    }
    if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
      return false;
    }
    if (key.getKeyOperations() != null && !key.getKeyOperations().contains(KeyOperation.VERIFY)) {
      return false;
    }
    if (alg.equals(JWSAlgorithm.RS256) || alg.equals(JWSAlgorithm.PS256)) {
      return key instanceof RSAKey rsa && rsa.size() >= MIN_RSA_BITS;
    }
    if (alg.equals(JWSAlgorithm.ES256)) {
      return key instanceof ECKey ec && Curve.P_256.equals(ec.getCurve());
    }
    return key instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve());
  }

  private static boolean isSameAlgorithm(String keyAlg, JWSAlgorithm tokenAlg) {
    boolean isEd25519 = tokenAlg.equals(JWSAlgorithm.EdDSA) || tokenAlg.equals(JWSAlgorithm.Ed25519);
    return keyAlg.equals(tokenAlg.getName()) || (isEd25519 && (keyAlg.equals("EdDSA") || keyAlg.equals("Ed25519")));
  }

  /** Empty when the signature verifies with {@code key}, else why not. */
  private static Optional<String> verificationProblem(SignedJWT jwt, JWK key) {
    try {
      boolean isVerified =
          switch (key) {
            case RSAKey rsa -> jwt.verify(new RSASSAVerifier(rsa));
            case ECKey ec -> jwt.verify(new ECDSAVerifier(ec));
            case OctetKeyPair okp -> isEd25519Verified(jwt, okp);
            default -> false;
          };
      return isVerified ? Optional.empty() : Optional.of("signature does not verify");
    } catch (JOSEException | GeneralSecurityException | RuntimeException e) {
      return Optional.of("signature check failed: " + shown(IssuerKeys.describe(e)));
    }
  }

  /**
   * RFC 8037 §3.1 with the JDK's Ed25519 (nimbus's Ed25519Verifier would pull in Google Tink). The key
   * is the raw 32-byte public key {@code x}; wrapping it in an SPKI lets the JDK decode it.
   */
  private static boolean isEd25519Verified(SignedJWT jwt, OctetKeyPair okp) throws GeneralSecurityException {
    byte[] x = okp.getDecodedX();
    if (x.length != 32) {
      return false;
    }
    byte[] spki = new byte[ED25519_SPKI_PREFIX.length + x.length];
    System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
    System.arraycopy(x, 0, spki, ED25519_SPKI_PREFIX.length, x.length);
    PublicKey publicKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(publicKey);
    verifier.update(jwt.getSigningInput());
    return verifier.verify(jwt.getSignature().decode());
  }

  private TokenVerdict checkClaims(JWTClaimsSet claims) {
    Instant now = clock.instant();
    Duration skew = issuer.clockSkew();

    Object iss = claims.getClaim("iss");
    if (iss == null) {
      return invalid("claim iss missing");
    }
    if (!issuer.issuer().equals(iss)) {
      return invalid("issuer " + shown(String.valueOf(iss)) + " not accepted (expected " + issuer.issuer() + ")");
    }

    Object aud = claims.getClaim("aud");
    List<?> audiences = aud instanceof List<?> list ? list : aud == null ? List.of() : List.of(aud);
    if (audiences.isEmpty()) {
      return invalid("claim aud missing");
    }
    if (audiences.stream().noneMatch(issuer.audiences()::contains)) {
      return invalid("audience " + shown(audiences.toString()) + " not accepted (expected one of " + issuer.audiences() + ")");
    }

    // RFC 7519 §4.1.4: exp is required here; a token without it would never expire.
    Instant expiresAt;
    Instant notBefore;
    Instant issuedAt;
    try {
      expiresAt = instant(claims.getDateClaim("exp"));
      notBefore = instant(claims.getDateClaim("nbf"));
      issuedAt = instant(claims.getDateClaim("iat"));
    } catch (ParseException e) {
      return invalid("time claim unreadable: " + shown(e.getMessage()));
    }
    if (expiresAt == null) {
      return invalid("claim exp missing");
    }
    // RFC 7519 §4.1.4: the current time MUST be before exp.
    if (!now.isBefore(expiresAt.plus(skew))) {
      return invalid("expired at " + expiresAt + " (now " + now + ", clock skew " + skew.toSeconds() + " s)");
    }
    // RFC 7519 §4.1.5: the current time MUST be after or equal to nbf.
    if (notBefore != null && now.plus(skew).isBefore(notBefore)) {
      return invalid("not valid before " + notBefore + " (now " + now + ", clock skew " + skew.toSeconds() + " s)");
    }
    if (issuedAt != null && now.plus(skew).isBefore(issuedAt)) {
      return invalid("issued in the future at " + issuedAt + " (now " + now + ", clock skew " + skew.toSeconds() + " s)");
    }

    if (!(claims.getClaim("sub") instanceof String subject) || subject.isBlank()) {
      return invalid("claim sub missing");
    }

    Object accountValue = claims.getClaim(issuer.accountClaim());
    if (accountValue == null) {
      return invalid("claim " + issuer.accountClaim() + " missing");
    }
    if (!(accountValue instanceof String account) || account.isBlank()) {
      return invalid("claim " + issuer.accountClaim() + " is not a non-blank string");
    }
    if (account.chars().anyMatch(Character::isISOControl)) {
      return invalid("claim " + issuer.accountClaim() + " contains control characters");
    }
    // OpenID Connect Core §5.1: an address the provider has not verified proves nothing.
    if (issuer.accountClaim().equals("email") && isFalse(claims.getClaim("email_verified"))) {
      return invalid("email " + shown(account) + " not verified (email_verified is false)");
    }
    return new TokenVerdict.Valid(account, subject, expiresAt);
  }

  private static boolean isFalse(Object claim) {
    return Boolean.FALSE.equals(claim) || "false".equals(claim);
  }

  private static Instant instant(Date date) {
    return date == null ? null : date.toInstant();
  }

  private static TokenVerdict.Invalid invalid(String reason) {
    return new TokenVerdict.Invalid(reason, TokenVerdict.INVALID_TOKEN);
  }

  /** A value from the token made safe for a log line: no control characters, bounded length. */
  static String shown(String value) {
    return shown(value, MAX_SHOWN);
  }

  private static String shown(String value, int max) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(Math.min(value.length(), max + 1));
    value.codePoints()
        .limit(max)
        .forEach(cp -> out.appendCodePoint(Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT ? '?' : cp));
    if (value.codePointCount(0, value.length()) > max) {
      out.append('…');
    }
    return out.toString();
  }

  /** Stops key fetching; later validations are {@link TokenVerdict.Unavailable}. */
  @Override
  public void close() {
    keys.close();
  }

  @Override
  public String toString() {
    return "BearerTokenValidator[issuer=" + issuer.issuer() + ", jwks=" + issuer.jwksLocation() + "]";
  }
}
