package dev.hikyaku.auth;

import dev.hikyaku.auth.credential.CramMd5Secret;
import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.auth.credential.KeyedHash;
import dev.hikyaku.auth.credential.PasswordHasher;
import dev.hikyaku.auth.credential.ScramCredential;
import dev.hikyaku.auth.oauth.BearerTokenValidator;
import dev.hikyaku.auth.oauth.OAuthMessages;
import dev.hikyaku.auth.oauth.TokenVerdict;
import dev.hikyaku.auth.sasl.Bearer;
import dev.hikyaku.auth.sasl.CramMd5;
import dev.hikyaku.auth.sasl.Login;
import dev.hikyaku.auth.sasl.Mechanism;
import dev.hikyaku.auth.sasl.Plain;
import dev.hikyaku.auth.sasl.SaslMechanism;
import dev.hikyaku.auth.sasl.SaslStep;
import dev.hikyaku.auth.sasl.Scram;
import dev.hikyaku.auth.sasl.ScramServer;
import dev.hikyaku.config.Cidr;
import dev.hikyaku.store.Account;
import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.ApiKey;
import dev.hikyaku.store.ApiKeys;
import dev.hikyaku.store.AppPassword;
import dev.hikyaku.store.AppPasswords;
import dev.hikyaku.store.ServerSecret;
import dev.hikyaku.store.StoreException;
import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;

/**
 * Checks credentials against the accounts in the store, for every mechanism.
 *
 * <p>No user enumeration: an unknown or disabled account costs the same work as a wrong password (a
 * dummy Argon2id verification, a dummy SCRAM credential) and gets the same reply. Generated
 * credentials (API keys, app passwords) are checked first with a keyed fast hash; human passwords with
 * Argon2id, whose successful results are cached briefly so a client that opens a connection per
 * message is not throttled by hashing. Failures are never cached.
 */
public final class Authenticator implements AutoCloseable {

  /** Settings of the authenticator, from the {@code auth} section of the config. */
  public record Settings(int scramIterations, boolean isCramMd5Enabled, String hostname) {}

  private final Accounts accounts;
  private final AppPasswords appPasswords;
  private final ServerSecret storedSecret;
  private final ApiKeys apiKeys;
  private final PasswordHasher hasher;
  private final VerificationCache cache;
  private final Optional<BearerTokenValidator> bearerValidator;
  private final Optional<AuthThrottle> throttle;
  private final Settings settings;
  private final Clock clock;
  private final RandomGenerator random;
  private final AtomicReference<byte[]> serverSecret = new AtomicReference<>();
  private final AtomicReference<KeyedHash> keyedHash = new AtomicReference<>();

  public Authenticator(
      Accounts accounts,
      AppPasswords appPasswords,
      ServerSecret storedSecret,
      ApiKeys apiKeys,
      PasswordHasher hasher,
      VerificationCache cache,
      Optional<BearerTokenValidator> bearerValidator,
      Optional<AuthThrottle> throttle,
      Settings settings,
      Clock clock,
      RandomGenerator random) {
    this.accounts = accounts;
    this.appPasswords = appPasswords;
    this.storedSecret = storedSecret;
    this.apiKeys = apiKeys;
    this.hasher = hasher;
    this.cache = cache;
    this.bearerValidator = bearerValidator;
    this.throttle = throttle;
    this.settings = settings;
    this.clock = clock;
    this.random = random;
  }

  /**
   * The mechanisms that may run now, in the configured order: none outside TLS (RFC 8314 §3.3; even
   * the challenge-response ones would reveal the user name and invite offline guessing), -PLUS only
   * with a channel binding, bearer ones only with an issuer, CRAM-MD5 only when enabled.
   */
  public List<Mechanism> available(List<Mechanism> configured, boolean hasTls, boolean hasChannelBinding) {
    if (!hasTls) {
      return List.of();
    }
    return configured.stream()
        .filter(m -> hasChannelBinding || !m.needsChannelBinding())
        .filter(m -> bearerValidator.isPresent() || !m.isBearer())
        .filter(m -> settings.isCramMd5Enabled() || m != Mechanism.CRAM_MD5)
        .toList();
  }

  /**
   * Starts an exchange for a client. {@code channelBinding} is the RFC 9266 tls-exporter value, if
   * any; {@code client} decides whether the account tried is blocked from there.
   */
  public SaslMechanism begin(Mechanism mechanism, Optional<byte[]> channelBinding, InetAddress client) {
    Attempt attempt = new Attempt(this, client);
    return switch (mechanism) {
      case PLAIN -> new Plain(attempt);
      case LOGIN -> new Login(attempt);
      case CRAM_MD5 -> new CramMd5(attempt, cramChallenge());
      case SCRAM_SHA_256 -> new Scram(attempt, mechanism, new ScramServer(false, channelBinding, random));
      case SCRAM_SHA_256_PLUS -> new Scram(attempt, mechanism, new ScramServer(true, channelBinding, random));
      case XOAUTH2, OAUTHBEARER -> new Bearer(attempt, mechanism);
    };
  }

