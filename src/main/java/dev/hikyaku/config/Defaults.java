package dev.hikyaku.config;

import dev.hikyaku.auth.PasswordPolicy;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsEngineKind;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every default value of the configuration, and nothing else. The reader falls back to these key by
 * key; no other class (in this package or elsewhere) writes a default literal. {@code
 * docs/configuration.md} documents the same values; {@code ConfigLoaderTest} renders {@link
 * #config()} and reads it back, so a default that breaks a rule fails the build.
 */
final class Defaults {

  private static final Logger log = LoggerFactory.getLogger(Defaults.class);

  private Defaults() {}

  /** Relative to the working directory of the server process. */
  static final Path DATA_DIRECTORY = Path.of("data");

  /** Under the data directory: where a generated self-signed certificate is kept. */
  static final String SELF_SIGNED_TLS_SUBDIRECTORY = "tls";

  /** Used when the machine's own name cannot be found; also always a hosted domain by default. */
  static final String LOCALHOST = "localhost";

  /** The IPv4 wildcard: every local IPv4 address. */
  static final String LISTENER_ADDRESS = "0.0.0.0";

  /** The listeners used when the file has no {@code listeners} key, in this order. */
  static final List<ListenerRole> LISTENER_ROLES =
      List.of(ListenerRole.RELAY, ListenerRole.SUBMISSION, ListenerRole.SUBMISSIONS);

  /** The IANA port of each role. */
  static int port(ListenerRole role) {
    return switch (role) {
      case RELAY -> 25; // RFC 5321 §4.5.4.2 (port 25 for SMTP relay)
      case SUBMISSION -> 587; // RFC 6409 §3.1
      case SUBMISSIONS -> 465; // RFC 8314 §7.3
    };
  }

  /**
   * A short pause before the greeting on the relay port catches clients that speak before it: RFC
   * 5321 §3.1 opens a session with the server's message, and bulk senders that skip the wait give
   * themselves away (Postfix postscreen's pregreet test). Submission clients are our own users.
   */
  static Duration greetingDelay(ListenerRole role) {
    return switch (role) {
      case RELAY -> Duration.ofSeconds(1);
      case SUBMISSION, SUBMISSIONS -> Duration.ZERO;
    };
  }

  static String listenerName(ListenerRole role) {
    return role.configName();
  }

  /**
   * Defaults of the abuse defences. A human gets 10 tries per network per block window with a
   * doubling wait (1+2+4+8+16+20+20+20+20 s); an attacker gets no more than the NIST cap of 100
   * failures per account per hour across every network the owner never used, and, however many
   * networks it has, at most 22 checked guesses per hour (528 a day): the account tarpit doubles
   * with the account's failures from those networks (1, 2, 4 … 256 s, then 5 min each), and from
   * the tenth on they get one checked attempt per tarpit between them.
   */
  static final AbuseConfig ABUSE =
      new AbuseConfig(
          Duration.ofSeconds(1),
          Duration.ofSeconds(20),
          10,
          100, // NIST SP 800-63B rev. 4 §3.2.2: no more than 100 consecutive failures
          10,
          30,
          Duration.ofHours(1),
          20,
          10,
          60,
          Duration.ofSeconds(5),
          Duration.ofMinutes(5),
          Duration.ofHours(1),
          10);

  /**
   * Rates generous enough for an office behind one address and a SaaS account sending
   * transactional mail; quotas an operator should tune per deployment. Suspension needs ten times an
   * account's usual hourly volume and at least 200 messages, or 100 recipient domains in an hour.
   */
  static final RateConfig RATES = new RateConfig(120, 120, 1000, 60, 600, 1000, 10_000, 10, 200, 100);

  /**
   * Delivery defaults follow Postfix: first retry after 5 minutes, doubling up to 4000 s, bounce
   * after 5 days (RFC 5321 §4.5.4.1 suggests 4-5 days); opportunistic TLS towards MX hosts (RFC 3207
   * §4: a server may not insist without a policy); 5 connections per destination domain and 10 per MX
   * host address; no delay warning. On by
   * default: hosted domains without a route get a Maildir under the data directory ({@link
   * #MAIL_SUBDIRECTORY}), so their mail never goes out by MX and comes back (a loop).
   */
  /**
   * The statuses of a remote refusal that suppress a recipient: RFC 3463 X.1.1 bad destination
   * mailbox, X.1.2 bad destination system, X.1.10 null MX (RFC 7505). Other 5.1.x details (X.1.3
   * syntax, X.1.6 moved, X.1.7/8 sender problems) say nothing final about the recipient.
   */
  static final List<String> SUPPRESS_STATUSES = List.of("5.1.1", "5.1.2", "5.1.10");

  static final DeliveryConfig DELIVERY =
      new DeliveryConfig(
          true,
          List.of(),
          Duration.ofSeconds(5),
          25, // RFC 5321 §4.5.4.2
          "opportunistic",
          5,
          Duration.ofMinutes(5),
          Duration.ofSeconds(4000),
          Duration.ofDays(5),
          Optional.empty(),
          java.util.Map.of(),
          Optional.empty(), // no delay warning (Postfix: delay_warning_time = 0)
          10,
          java.util.Map.of(),
          SUPPRESS_STATUSES);

  /**
   * Inbound checks on: every message on port 25 gets an Authentication-Results field; DMARC
   * p=reject is honoured with 550 5.7.1 (RFC 7489 §6.3), p=quarantine is marked only (we hold no
   * spam folder; the field tells the mailbox server). The checks of one message get 15 s together:
   * three times the DNS timeout, ample for a working resolver, short of what a client waits.
   */
  static final MailAuthConfig MAIL_AUTH = new MailAuthConfig(true, "reject", "mark", Duration.ofSeconds(15));

  /**
   * The message history is kept 30 days, as the send logs of the relay services users compare us
   * with (SendGrid's activity feed, Postmark's) keep theirs: long enough to answer a sender who
   * asks about last week's mail, short enough that the history stays a fraction of the disk.
   */
  static final HistoryConfig HISTORY = new HistoryConfig(Duration.ofDays(30));

  /**
   * Returned-mail processing is off: turning it on needs a domain of its own whose MX is this
   * server (and an SPF record naming it), which only the operator can publish.
   */
  static final ReturnsConfig RETURNS = ReturnsConfig.OFF;

  /**
   * Hosted domains take mail for their accounts, the addresses those may send as and postmaster,
   * with no catch-all (an opt-in). A next hop has 10 s to say whether a recipient exists: the
   * client waits at RCPT, and RFC 5321 §4.5.3.2.3 gives it 5 minutes, but a mailbox server that
   * needs longer is not well. An existing mailbox is remembered an hour, a missing one ten minutes,
   * so that one created at the next hop is reachable soon. Twenty distinct unknown recipients from
   * one address in an hour is no mailing list's stale entries but a dictionary.
   */
  static final RecipientsConfig RECIPIENTS =
      new RecipientsConfig(Duration.ofSeconds(10), Duration.ofHours(1), Duration.ofMinutes(10), 20, java.util.Map.of());

  /** Hosted domain {@code d} without a route is delivered to {@code <data-directory>/mail/d}. */
  static final String MAIL_SUBDIRECTORY = "mail";

  static final Duration TLS_RELOAD_CHECK_INTERVAL = Duration.ofSeconds(30);
  /**
   * {@code tls.engine}: JSSE until CI has run everything with BoringSSL too (issue 15; BoringSSL is
   * opt-in, bench/README.md "TLS handshakes").
   */
  public static final TlsEngineKind TLS_ENGINE = TlsEngineKind.JDK;

  static final Limits LIMITS =
      new Limits(
          35L * 1024 * 1024, // 35 MiB
          100, // RFC 5321 §4.5.3.1.8: the minimum a server must accept
          10_000,
          50,
          10,
          Duration.ofMinutes(5), // RFC 5321 §4.5.3.2.7: server timeout, at least 5 minutes
          Duration.ofMinutes(3), // RFC 5321 §4.5.3.2.5: data block
          Duration.ofMinutes(30), // data deadline: 35 MiB at 20 KB/s still arrives
          500, // octets per second on average, Postfix's smtpd_min_data_rate
          Duration.ofSeconds(30),
          Duration.ofSeconds(30));

  // ---- http ----

  /**
   * Loopback only: the endpoint has no authentication, and metrics and health are for the operator
   * (and a Prometheus on the same host or reached through a tunnel), not for the world.
   */
  static final String HTTP_ADDRESS = "127.0.0.1";

  /** Beside the mail ports, clear of the ports Prometheus exporters usually take (9100 and up). */
  static final int HTTP_PORT = 9025;

  static final boolean HTTP_ENABLED = true;

  static HttpConfig http() {
    return new HttpConfig(HTTP_ENABLED, HostSyntax.ipLiteral(HTTP_ADDRESS).orElseThrow(), HTTP_PORT);
  }

  // ---- auth ----

  /**
   * What submission listeners offer when the file does not say: channel-bound SCRAM first (RFC 5802
   * §6, RFC 7677), then SCRAM, then PLAIN (RFC 4616) and LOGIN for the many clients that know
   * nothing else; all of them only after TLS.
   */
  static final List<String> SUBMISSION_MECHANISMS =
      List.of(
          AuthConfig.SCRAM_SHA_256_PLUS,
          AuthConfig.SCRAM_SHA_256,
          AuthConfig.PLAIN,
          AuthConfig.LOGIN);

  /** CRAM-MD5 (RFC 2195) needs a plaintext-equivalent secret on the server. */
  static final boolean CRAM_MD5_ENABLED = false;

  /** OWASP Password Storage Cheat Sheet: the minimum for Argon2id is m=19 MiB, t=2, p=1. */
  static final Argon2Settings ARGON2 = new Argon2Settings(19 * 1024, 2, 1);

  /** RFC 7677 §4: the iteration count SHOULD be at least 4096. */
  static final int SCRAM_ITERATIONS = 4096;

  static final String PASSWORD_POLICY = PasswordPolicy.NIST.configName();

  /** Long enough to spare Argon2id for a client that connects once per message. */
  static final Duration AUTH_CACHE_TTL = Duration.ofSeconds(60);

  /** Bounces come from the server itself; a user sending them is rare enough to ask for. */
  static final boolean NULL_SENDER_ALLOWED = false;

  /** The claim most identity providers fill with the user's mail address. */
  static final String OAUTH_ACCOUNT_CLAIM = "email";

  static final Duration OAUTH_CLOCK_SKEW = Duration.ofSeconds(60);

  /**
   * The mechanisms of {@code role} when the file lists none: none on the relay port (servers
   * relaying to us do not authenticate, RFC 5321), else {@link #SUBMISSION_MECHANISMS}, plus
   * XOAUTH2 and OAUTHBEARER when tokens can be checked, plus CRAM-MD5 when it is turned on.
   */
  static List<String> mechanisms(ListenerRole role, boolean hasOAuth, boolean isCramMd5Enabled) {
    return switch (role) {
      case RELAY -> List.of();
      case SUBMISSION, SUBMISSIONS -> {
        List<String> names = new ArrayList<>(SUBMISSION_MECHANISMS);
        if (hasOAuth) {
          names.addAll(AuthConfig.TOKEN_MECHANISMS);
        }
        if (isCramMd5Enabled) {
          names.add(AuthConfig.CRAM_MD5);
        }
        yield List.copyOf(names);
      }
    };
  }

  static AuthConfig auth() {
    Map<ListenerRole, List<String>> mechanisms = new EnumMap<>(ListenerRole.class);
    for (ListenerRole role : ListenerRole.values()) {
      mechanisms.put(role, mechanisms(role, false, CRAM_MD5_ENABLED));
    }
    return new AuthConfig(
        mechanisms,
        CRAM_MD5_ENABLED,
        ARGON2,
        SCRAM_ITERATIONS,
        PASSWORD_POLICY,
        AUTH_CACHE_TTL,
        NULL_SENDER_ALLOWED,
        Optional.empty());
  }

  /** This machine's host name, looked up once: the lookup may wait for DNS. */
  static String hostname() {
    return Hostname.DETECTED;
  }

  /** The hostname, then {@code localhost}; lower-case, without duplicates. */
  static List<String> hostedDomains(String hostname) {
    List<String> domains = new ArrayList<>();
    for (String domain : List.of(hostname, LOCALHOST)) {
      String lower = domain.toLowerCase(Locale.ROOT);
      if (!domains.contains(lower)) {
        domains.add(lower);
      }
    }
    return List.copyOf(domains);
  }

  static ListenerConfig listener(ListenerRole role) {
    return new ListenerConfig(
        listenerName(role),
        role,
        HostSyntax.ipLiteral(LISTENER_ADDRESS).orElseThrow(),
        port(role),
        greetingDelay(role));
  }

  static List<ListenerConfig> listeners() {
    return LISTENER_ROLES.stream().map(Defaults::listener).toList();
  }

  // ---- api ----

  /**
   * On, like the mail ports: applications send over it as mail clients do over 587, with the same
   * keys and rules. It listens on every address, over TLS with the server's certificate; nothing
   * is served without a valid API key but the OpenAPI document.
   */
  static final boolean API_ENABLED = true;

  static final String API_ADDRESS = "0.0.0.0";

  /** The usual alternative HTTPS port; 443 needs privileges and is often a web server's. */
  static final int API_PORT = 8443;

  static final boolean API_TLS = true;

  /**
   * Webhooks go to public addresses only unless an operator allows otherwise per endpoint with the
   * CLI: an API key must not be a way into the server's own networks (SSRF).
   */
  static final boolean API_WEBHOOK_PRIVATE_TARGETS = false;

  /**
   * Four requests at once to one webhook endpoint: a burst (a batch send's message.accepted) drains
   * four times as fast as one at a time, and a receiver behind one small worker pool is not
   * swamped. Events may then arrive out of order; a receiver orders them by id or timestamp.
   */
  static final int API_WEBHOOK_CONCURRENCY = 4;

  static ApiConfig api() {
    return new ApiConfig(API_ENABLED, HostSyntax.ipLiteral(API_ADDRESS).orElseThrow(), API_PORT, API_TLS,
        API_WEBHOOK_PRIVATE_TARGETS, API_WEBHOOK_CONCURRENCY);
  }

  static TlsConfig tls() {
    return new TlsConfig(Optional.empty(), Optional.empty(), TLS_RELOAD_CHECK_INTERVAL, TLS_ENGINE);
  }

  /** The configuration used when there is no file, or the file is empty. */
  static HikyakuConfig config() {
    String hostname = hostname();
    return new HikyakuConfig(
        hostname, DATA_DIRECTORY, listeners(), tls(), LIMITS, hostedDomains(hostname), auth(), ABUSE, RATES, http(), DELIVERY,
        MAIL_AUTH, HISTORY, api(), RETURNS, RECIPIENTS);
  }

  /**
   * The canonical name of this machine when it is a usable domain name, else {@code localhost}. A
   * machine without reverse DNS reports its IP address as its canonical name; an IP address is not
   * a valid EHLO domain (RFC 5321 §4.1.1.1 wants a domain or an address literal), so it is not
   * used.
   */
  static String hostnameFrom(Callable<String> lookup) {
    try {
      String name = lookup.call();
      if (name != null && HostSyntax.domainProblem(name).isEmpty()) {
        return name.toLowerCase(Locale.ROOT);
      }
      log.warn(
          "Host name '{}' is not a domain name; using '{}'. Set hostname: in the config.",
          name,
          LOCALHOST);
    } catch (Exception e) {
      log.warn(
          "Cannot find this machine's host name ({}); using '{}'. Set hostname: in the config.",
          e.toString(),
          LOCALHOST);
    }
    return LOCALHOST;
  }

  private static final class Hostname {
    static final String DETECTED = hostnameFrom(() -> canonicalLocalHostName());

    private static String canonicalLocalHostName() throws UnknownHostException {
      return InetAddress.getLocalHost().getCanonicalHostName();
    }
  }
}
