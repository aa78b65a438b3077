package dev.hikyaku.config;

import dev.hikyaku.net.ListenerRole;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * SMTP AUTH (RFC 4954) and the credentials behind it.
 *
 * @param mechanisms the SASL mechanisms offered on each listener role, in the order the EHLO reply
 *     lists them; names upper-case, from {@link #MECHANISM_NAMES}, no duplicates. A role with an
 *     empty list (or none) offers no AUTH.
 * @param isCramMd5Enabled whether CRAM-MD5 (RFC 2195) may be offered: it needs a secret equivalent
 *     to the plaintext password on the server, so it is off unless asked for
 * @param argon2 cost of hashing human passwords
 * @param scramIterations PBKDF2 iteration count for new SCRAM-SHA-256 credentials (RFC 7677 §4: at
 *     least 4096)
 * @param passwordPolicy the config name of the policy new passwords must meet ({@code nist} or
 *     {@code nisc}; see {@code dev.hikyaku.auth.PasswordPolicy})
 * @param cacheTtl how long a successful verification is remembered; {@link Duration#ZERO} turns the
 *     cache off
 * @param isNullSenderAllowed whether an authenticated client may send with {@code MAIL FROM:<>}
 * @param oauth token validation for XOAUTH2 and OAUTHBEARER; absent means neither is offered
 */
public record AuthConfig(
    Map<ListenerRole, List<String>> mechanisms,
    boolean isCramMd5Enabled,
    Argon2Settings argon2,
    int scramIterations,
    String passwordPolicy,
    Duration cacheTtl,
    boolean isNullSenderAllowed,
    Optional<OAuthConfig> oauth) {

  public static final String PLAIN = "PLAIN";
  public static final String LOGIN = "LOGIN";
  public static final String CRAM_MD5 = "CRAM-MD5";
  public static final String SCRAM_SHA_256 = "SCRAM-SHA-256";
  public static final String SCRAM_SHA_256_PLUS = "SCRAM-SHA-256-PLUS";
  public static final String XOAUTH2 = "XOAUTH2";
  public static final String OAUTHBEARER = "OAUTHBEARER";

  /** Every mechanism name the config accepts. */
  public static final List<String> MECHANISM_NAMES =
      List.of(PLAIN, LOGIN, CRAM_MD5, SCRAM_SHA_256, SCRAM_SHA_256_PLUS, XOAUTH2, OAUTHBEARER);

  /** The mechanisms that carry an OAuth 2.0 bearer token and so need {@link #oauth()}. */
  public static final List<String> TOKEN_MECHANISMS = List.of(XOAUTH2, OAUTHBEARER);

  public AuthConfig {
    Objects.requireNonNull(argon2, "argon2");
    Objects.requireNonNull(passwordPolicy, "passwordPolicy");
    Objects.requireNonNull(cacheTtl, "cacheTtl");
    Objects.requireNonNull(oauth, "oauth");
    Map<ListenerRole, List<String>> copy = new EnumMap<>(ListenerRole.class);
    mechanisms.forEach((role, names) -> copy.put(role, List.copyOf(names)));
    mechanisms = Collections.unmodifiableMap(copy);
  }

  /** The mechanisms offered on listeners of {@code role}; empty when AUTH is off there. */
  public List<String> mechanismsFor(ListenerRole role) {
    return mechanisms.getOrDefault(role, List.of());
  }
}
