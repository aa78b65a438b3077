package dev.hikyaku.config;

import dev.hikyaku.net.ListenerRole;
import java.util.Arrays;
import java.util.List;

/**
 * The key names of the config file, per level. Reader, writer and the documentation test all use
 * these lists, so a key cannot be added to one and forgotten in the others.
 */
final class Keys {

  private Keys() {}

  static final String HOSTNAME = "hostname";
  static final String DATA_DIRECTORY = "data-directory";
  static final String HOSTED_DOMAINS = "hosted-domains";
  static final String LISTENERS = "listeners";
  static final String TLS = "tls";
  static final String LIMITS = "limits";
  static final String AUTH = "auth";
  static final String ABUSE = "abuse";
  static final String RATES = "rates";
  static final String HTTP = "http";
  static final String DELIVERY = "delivery";
  static final String DNS_SERVERS = "dns-servers";
  static final String DNS_TIMEOUT = "dns-timeout";
  static final String MX_PORT = "mx-port";
  static final String MAX_PER_DOMAIN = "max-per-domain";
  static final String RETRY_FIRST = "retry-first";
  static final String RETRY_CAP = "retry-cap";
  static final String MAX_LIFETIME = "max-lifetime";
  static final String SMARTHOST = "smarthost";
  static final String HOST = "host";
  static final String USER = "user";
  static final String PASSWORD_FILE = "password-file";
  static final String ROUTES = "routes";
  static final String SMTP = "smtp";
  static final String LMTP = "lmtp";
  static final String MAILDIR = "maildir";
  static final String DELAY_WARNING = "delay-warning";
  static final String MAX_PER_HOST = "max-per-host";
  static final String SUPPRESS_STATUSES = "suppress-statuses";
  static final String DESTINATIONS = "destinations";
  static final String CONCURRENCY = "concurrency";
  static final String DESTINATION_MESSAGES_PER_MINUTE = "messages-per-minute";
  static final List<String> DELIVERY_SECTION =
      List.of("enabled", DNS_SERVERS, DNS_TIMEOUT, MX_PORT, "tls", MAX_PER_DOMAIN, MAX_PER_HOST, RETRY_FIRST, RETRY_CAP, MAX_LIFETIME,
          DELAY_WARNING, SUPPRESS_STATUSES, SMARTHOST, ROUTES, DESTINATIONS);
  /** One {@code delivery.destinations.<domain>} entry. */
  static final List<String> DESTINATION_SECTION = List.of("tls", CONCURRENCY, DESTINATION_MESSAGES_PER_MINUTE);
  /** One {@code delivery.routes.<domain>} entry: exactly one of smtp, lmtp, maildir; tls, user, password-file only with smtp. */
  static final List<String> ROUTE_SECTION = List.of(SMTP, "tls", USER, PASSWORD_FILE, LMTP, MAILDIR);
  static final List<String> SMARTHOST_SECTION = List.of(HOST, "port", "tls", USER, PASSWORD_FILE);
  static final String MAIL_AUTH = "mail-auth";
  static final String VERIFY = "verify";
  static final String DMARC_REJECT = "dmarc-reject";
  static final String DMARC_QUARANTINE = "dmarc-quarantine";
  static final String MAIL_AUTH_TIMEOUT = "timeout";
  static final List<String> MAIL_AUTH_SECTION = List.of(VERIFY, DMARC_REJECT, DMARC_QUARANTINE, MAIL_AUTH_TIMEOUT);
  static final String HISTORY = "history";
  static final String RETENTION = "retention";
  static final List<String> HISTORY_SECTION = List.of(RETENTION);
  /** {@code returns}: the VERP return path and the reading of returned mail and complaints. */
  static final String RETURNS = "returns";
  static final String DOMAIN = "domain";
  static final String FEEDBACK_ADDRESS = "feedback-address";
  static final List<String> RETURNS_SECTION = List.of("enabled", DOMAIN, FEEDBACK_ADDRESS);
  /** {@code recipients}: who the hosted domains take mail for, and next-hop verification. */
  static final String RECIPIENTS = "recipients";
  static final String VERIFY_TIMEOUT = "verify-timeout";
  static final String VERIFY_POSITIVE_TTL = "verify-positive-ttl";
  static final String VERIFY_NEGATIVE_TTL = "verify-negative-ttl";
  static final String HARVEST_THRESHOLD = "harvest-threshold";
  static final String DOMAINS = "domains";
  static final List<String> RECIPIENTS_SECTION =
      List.of(VERIFY_TIMEOUT, VERIFY_POSITIVE_TTL, VERIFY_NEGATIVE_TTL, HARVEST_THRESHOLD, DOMAINS);
  static final String CATCH_ALL = "catch-all";
  static final String LOCAL_PARTS = "local-parts";
  /** One {@code recipients.domains.<domain>} entry. */
  static final List<String> RECIPIENT_DOMAIN_SECTION = List.of(CATCH_ALL, LOCAL_PARTS);
  /** {@code api}: the HTTP JSON API; address and port spelled as a listener's, {@code tls} a boolean. */
  static final String API = "api";
  static final String WEBHOOK_PRIVATE_TARGETS = "webhook-private-targets";
  static final String WEBHOOK_CONCURRENCY = "webhook-concurrency";
  static final List<String> API_SECTION =
      List.of("enabled", "address", "port", "tls", WEBHOOK_PRIVATE_TARGETS, WEBHOOK_CONCURRENCY);
  static final List<String> TOP_LEVEL =
      List.of(HOSTNAME, DATA_DIRECTORY, HOSTED_DOMAINS, LISTENERS, TLS, LIMITS, AUTH, ABUSE, RATES, HTTP, API, DELIVERY,
          MAIL_AUTH, HISTORY, RETURNS, RECIPIENTS);