  /**
   * One client's exchange as the mechanisms see the authenticator: every check first asks whether
   * the account is blocked from the client's network, and answers such attempts without looking at
   * the secret at all.
   */
  public record Attempt(Authenticator authenticator, InetAddress client) {

    public AuthOutcome verifyPassword(String authcid, char[] password, Mechanism mechanism) {
      Optional<AuthOutcome> refused = refusalBeforeCheck(authcid);
      return refused.isPresent() ? refused.get() : authenticator.verifyPassword(authcid, password, mechanism, client);
    }

    public AuthOutcome verifyCramMd5(String user, String challenge, String digest) {
      Optional<AuthOutcome> refused = refusalBeforeCheck(user);
      return refused.isPresent() ? refused.get() : authenticator.verifyCramMd5(user, challenge, digest);
    }

    public Optional<ScramAccount> scramAccount(String authcid) {
      Optional<ScramAccount> account = authenticator.scramAccount(authcid);
      // A blocked account runs SCRAM against a dummy credential, so the exchange looks the same.
      Optional<AuthOutcome> refused = refusalBeforeCheck(authcid);
      return refused.isPresent()
          ? account.map(a -> new ScramAccount(a.name(), a.credential(), Optional.of((AuthOutcome.Refused) refused.get())))
          : account;
    }

    public AuthOutcome scramSucceeded(String name, Mechanism mechanism) {
      return authenticator.scramSucceeded(name, mechanism);
    }

    public BearerResult verifyBearer(OAuthMessages.BearerRequest request, Mechanism mechanism) {
      String claimed = request.user().orElse("");
      Optional<AuthOutcome> refused = claimed.isEmpty() ? Optional.empty() : refusalBeforeCheck(claimed);
      return refused.isPresent()
          ? new BearerResult(refused.get(), Optional.empty())
          : authenticator.verifyBearer(request, mechanism);
    }

    public void burnPasswordTime(char[] password) {
      authenticator.burnPasswordTime(password);
    }

    /** The throttle's refusal before any check (a block, or the account's turn taken): once per exchange. */
    private Optional<AuthOutcome> refusalBeforeCheck(String account) {
      return authenticator.throttle
          .flatMap(t -> t.refusalBeforeCheck(account, client))
          .map(reason -> refused(account.toLowerCase(Locale.ROOT), reason));
    }
  }

  // ---- Passwords (PLAIN, LOGIN) ----------------------------------------------------------------

  AuthOutcome verifyPassword(String authcid, char[] password, Mechanism mechanism, InetAddress client) {
    String name = authcid.toLowerCase(Locale.ROOT);
    Optional<Account> found;
    try {
      found = accounts.find(name);
    } catch (StoreException e) {
      return unavailable(name, e);
    }
    if (found.isEmpty()) {
      hasher.verifyDummy(password);
      return refused(name, "unknown account");
    }
    Account account = found.get();
    if (GeneratedSecrets.looksLikeApiKey(new String(password))) {
      return verifyApiKey(account, password, mechanism, client);
    }
    if (GeneratedSecrets.looksLikeAppPassword(new String(password))) {
      try {
        Optional<AppPassword> app =
            appPasswords.findActive(account.address(), keyedHash().of(new String(password)));
        if (app.isPresent() && !account.isDisabled()) {
          appPasswords.recordUse(app.get().id(), clock.instant());
          return authenticated(account, mechanism, "app password '" + app.get().name() + "'");
        }
      } catch (StoreException e) {
        return unavailable(name, e);
      }
    }
    if (account.isDisabled()) {
      hasher.verifyDummy(password);
      return refused(name, "account disabled");
    }
    if (cache.isVerified(account.address(), account.credentialGeneration(), password)) {
      return authenticated(account, mechanism, "password (cached)");
    }
    Optional<String> phc = account.credentials().argon2id();
    if (phc.isEmpty()) {
      hasher.verifyDummy(password);
      return refused(name, "account has no password");
    }
    if (!hasher.verify(password, phc.get())) {
      return refused(name, "wrong password");
    }
    cache.remember(account.address(), account.credentialGeneration(), password);
    return authenticated(account, mechanism, "password");
  }

