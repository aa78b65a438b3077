package dev.hikyaku.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

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

  private static final String ISSUER = "issuer";
  private static final String JWKS_URI = "jwks-uri";
  private static final String JWKS_FILE = "jwks-file";
  private static final String AUDIENCE = "audience";
  private static final String ACCOUNT_CLAIM = "account-claim";
  private static final String CLOCK_SKEW = "clock-skew";
  static final List<String> KEYS = List.of(ISSUER, JWKS_URI, JWKS_FILE, AUDIENCE, ACCOUNT_CLAIM, CLOCK_SKEW);

  /** The claim most identity providers fill with the user's mail address. */
  private static final String DEFAULT_ACCOUNT_CLAIM = "email";
  private static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
  // Tokens live minutes; a larger allowance would keep expired tokens usable.
  private static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(10);

  /** {@code auth.oauth}, given as {@code node}: issuer, one key source, audiences. */
  static OAuthConfig read(Section oauth, YamlNode node) throws ConfigException {
    if (!oauth.has(ISSUER)) {
      throw oauth.error(oauth.path(ISSUER), node,
          "required when " + oauth.path() + " is set: the token issuer ('iss' claim), e.g. https://idp.example.com");
    }
    String issuer = oauth.text(ISSUER).orElseThrow();
    Optional<URI> jwksUri = oauth.has(JWKS_URI) ? Optional.of(httpsUri(oauth, JWKS_URI)) : Optional.empty();
    Optional<Path> jwksFile = TlsConfig.readableFile(oauth, JWKS_FILE);
    if (jwksUri.isPresent() && jwksFile.isPresent()) {
      throw oauth.error(JWKS_FILE, "give either " + oauth.path(JWKS_URI) + " or " + oauth.path(JWKS_FILE) + ", not both");
    }
    if (jwksUri.isEmpty() && jwksFile.isEmpty()) {
      throw oauth.error(oauth.path(JWKS_URI), node, "required: give " + oauth.path(JWKS_URI)
          + " (the issuer's JWK set, fetched over https) or " + oauth.path(JWKS_FILE) + " (a local JWK set file)");
    }
    if (!oauth.has(AUDIENCE)) {
      throw oauth.error(oauth.path(AUDIENCE), node,
          "required: the 'aud' value (or list of values) tokens must carry for this server");
    }
    return builder()
        .issuer(issuer)
        .jwksUri(jwksUri)
        .jwksFile(jwksFile)
        .audiences(audiences(oauth, oauth.node(AUDIENCE), oauth.path(AUDIENCE)))
        .accountClaim(oauth.text(ACCOUNT_CLAIM).map(String::strip).orElse(DEFAULT_ACCOUNT_CLAIM))
        .clockSkew(oauth.duration(CLOCK_SKEW, DEFAULT_CLOCK_SKEW, Duration.ZERO, MAX_CLOCK_SKEW, ""))
        .build();
  }

  /** One audience as a string, or several as a list; at least one, no duplicates. */
  private static List<String> audiences(Section oauth, YamlNode node, String path) throws ConfigException {
    if (node instanceof YamlNode.Text) {
      return List.of(oauth.text(node, path));
    }
    if (!(node instanceof YamlNode.Sequence)) {
      throw oauth.error(path, node, "expected an audience string or a list of them, was " + node.describe());
    }
    List<YamlNode> items = oauth.list(node, path, "audiences");
    if (items.isEmpty()) {
      throw oauth.error(path, node, "must hold at least one audience");
    }
    List<String> audiences = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String itemPath = path + "[" + i + "]";
      String audience = oauth.text(items.get(i), itemPath);
      int earlier = audiences.indexOf(audience);
      if (earlier >= 0) {
        throw oauth.error(itemPath, items.get(i), "'" + audience + "' is already listed as " + path + "[" + earlier + "]");
      }
      audiences.add(audience);
    }
    return List.copyOf(audiences);
  }

  /**
   * An absolute https URL. Plain http is allowed only to a loopback address, where nobody can
   * tamper with the keys in transit (a local test identity provider).
   */
  private static URI httpsUri(Section oauth, String key) throws ConfigException {
    String text = oauth.text(key).orElseThrow().strip();
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw oauth.error(key, "'" + text + "' is not a valid URI: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!uri.isAbsolute() || uri.getHost() == null) {
      throw oauth.error(key, "expected an absolute URL such as https://idp.example.com/jwks.json, was '" + text + "'");
    }
    boolean isLoopback =
        uri.getHost().equalsIgnoreCase(Defaults.LOCALHOST)
            || HostSyntax.ipLiteral(uri.getHost().replaceAll("^\\[|\\]$", ""))
                .map(InetAddress::isLoopbackAddress)
                .orElse(false);
    if (!scheme.equals("https") && !(scheme.equals("http") && isLoopback)) {
      throw oauth.error(key, "must be an https URL (keys fetched without TLS could be replaced in transit; http is"
          + " allowed only to a loopback address), was '" + text + "'");
    }
    return uri;
  }

  void write(ObjectNode oauth) {
    oauth.put(ISSUER, issuer);
    jwksUri.ifPresent(uri -> oauth.put(JWKS_URI, uri.toString()));
    jwksFile.ifPresent(file -> oauth.put(JWKS_FILE, file.toString()));
    ArrayNode list = oauth.putArray(AUDIENCE);
    audiences.forEach(list::add);
    oauth.put(ACCOUNT_CLAIM, accountClaim);
    oauth.put(CLOCK_SKEW, DurationSyntax.format(clockSkew));
  }

  /**
   * The defaults of the optional keys ({@code account-claim}, {@code clock-skew}); the issuer, one
   * key source and the audiences have none and must be set.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings, to change some by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The token settings by name; {@link #build()} checks that there is an issuer, one key source and an audience. */
  public static final class Builder {
    private String issuer;
    private Optional<URI> jwksUri;
    private Optional<Path> jwksFile;
    private List<String> audiences;
    private String accountClaim;
    private Duration clockSkew;

    private Builder() {
      jwksUri = Optional.empty();
      jwksFile = Optional.empty();
      audiences = List.of();
      accountClaim = DEFAULT_ACCOUNT_CLAIM;
      clockSkew = DEFAULT_CLOCK_SKEW;
    }

    private Builder(OAuthConfig from) {
      issuer = from.issuer;
      jwksUri = from.jwksUri;
      jwksFile = from.jwksFile;
      audiences = from.audiences;
      accountClaim = from.accountClaim;
      clockSkew = from.clockSkew;
    }

    public Builder issuer(String value) {
      issuer = value;
      return this;
    }

    public Builder jwksUri(Optional<URI> value) {
      jwksUri = value;
      return this;
    }

    public Builder jwksFile(Optional<Path> value) {
      jwksFile = value;
      return this;
    }

    public Builder audiences(List<String> value) {
      audiences = value;
      return this;
    }

    public Builder accountClaim(String value) {
      accountClaim = value;
      return this;
    }

    public Builder clockSkew(Duration value) {
      clockSkew = value;
      return this;
    }

    public OAuthConfig build() {
      return new OAuthConfig(issuer, jwksUri, jwksFile, audiences, accountClaim, clockSkew);
    }
  }
}