  static final String CONNECTIONS_PER_MINUTE = "connections-per-minute";
  static final String MESSAGES_PER_MINUTE = "messages-per-minute";
  static final String RECIPIENTS_PER_MINUTE = "recipients-per-minute";
  static final String ACCOUNT_MESSAGES_PER_MINUTE = "account-messages-per-minute";
  static final String ACCOUNT_RECIPIENTS_PER_MINUTE = "account-recipients-per-minute";
  static final String ACCOUNT_MESSAGES_PER_HOUR = "account-messages-per-hour";
  static final String ACCOUNT_MESSAGES_PER_DAY = "account-messages-per-day";
  static final String SUSPEND_VOLUME_FACTOR = "suspend-volume-factor";
  static final String SUSPEND_VOLUME_MINIMUM = "suspend-volume-minimum";
  static final String SUSPEND_NEW_DOMAINS = "suspend-new-domains";
  static final List<String> RATES_SECTION =
      List.of(
          CONNECTIONS_PER_MINUTE,
          MESSAGES_PER_MINUTE,
          RECIPIENTS_PER_MINUTE,
          ACCOUNT_MESSAGES_PER_MINUTE,
          ACCOUNT_RECIPIENTS_PER_MINUTE,
          ACCOUNT_MESSAGES_PER_HOUR,
          ACCOUNT_MESSAGES_PER_DAY,
          SUSPEND_VOLUME_FACTOR,
          SUSPEND_VOLUME_MINIMUM,
          SUSPEND_NEW_DOMAINS);

  static final String TARPIT = "tarpit";
  static final String TARPIT_MAX = "tarpit-max";
  static final String ACCOUNT_SOURCE_FAILURES = "account-source-failures";
  static final String ACCOUNT_FAILURES_PER_HOUR = "account-failures-per-hour";
  static final String SOURCE_ACCOUNTS = "source-accounts";
  static final String SOURCE_FAILURES_PER_HOUR = "source-failures-per-hour";
  static final String BLOCK_DURATION = "block-duration";
  static final String AUTH_PER_MINUTE = "auth-per-minute";
  static final String STUFFING_FACTOR = "stuffing-factor";
  static final String STUFFING_MINIMUM = "stuffing-minimum";
  static final String STUFFING_DELAY = "stuffing-delay";
  static final String ACCOUNT_TARPIT_MAX = "account-tarpit-max";
  static final String ACCOUNT_TARPIT_WINDOW = "account-tarpit-window";
  static final String ACCOUNT_ATTACK_FAILURES = "account-attack-failures";
  static final List<String> ABUSE_SECTION =
      List.of(
          TARPIT,
          TARPIT_MAX,
          ACCOUNT_SOURCE_FAILURES,
          ACCOUNT_FAILURES_PER_HOUR,
          SOURCE_ACCOUNTS,
          SOURCE_FAILURES_PER_HOUR,
          BLOCK_DURATION,
          AUTH_PER_MINUTE,
          STUFFING_FACTOR,
          STUFFING_MINIMUM,
          STUFFING_DELAY,
          ACCOUNT_TARPIT_MAX,
          ACCOUNT_TARPIT_WINDOW,
          ACCOUNT_ATTACK_FAILURES);

  static final String NAME = "name";
  static final String ROLE = "role";
  static final String ADDRESS = "address";
  static final String PORT = "port";
  static final String GREETING_DELAY = "greeting-delay";
  static final List<String> LISTENER = List.of(NAME, ROLE, ADDRESS, PORT, GREETING_DELAY);

  static final String CERTIFICATE = "certificate";
  static final String PRIVATE_KEY = "private-key";
  static final String RELOAD_CHECK_INTERVAL = "reload-check-interval";
  /** {@code tls.engine}: jdk or boringssl, for the SMTP listeners. */
  static final String ENGINE = "engine";
  static final List<String> TLS_SECTION = List.of(CERTIFICATE, PRIVATE_KEY, RELOAD_CHECK_INTERVAL, ENGINE);