  /**
   * An API key as the password of PLAIN or LOGIN, the user name being the account it acts for. A
   * key-shaped password is only ever a key (never tried as the account's password). Every refusal
   * costs a dummy Argon2id verification, as a wrong password does, and gets the same reply: a
   * revoked key, a key of another account, a key used from outside its allow-list and a key without
   * scope {@code send} are all "wrong password" to the client; the audit log says which, naming the
   * key, never its secret.
   */
  private AuthOutcome verifyApiKey(Account account, char[] password, Mechanism mechanism, InetAddress client) {
    String name = account.address();
    Optional<ApiKey> found;
    try {
      found = apiKeys.find(keyedHash().of(new String(password)));
    } catch (StoreException e) {
      return unavailable(name, e);
    }
    Optional<String> refusal = found.isEmpty() ? Optional.of("with an unknown api key") : apiKeyRefusal(found.get(), account, client);
    if (refusal.isPresent()) {
      hasher.verifyDummy(password);
      return refused(name, refusal.get());
    }
    ApiKey key = found.get();
    apiKeys.recordUse(key.id(), clock.instant());
    accounts.recordLogin(account.address(), clock.instant());
    return new AuthOutcome.Authenticated(
        new Principal(account.address(), Optional.of(key.name()), key.senders(), key.limits()),
        mechanism,
        "api key " + key.name());
  }

  /** Why {@code key} may not log {@code account} in from {@code client} for sending, if it may not. */
  private static Optional<String> apiKeyRefusal(ApiKey key, Account account, InetAddress client) {
    String with = "with api key " + key.name() + ": ";
    if (!key.isActive()) {
      return Optional.of(with + "revoked");
    }
    if (!key.account().equals(account.address())) {
      return Optional.of(with + "acts for another account than the user named");
    }
    if (account.isDisabled()) {
      return Optional.of(with + "account disabled");
    }
    if (!isAllowedFrom(key, client)) {
      return Optional.of(with + "not allowed from " + client.getHostAddress());
    }
    if (!key.hasScope(ApiKey.Scope.SEND)) {
      return Optional.of(with + "lacks scope send");
    }
    return Optional.empty();
  }

  /**
   * Whether {@code key} may be used from {@code client}: no allow-list, or a block holding it. An
   * entry that does not parse (written by hand into the store) allows nothing.
   */
  public static boolean isAllowedFrom(ApiKey key, InetAddress client) {
    return key.allowedNetworks().isEmpty()
        || key.allowedNetworks().stream().anyMatch(n -> Cidr.parse(n).map(block -> block.contains(client)).orElse(false));
  }

  /** Spends the time of one password check, for refusals decided before it (same time profile). */
  void burnPasswordTime(char[] password) {
    hasher.verifyDummy(password);
  }

  // ---- CRAM-MD5 --------------------------------------------------------------------------------

  private String cramChallenge() {
    // RFC 2195 §2: a unique challenge in msg-id form.
    return "<" + Long.toUnsignedString(random.nextLong()) + "." + clock.millis() + "@" + settings.hostname() + ">";
  }

  AuthOutcome verifyCramMd5(String user, String challenge, String digest) {
    String name = user.toLowerCase(Locale.ROOT);
    Optional<Account> found;
    try {
      found = accounts.find(name);
    } catch (StoreException e) {
      return unavailable(name, e);
    }
    Optional<CramMd5Secret> secret = found.flatMap(a -> a.credentials().cramMd5()).flatMap(CramMd5Secret::decode);
    if (secret.isEmpty()) {
      // RFC 4954 §6: 534 when the mechanism is weaker than the account allows. Unknown accounts get
      // the same answer, so 534 tells nothing about who exists.
      return new AuthOutcome.Refused(AuthOutcome.Refusal.TOO_WEAK, name, found.isEmpty() ? "unknown account" : "no CRAM-MD5 secret stored");
    }
    if (!secret.get().verify(challenge, digest) || found.get().isDisabled()) {
      return refused(name, found.get().isDisabled() ? "account disabled" : "wrong CRAM-MD5 digest");
    }
    return authenticated(found.get(), Mechanism.CRAM_MD5, "password");
  }

  // ---- SCRAM -----------------------------------------------------------------------------------

  /**
   * The credential to run SCRAM with: the account's, or a dummy (per-user, stable) that no password
   * matches, so that unknown accounts look like known ones. Empty only when the store is down.
   */
  public record ScramAccount(String name, ScramCredential credential, Optional<AuthOutcome.Refused> refusal) {}

  Optional<ScramAccount> scramAccount(String authcid) {
    String name = authcid.toLowerCase(Locale.ROOT);
    Optional<Account> found;
    byte[] secret;
    try {
      found = accounts.find(name);
      secret = serverSecret();
    } catch (StoreException e) {
      return Optional.empty();
    }
    Optional<ScramCredential> credential = found.flatMap(a -> a.credentials().scramSha256()).flatMap(ScramCredential::decode);
    if (found.isPresent() && credential.isPresent() && !found.get().isDisabled()) {
      return Optional.of(new ScramAccount(name, credential.get(), Optional.empty()));
    }
    String reason = found.isEmpty() ? "unknown account" : found.get().isDisabled() ? "account disabled" : "no SCRAM credential stored";
    return Optional.of(
        new ScramAccount(
            name,
            ScramServer.dummyFor(name, secret, settings.scramIterations()),
            Optional.of(new AuthOutcome.Refused(AuthOutcome.Refusal.INVALID_CREDENTIALS, name, reason))));
  }

