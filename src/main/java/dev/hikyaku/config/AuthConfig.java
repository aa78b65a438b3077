package dev.hikyaku.config;

import dev.hikyaku.auth.sasl.Mechanism;
import dev.hikyaku.auth.credential.PasswordPolicy;
import dev.hikyaku.net.ListenerRole;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * SMTP AUTH (RFC 4954) and the credentials behind it.
 *
 * @param mechanisms the SASL mechanisms offered on each listener role, in the order the EHLO reply
 *     lists them, no duplicates. A role with an empty list (or none) offers no AUTH.
 * @param isCramMd5Enabled whether CRAM-MD5 (RFC 2195) may be offered: it needs a secret equivalent
 *     to the plaintext password on the server, so it is off unless asked for
 * @param argon2 cost of hashing human passwords
 * @param scramIterations PBKDF2 iteration count for new SCRAM-SHA-256 credentials (RFC 7677 §4: at
 *     least 4096)
 * @param passwordPolicy the policy new passwords must meet ({@code nist} or {@code nisc} in the file)
 * @param cacheTtl how long a successful verification is remembered; {@link Duration#ZERO} turns the
 *     cache off
 * @param isNullSenderAllowed whether an authenticated client may send with {@code MAIL FROM:<>}
 * @param oauth token validation for XOAUTH2 and OAUTHBEARER; absent means neither is offered
 */
public record AuthConfig(
    Map<ListenerRole, List<Mechanism>> mechanisms,
    boolean isCramMd5Enabled,
    Argon2Settings argon2,
    int scramIterations,
    PasswordPolicy passwordPolicy,
    Duration cacheTtl,
    boolean isNullSenderAllowed,
    Optional<OAuthConfig> oauth) {

  public AuthConfig {
    Objects.requireNonNull(argon2, "argon2");
    Objects.requireNonNull(passwordPolicy, "passwordPolicy");
    Objects.requireNonNull(cacheTtl, "cacheTtl");
    Objects.requireNonNull(oauth, "oauth");
    Map<ListenerRole, List<Mechanism>> copy = new EnumMap<>(ListenerRole.class);
    mechanisms.forEach((role, names) -> copy.put(role, List.copyOf(names)));
    mechanisms = Collections.unmodifiableMap(copy);
  }

  /** The mechanisms offered on listeners of {@code role}; empty when AUTH is off there. */
  public List<Mechanism> mechanismsFor(ListenerRole role) {
    return mechanisms.getOrDefault(role, List.of());
  }

  static final String SECTION = "auth";
  private static final String MECHANISMS = "mechanisms";
  private static final String CRAM_MD5_KEY = "cram-md5";
  private static final String ARGON2 = "argon2";
  private static final String SCRAM_ITERATIONS = "scram-iterations";
  private static final String PASSWORD_POLICY = "password-policy";
  private static final String CACHE_TTL = "cache-ttl";
  private static final String NULL_SENDER = "null-sender";
  static final String OAUTH = "oauth";
  static final List<String> KEYS =
      List.of(MECHANISMS, CRAM_MD5_KEY, ARGON2, SCRAM_ITERATIONS, PASSWORD_POLICY, CACHE_TTL, NULL_SENDER, OAUTH);
  /** {@code auth.mechanisms} is keyed by listener role: relay, submission, submissions. */
  static final List<String> MECHANISMS_KEYS = Arrays.stream(ListenerRole.values()).map(ListenerRole::configName).toList();

  /**
   * What submission listeners offer when the file does not say: channel-bound SCRAM first (RFC 5802
   * §6, RFC 7677), then SCRAM, then PLAIN (RFC 4616) and LOGIN for the many clients that know
   * nothing else; all of them only after TLS.
   */
  private static final List<Mechanism> SUBMISSION_MECHANISMS =
      List.of(Mechanism.SCRAM_SHA_256_PLUS, Mechanism.SCRAM_SHA_256, Mechanism.PLAIN, Mechanism.LOGIN);

  // RFC 7677 §4: the SCRAM-SHA-256 iteration count SHOULD be at least 4096.
  private static final int MIN_SCRAM_ITERATIONS = 4096;
  // A cached verification outlives a password change on another node by up to this long.
  private static final Duration MAX_CACHE_TTL = Duration.ofHours(1);

  /**
   * CRAM-MD5 (RFC 2195) is off: it needs a plaintext-equivalent secret on the server. SCRAM uses
   * the RFC 7677 §4 minimum of 4096 iterations; NIST's password rules; a successful verification is
   * remembered 60 s, long enough to spare Argon2id for a client that connects once per message.
   * Bounces come from the server itself; a user sending them ({@code MAIL FROM:<>}) is rare enough
   * to ask for. No OAuth.
   */
  static final AuthConfig DEFAULTS = new AuthConfig(defaultMechanisms(false, false), false, Argon2Settings.DEFAULTS,
      MIN_SCRAM_ITERATIONS, PasswordPolicy.NIST, Duration.ofSeconds(60), false, Optional.empty());

  /**
   * The mechanisms of {@code role} when the file lists none: none on the relay port (servers
   * relaying to us do not authenticate, RFC 5321), else {@link #SUBMISSION_MECHANISMS}, plus
   * XOAUTH2 and OAUTHBEARER when tokens can be checked, plus CRAM-MD5 when it is turned on.
   */
  static List<Mechanism> defaultMechanisms(ListenerRole role, boolean hasOAuth, boolean isCramMd5Enabled) {
    return switch (role) {
      case RELAY -> List.of();
      case SUBMISSION, SUBMISSIONS -> {
        List<Mechanism> names = new ArrayList<>(SUBMISSION_MECHANISMS);
        if (hasOAuth) {
          Arrays.stream(Mechanism.values()).filter(Mechanism::isBearer).forEach(names::add);
        }
        if (isCramMd5Enabled) {
          names.add(Mechanism.CRAM_MD5);
        }
        yield List.copyOf(names);
      }
    };
  }

  private static Map<ListenerRole, List<Mechanism>> defaultMechanisms(boolean hasOAuth, boolean isCramMd5Enabled) {
    Map<ListenerRole, List<Mechanism>> mechanisms = new EnumMap<>(ListenerRole.class);
    for (ListenerRole role : ListenerRole.values()) {
      mechanisms.put(role, defaultMechanisms(role, hasOAuth, isCramMd5Enabled));
    }
    return mechanisms;
  }

  /** The {@code auth} section; the mechanisms of each role default to what CRAM-MD5 and OAuth allow. */
  static AuthConfig read(Section auth) throws ConfigException {
    AuthConfig d = DEFAULTS;
    boolean isCramMd5Enabled = auth.bool(CRAM_MD5_KEY, d.isCramMd5Enabled());
    Argon2Settings argon2 = Argon2Settings.read(auth.section(ARGON2, Argon2Settings.KEYS));
    int scramIterations =
        auth.integer(SCRAM_ITERATIONS, d.scramIterations(), MIN_SCRAM_ITERATIONS, Integer.MAX_VALUE, " (RFC 7677 §4)");
    PasswordPolicy passwordPolicy = d.passwordPolicy();
    if (auth.has(PASSWORD_POLICY)) {
      String name = auth.text(PASSWORD_POLICY).orElseThrow();
      passwordPolicy = PasswordPolicy.parse(name).orElseThrow(
          () -> auth.error(PASSWORD_POLICY, "unknown password policy '" + name + "'; known policies: "
              + Arrays.stream(PasswordPolicy.values()).map(PasswordPolicy::configName).collect(Collectors.joining(", "))));
    }
    // 0s turns the cache off.
    Duration cacheTtl = auth.duration(CACHE_TTL, d.cacheTtl(), Duration.ZERO, MAX_CACHE_TTL, "");
    boolean isNullSenderAllowed = auth.bool(NULL_SENDER, d.isNullSenderAllowed());
    Optional<OAuthConfig> oauth = auth.has(OAUTH)
        ? Optional.of(OAuthConfig.read(auth.section(OAUTH, OAuthConfig.KEYS), auth.node(OAUTH)))
        : Optional.empty();
    Section mechanismsSection = auth.section(MECHANISMS, MECHANISMS_KEYS);
    Map<ListenerRole, List<Mechanism>> mechanisms = new EnumMap<>(ListenerRole.class);
    for (ListenerRole role : ListenerRole.values()) {
      String key = role.configName();
      mechanisms.put(role, mechanismsSection.has(key)
          ? mechanisms(mechanismsSection, key, role, isCramMd5Enabled, oauth.isPresent(), auth)
          : defaultMechanisms(role, oauth.isPresent(), isCramMd5Enabled));
    }
    return builder()
        .mechanisms(mechanisms)
        .cramMd5Enabled(isCramMd5Enabled)
        .argon2(argon2)
        .scramIterations(scramIterations)
        .passwordPolicy(passwordPolicy)
        .cacheTtl(cacheTtl)
        .nullSenderAllowed(isNullSenderAllowed)
        .oauth(oauth)
        .build();
  }

  private static List<Mechanism> mechanisms(
      Section section, String key, ListenerRole role, boolean isCramMd5Enabled, boolean hasOAuth, Section auth)
      throws ConfigException {
    String path = section.path(key);
    YamlNode node = section.node(key);
    List<YamlNode> items = section.list(node, path, "SASL mechanism names");
    if (items.isEmpty() && role.requiresAuthentication()) {
      // RFC 6409 §4.1 (and RFC 8314 for implicit TLS): submission requires AUTH before MAIL, so a
      // submission listener without mechanisms would refuse every message.
      throw section.error(path, node, "must list at least one mechanism: a " + role.configName()
          + " listener requires AUTH before MAIL (RFC 6409 §4.1); to accept no mail there, remove the listener");
    }
    List<Mechanism> mechanisms = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String itemPath = path + "[" + i + "]";
      YamlNode item = items.get(i);
      // RFC 4422 §3.1: mechanism names are upper-case; accept any case, keep the registered one.
      String written = section.text(item, itemPath);
      Mechanism mechanism = Mechanism.bySaslName(written.strip()).orElseThrow(() -> section.error(itemPath, item,
          "unknown SASL mechanism '" + written + "'; known mechanisms: "
              + Arrays.stream(Mechanism.values()).map(Mechanism::saslName).collect(Collectors.joining(", "))));
      String name = mechanism.saslName();
      int earlier = mechanisms.indexOf(mechanism);
      if (earlier >= 0) {
        throw section.error(itemPath, item, "'" + name + "' is already listed as " + path + "[" + earlier + "]");
      }
      if (mechanism.isBearer() && !hasOAuth) {
        throw section.error(itemPath, item, name + " carries an OAuth 2.0 token, which needs " + auth.path(OAUTH)
            + " (the issuer and its keys); set it or remove " + name);
      }
      if (mechanism == Mechanism.CRAM_MD5 && !isCramMd5Enabled) {
        throw section.error(itemPath, item, "CRAM-MD5 is turned off: it needs a plaintext-equivalent secret on the server"
            + " (RFC 2195); set " + auth.path(CRAM_MD5_KEY) + ": true to allow it, or remove it");
      }
      mechanisms.add(mechanism);
    }
    return List.copyOf(mechanisms);
  }

  void write(ObjectNode auth) {
    ObjectNode byRole = auth.putObject(MECHANISMS);
    for (ListenerRole role : ListenerRole.values()) {
      ArrayNode names = byRole.putArray(role.configName());
      mechanismsFor(role).forEach(mechanism -> names.add(mechanism.saslName()));
    }
    auth.put(CRAM_MD5_KEY, isCramMd5Enabled);
    argon2.write(auth.putObject(ARGON2));
    auth.put(SCRAM_ITERATIONS, scramIterations);
    auth.put(PASSWORD_POLICY, passwordPolicy.configName());
    auth.put(CACHE_TTL, DurationSyntax.format(cacheTtl));
    auth.put(NULL_SENDER, isNullSenderAllowed);
    oauth.ifPresent(o -> o.write(auth.putObject(OAUTH)));
  }

  /** The defaults (what an empty section reads as), to change some by name. */
  public static Builder builder() {
    return DEFAULTS.toBuilder();
  }

  /** A builder holding these settings, to change some by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The AUTH settings by name. The mechanisms are set as a whole: unlike the reader, the builder
   * does not derive them from CRAM-MD5 and OAuth.
   */
  public static final class Builder {
    private Map<ListenerRole, List<Mechanism>> mechanisms;
    private boolean isCramMd5Enabled;
    private Argon2Settings argon2;
    private int scramIterations;
    private PasswordPolicy passwordPolicy;
    private Duration cacheTtl;
    private boolean isNullSenderAllowed;
    private Optional<OAuthConfig> oauth;

    private Builder(AuthConfig from) {
      mechanisms = from.mechanisms;
      isCramMd5Enabled = from.isCramMd5Enabled;
      argon2 = from.argon2;
      scramIterations = from.scramIterations;
      passwordPolicy = from.passwordPolicy;
      cacheTtl = from.cacheTtl;
      isNullSenderAllowed = from.isNullSenderAllowed;
      oauth = from.oauth;
    }

    public Builder mechanisms(Map<ListenerRole, List<Mechanism>> value) {
      mechanisms = value;
      return this;
    }

    public Builder cramMd5Enabled(boolean value) {
      isCramMd5Enabled = value;
      return this;
    }

    public Builder argon2(Argon2Settings value) {
      argon2 = value;
      return this;
    }

    public Builder scramIterations(int value) {
      scramIterations = value;
      return this;
    }

    public Builder passwordPolicy(PasswordPolicy value) {
      passwordPolicy = value;
      return this;
    }

    public Builder cacheTtl(Duration value) {
      cacheTtl = value;
      return this;
    }

    public Builder nullSenderAllowed(boolean value) {
      isNullSenderAllowed = value;
      return this;
    }

    public Builder oauth(Optional<OAuthConfig> value) {
      oauth = value;
      return this;
    }

    public AuthConfig build() {
      return new AuthConfig(mechanisms, isCramMd5Enabled, argon2, scramIterations, passwordPolicy, cacheTtl,
          isNullSenderAllowed, oauth);
    }
  }
}
