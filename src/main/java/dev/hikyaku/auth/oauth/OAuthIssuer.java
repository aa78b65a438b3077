package dev.hikyaku.auth.oauth;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One trusted token issuer for SMTP AUTH XOAUTH2 / OAUTHBEARER: whose signatures we accept, for which
 * audiences, and which claim names the account.
 *
 * <p>Exactly one of {@code jwksUri} and {@code jwksFile} is present. A {@code jwksUri} (https, or http
 * for an issuer on a trusted network) is fetched with a timeout, cached, and refreshed when a token
 * names a key id the cache lacks (rate limited); a {@code jwksFile} is re-read when it changes. See
 * {@link BearerTokenValidator} for the exact rules.
 *
 * @param issuer the exact {@code iss} value tokens must carry (RFC 7519 §4.1.1; compared as a string)
 * @param jwksUri where the issuer publishes its JSON Web Key Set (RFC 7517 §5)
 * @param jwksFile a local JWK Set file, for issuers whose keys are distributed out of band
 * @param audiences accepted {@code aud} values; a token must name at least one (RFC 7519 §4.1.3)
 * @param accountClaim the claim holding the account's login name, e.g. {@code "email"} or {@code "sub"}
 * @param clockSkew tolerance applied to {@code exp}, {@code nbf} and {@code iat} (RFC 7519 §4.1.4
 *     allows "some small leeway")
 */
public record OAuthIssuer(
    String issuer,
    Optional<URI> jwksUri,
    Optional<Path> jwksFile,
    List<String> audiences,
    String accountClaim,
    Duration clockSkew) {

  public OAuthIssuer {
    if (issuer == null || issuer.isBlank()) {
      throw new IllegalArgumentException("OAuthIssuer: issuer must not be blank");
    }
    Objects.requireNonNull(jwksUri, "OAuthIssuer " + issuer + ": jwksUri (use Optional.empty())");
    Objects.requireNonNull(jwksFile, "OAuthIssuer " + issuer + ": jwksFile (use Optional.empty())");
    if (jwksUri.isPresent() == jwksFile.isPresent()) {
      throw new IllegalArgumentException(
          "OAuthIssuer " + issuer + ": exactly one of jwksUri and jwksFile must be given");
    }
    jwksUri.ifPresent(uri -> checkJwksUri(issuer, uri));
    if (audiences == null || audiences.isEmpty()) {
      throw new IllegalArgumentException("OAuthIssuer " + issuer + ": audiences must name at least one");
    }
    audiences = List.copyOf(audiences);
    if (audiences.stream().anyMatch(String::isBlank)) {
      throw new IllegalArgumentException("OAuthIssuer " + issuer + ": audiences " + audiences + " has a blank entry");
    }
    if (accountClaim == null || accountClaim.isBlank()) {
      throw new IllegalArgumentException("OAuthIssuer " + issuer + ": accountClaim must not be blank");
    }
    if (clockSkew == null || clockSkew.isNegative()) {
      throw new IllegalArgumentException(
          "OAuthIssuer " + issuer + ": clockSkew must be zero or positive, got " + clockSkew);
    }
  }

  private static void checkJwksUri(String issuer, URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    // User info would be a credential in every log line naming the URI; an issuer's JWKS is public.
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("OAuthIssuer " + issuer + ": jwksUri must not carry user info (credentials)");
    }
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw new IllegalArgumentException("OAuthIssuer " + issuer + ": jwksUri must be https or http, got " + uri);
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("OAuthIssuer " + issuer + ": jwksUri has no host: " + uri);
    }
  }

  /** Where the keys come from, for log lines and reasons. */
  String jwksLocation() {
    return jwksUri.map(URI::toString).orElseGet(() -> jwksFile.orElseThrow().toString());
  }
}