  AuthOutcome scramSucceeded(String name, Mechanism mechanism) {
    try {
      Optional<Account> account = accounts.find(name);
      if (account.isEmpty() || account.get().isDisabled()) {
        return refused(name, "account vanished or was disabled during the exchange");
      }
      return authenticated(account.get(), mechanism, "password");
    } catch (StoreException e) {
      return unavailable(name, e);
    }
  }

  // ---- Bearer tokens (XOAUTH2, OAUTHBEARER) ----------------------------------------------------

  /** The outcome, and the JSON error challenge to send first when the token was refused. */
  public record BearerResult(AuthOutcome outcome, Optional<String> errorChallenge) {}

  BearerResult verifyBearer(OAuthMessages.BearerRequest request, Mechanism mechanism) {
    String claimed = request.user().orElse("").toLowerCase(Locale.ROOT);
    if (bearerValidator.isEmpty()) {
      return new BearerResult(refused(claimed, "no token issuer configured"), Optional.empty());
    }
    TokenVerdict verdict = bearerValidator.get().validate(request.token());
    return switch (verdict) {
      case TokenVerdict.Unavailable unavailable ->
          new BearerResult(
              new AuthOutcome.Refused(AuthOutcome.Refusal.UNAVAILABLE, claimed, "token issuer unavailable: " + unavailable.reason()),
              Optional.empty());
      case TokenVerdict.Invalid invalid ->
          new BearerResult(refused(claimed, "token refused: " + invalid.reason()), Optional.of(errorJson(mechanism, invalid.status())));
      case TokenVerdict.Valid valid -> {
        String account = valid.account().toLowerCase(Locale.ROOT);
        if (!claimed.isEmpty() && !claimed.equals(account)) {
          yield new BearerResult(
              refused(claimed, "token is for " + account + ", not the user named"), Optional.of(errorJson(mechanism, "invalid_token")));
        }
        try {
          Optional<Account> found = accounts.find(account);
          if (found.isEmpty() || found.get().isDisabled()) {
            yield new BearerResult(
                refused(account, found.isEmpty() ? "token names an unknown account" : "account disabled"),
                Optional.of(errorJson(mechanism, "invalid_token")));
          }
          yield new BearerResult(authenticated(found.get(), mechanism, "token of " + valid.subject()), Optional.empty());
        } catch (StoreException e) {
          yield new BearerResult(unavailable(account, e), Optional.empty());
        }
      }
    };
  }

  private static String errorJson(Mechanism mechanism, String status) {
    return mechanism == Mechanism.XOAUTH2
        ? OAuthMessages.xoauth2Error(Optional.empty())
        : OAuthMessages.oauthbearerError(status, Optional.empty(), Optional.empty());
  }

  /** Stops the token issuer's key refresh, if there is one. */
  @Override
  public void close() {
    bearerValidator.ifPresent(BearerTokenValidator::close);
  }

  // ---- Shared ----------------------------------------------------------------------------------

  private byte[] serverSecret() throws StoreException {
    byte[] secret = serverSecret.get();
    if (secret == null) {
      secret = storedSecret.value();
      serverSecret.set(secret);
    }
    return secret;
  }

  /** The keyed hash of generated credentials, its HMAC key set up once (issue 15 point 3). */
  private KeyedHash keyedHash() throws StoreException {
    KeyedHash hash = keyedHash.get();
    if (hash == null) {
      hash = new KeyedHash(serverSecret());
      keyedHash.set(hash);
    }
    return hash;
  }

  private AuthOutcome authenticated(Account account, Mechanism mechanism, String credential) {
    accounts.recordLogin(account.address(), clock.instant());
    return new AuthOutcome.Authenticated(new Principal(account.address()), mechanism, credential);
  }

  private static AuthOutcome refused(String name, String reason) {
    return new AuthOutcome.Refused(AuthOutcome.Refusal.INVALID_CREDENTIALS, name, reason);
  }

  private static AuthOutcome unavailable(String name, StoreException e) {
    return new AuthOutcome.Refused(AuthOutcome.Refusal.UNAVAILABLE, name, "account store unavailable: " + e.getMessage());
  }

  public static SaslStep malformed(String reason) {
    return new SaslStep.Done(new AuthOutcome.Refused(AuthOutcome.Refusal.MALFORMED, "", reason));
  }
}