  static final String MAX_MESSAGE_SIZE = "max-message-size";
  static final String MAX_RECIPIENTS = "max-recipients";
  static final String MAX_CONNECTIONS = "max-connections";
  static final String MAX_CONNECTIONS_PER_CLIENT = "max-connections-per-client";
  static final String MAX_ERRORS = "max-errors";
  static final String COMMAND_TIMEOUT = "command-timeout";
  static final String DATA_TIMEOUT = "data-timeout";
  static final String DATA_DEADLINE = "data-deadline";
  static final String MIN_DATA_RATE = "min-data-rate";
  static final String TLS_HANDSHAKE_TIMEOUT = "tls-handshake-timeout";
  static final String SHUTDOWN_GRACE = "shutdown-grace";
  static final List<String> LIMITS_SECTION =
      List.of(
          MAX_MESSAGE_SIZE,
          MAX_RECIPIENTS,
          MAX_CONNECTIONS,
          MAX_CONNECTIONS_PER_CLIENT,
          MAX_ERRORS,
          COMMAND_TIMEOUT,
          DATA_TIMEOUT,
          DATA_DEADLINE,
          MIN_DATA_RATE,
          TLS_HANDSHAKE_TIMEOUT,
          SHUTDOWN_GRACE);

  static final String MECHANISMS = "mechanisms";
  static final String CRAM_MD5 = "cram-md5";
  static final String ARGON2 = "argon2";
  static final String SCRAM_ITERATIONS = "scram-iterations";
  static final String PASSWORD_POLICY = "password-policy";
  static final String CACHE_TTL = "cache-ttl";
  static final String NULL_SENDER = "null-sender";
  static final String OAUTH = "oauth";
  static final List<String> AUTH_SECTION =
      List.of(
          MECHANISMS,
          CRAM_MD5,
          ARGON2,
          SCRAM_ITERATIONS,
          PASSWORD_POLICY,
          CACHE_TTL,
          NULL_SENDER,
          OAUTH);

  /** {@code auth.mechanisms} is keyed by listener role: relay, submission, submissions. */
  static final List<String> MECHANISMS_SECTION =
      Arrays.stream(ListenerRole.values()).map(ListenerRole::configName).toList();

  static final String MEMORY = "memory";
  static final String ITERATIONS = "iterations";
  static final String PARALLELISM = "parallelism";
  static final List<String> ARGON2_SECTION = List.of(MEMORY, ITERATIONS, PARALLELISM);

  static final String ISSUER = "issuer";
  static final String JWKS_URI = "jwks-uri";
  static final String JWKS_FILE = "jwks-file";
  static final String AUDIENCE = "audience";
  static final String ACCOUNT_CLAIM = "account-claim";
  static final String CLOCK_SKEW = "clock-skew";
  static final List<String> OAUTH_SECTION =
      List.of(ISSUER, JWKS_URI, JWKS_FILE, AUDIENCE, ACCOUNT_CLAIM, CLOCK_SKEW);

  /** {@code http}: the monitoring endpoint. Address and port are spelled as a listener's. */
  static final String ENABLED = "enabled";
  static final List<String> HTTP_SECTION = List.of(ENABLED, ADDRESS, PORT);

  /** Every key path a complete file can hold, for the documentation test. */
  static List<String> allPaths() {
    var paths = new java.util.ArrayList<String>(TOP_LEVEL);
    LISTENER.forEach(k -> paths.add(LISTENERS + "[]." + k));
    TLS_SECTION.forEach(k -> paths.add(TLS + "." + k));
    LIMITS_SECTION.forEach(k -> paths.add(LIMITS + "." + k));
    AUTH_SECTION.forEach(k -> paths.add(AUTH + "." + k));
    MECHANISMS_SECTION.forEach(k -> paths.add(AUTH + "." + MECHANISMS + "." + k));
    ARGON2_SECTION.forEach(k -> paths.add(AUTH + "." + ARGON2 + "." + k));
    OAUTH_SECTION.forEach(k -> paths.add(AUTH + "." + OAUTH + "." + k));
    ABUSE_SECTION.forEach(k -> paths.add(ABUSE + "." + k));
    RATES_SECTION.forEach(k -> paths.add(RATES + "." + k));
    DELIVERY_SECTION.forEach(k -> paths.add(DELIVERY + "." + k));
    SMARTHOST_SECTION.forEach(k -> paths.add(DELIVERY + "." + SMARTHOST + "." + k));
    ROUTE_SECTION.forEach(k -> paths.add(DELIVERY + "." + ROUTES + ".<domain>." + k));
    DESTINATION_SECTION.forEach(k -> paths.add(DELIVERY + "." + DESTINATIONS + ".<domain>." + k));
    HTTP_SECTION.forEach(k -> paths.add(HTTP + "." + k));
    API_SECTION.forEach(k -> paths.add(API + "." + k));
    MAIL_AUTH_SECTION.forEach(k -> paths.add(MAIL_AUTH + "." + k));
    HISTORY_SECTION.forEach(k -> paths.add(HISTORY + "." + k));
    RETURNS_SECTION.forEach(k -> paths.add(RETURNS + "." + k));
    RECIPIENTS_SECTION.forEach(k -> paths.add(RECIPIENTS + "." + k));
    RECIPIENT_DOMAIN_SECTION.forEach(k -> paths.add(RECIPIENTS + "." + DOMAINS + ".<domain>." + k));
    return List.copyOf(paths);
  }
}
