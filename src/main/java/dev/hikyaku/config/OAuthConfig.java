package dev.hikyaku.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where OAuth 2.0 bearer tokens for XOAUTH2 and OAUTHBEARER (RFC 7628) come from, and how they are
 * checked: a JWT (RFC 7519) signed with a key from the issuer's JWK set (RFC 7517).
 *
 * @param issuer the token's {@code iss} claim must equal this, character for character
 * @param jwksUri where the issuer publishes its keys (https); present exactly when {@code jwksFile}
 *     is absent
 * @param jwksFile a local JWK set file instead (offline servers, tests); never read here, only
 *     checked to be readable
 * @param audiences the token's {@code aud} claim must hold at least one of these; not empty
 * @param accountClaim the claim that names the account, e.g. {@code email}
 * @param clockSkew allowance when checking {@code exp}, {@code nbf} and {@code iat}
 */
public record OAuthConfig(
    String issuer,
    Optional<URI> jwksUri,
    Optional<Path> jwksFile,
    List<String> audiences,
    String accountClaim,
    Duration clockSkew) {

  public OAuthConfig {
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(jwksUri, "jwksUri");
    Objects.requireNonNull(jwksFile, "jwksFile");
    Objects.requireNonNull(accountClaim, "accountClaim");
    Objects.requireNonNull(clockSkew, "clockSkew");
    audiences = List.copyOf(audiences);
    if (jwksUri.isPresent() == jwksFile.isPresent()) {
      throw new IllegalArgumentException("exactly one of jwksUri and jwksFile must be given");
    }
    if (audiences.isEmpty()) {
      throw new IllegalArgumentException("at least one audience is required");
    }
  }
}
